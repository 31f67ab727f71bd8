"""End of life: endoflife.date's product files read, and each component's state.

LGWAN has no internet: the ward downloads https://endoflife.date/api/PRODUCT.json
elsewhere and imports the files (`manage.py import_eol`, or the reviewers' upload).
A component is matched by product (its `eol_product`, else its purl's name, else
its product name) and by release cycle (the longest cycle its version starts with).
A support-end date typed by a person wins over the data.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from packageurl import PackageURL

from kakunin.core import jsontext
from kakunin.inventory.models import Component, EolCycle


class EolState(models.TextChoices):
    SUPPORTED = "supported", gettext_lazy("サポート中")
    ENDING = "ending", gettext_lazy("サポート終了間近")
    PAST = "past", gettext_lazy("サポート終了")
    UNKNOWN = "unknown", gettext_lazy("不明")


@dataclass(frozen=True)
class EolStatus:
    state: str
    ends: datetime.date | None = None
    cycle: str = ""
    latest: str = ""  # the newest release of the cycle, per the data
    manual: bool = False

    @property
    def label(self) -> str:
        return str(EolState(self.state).label)


class EolFileRefused(ValueError):
    """The file is not an endoflife.date product file; the message names the record."""


def product_name(component: Component) -> str:
    if component.eol_product:
        return component.eol_product
    if component.purl:
        try:
            return slugify(PackageURL.from_string(component.purl).name)
        except ValueError:
            pass
    return slugify(component.product)


def cycle_of(version: str, cycles: list[EolCycle]) -> EolCycle | None:
    """The longest cycle the version belongs to: 1.24.0 is in 1.24, 15.4 in 15."""
    best = None
    for cycle in cycles:
        c = cycle.cycle
        if version == c or re.match(re.escape(c) + r"[.\-_+p]", version):
            if best is None or len(c) > len(best.cycle):
                best = cycle
    return best


def status_of(component: Component, cycles: list[EolCycle], today=None) -> EolStatus:
    today = today or timezone.localdate()
    warn = datetime.timedelta(days=settings.EOL_WARNING_DAYS)
    if component.support_end:
        return EolStatus(
            _state(component.support_end, today, warn), component.support_end, manual=True
        )
    cycle = cycle_of(component.version, cycles)
    if cycle is None:
        return EolStatus(EolState.UNKNOWN)
    if cycle.eol:
        return EolStatus(_state(cycle.eol, today, warn), cycle.eol, cycle.cycle, cycle.latest)
    if cycle.eol_reached is True:
        return EolStatus(EolState.PAST, None, cycle.cycle, cycle.latest)
    if cycle.eol_reached is False:
        return EolStatus(EolState.SUPPORTED, None, cycle.cycle, cycle.latest)
    return EolStatus(EolState.UNKNOWN, None, cycle.cycle, cycle.latest)


def _state(ends: datetime.date, today: datetime.date, warn: datetime.timedelta) -> str:
    if ends < today:
        return EolState.PAST
    if ends - today <= warn:
        return EolState.ENDING
    return EolState.SUPPORTED


def statuses(components) -> dict[int, EolStatus]:
    """Each component's state, with one query for the cycles of all their products."""
    components = list(components)
    names = {c.pk: product_name(c) for c in components}
    cycles: dict[str, list[EolCycle]] = defaultdict(list)
    for cycle in EolCycle.objects.filter(product__in=set(names.values())):
        cycles[cycle.product].append(cycle)
    today = timezone.localdate()
    return {c.pk: status_of(c, cycles[names[c.pk]], today) for c in components}


# --- reading a product file ---------------------------------------------------------

MAX_CYCLES = 2000


def read_product_file(data: bytes, product: str, filename: str) -> list[dict]:
    """The cycles of one product file, checked. Raises EolFileRefused naming the record."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,99}", product):
        raise EolFileRefused(
            _(
                "%(file)s: 製品名「%(product)s」は endoflife.date の製品名（英小文字・数字・-）ではありません。"
            )
            % {"file": filename, "product": product[:100]}
        )
    try:
        records = jsontext.loads(data)
    except jsontext.Unreadable as exc:
        raise EolFileRefused(
            _("%(file)s: JSON として読めません（%(error)s）。") % {"file": filename, "error": exc}
        ) from None
    if not isinstance(records, list) or not records or len(records) > MAX_CYCLES:
        raise EolFileRefused(
            _("%(file)s: endoflife.date の製品ファイル（リリースサイクルの一覧）ではありません。")
            % {"file": filename}
        )
    return [_cycle(record, n, filename) for n, record in enumerate(records, start=1)]


def _cycle(record, n: int, filename: str) -> dict:
    where = {"file": filename, "n": n}
    if not isinstance(record, dict) or not str(record.get("cycle", "")).strip():
        raise EolFileRefused(_("%(file)s: %(n)s 件目に cycle がありません。") % where)
    eol = record.get("eol")
    out: dict[str, object] = {
        "cycle": str(record["cycle"]).strip()[:50],
        "latest": str(record.get("latest") or "")[:100],
        "release_date": _date(record.get("releaseDate"), where, "releaseDate"),
        "eol": None,
        "eol_reached": None,
    }
    if isinstance(eol, bool):
        out["eol_reached"] = eol
    elif eol is not None:
        out["eol"] = _date(eol, where, "eol")
    return out


def _date(value, where: dict, name: str) -> datetime.date | None:
    if value in (None, "", False):
        return None
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise EolFileRefused(
            _("%(file)s: %(n)s 件目の %(name)s「%(value)s」は日付ではありません。")
            % (where | {"name": name, "value": str(value)[:30]})
        ) from None
