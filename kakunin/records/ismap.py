"""The ISMAP cloud service list, as the ward downloads it (the published Excel or CSV,
ISMAP or ISMAP-LIU), and the check of each system's cloud services against it.

The list is read by its headers wherever the header row is (the published files
start with a title), so a column moved or added does no harm. Any bad row refuses
the whole file with its row named: the list in force is never half replaced.
"""

import datetime
import functools
import unicodedata
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from kakunin.core import tables, wareki
from kakunin.core.text import Text, cell_problem, say
from kakunin.records.kinds import ISMAP_NUMBER
from kakunin.records.models import IsmapImport, IsmapService

MAX_ROWS = 20_000
HEADER_SEARCH_ROWS = 30

# The published lists' headers (and the usual variants), folded; → our field.
HEADERS = {
    "登録番号": "number",
    "ismap登録番号": "number",
    "registrationnumber": "number",
    "クラウドサービスの名称": "name",
    "クラウドサービス名称": "name",
    "クラウドサービス名": "name",
    "サービス名称": "name",
    "サービス名": "name",
    "cloudservicename": "name",
    "クラウドサービス事業者名": "provider",
    "クラウドサービス事業者": "provider",
    "事業者名": "provider",
    "申請者": "provider",
    "cloudserviceprovider": "provider",
    "登録日": "registered_on",
    "registrationdate": "registered_on",
    "有効期限": "expires_on",
    "登録の有効期限": "expires_on",
    "expirationdate": "expires_on",
}


class ListRefused(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class Listed:
    number: str
    name: str
    provider: str
    registered_on: datetime.date | None
    expires_on: datetime.date | None

    @property
    def listing(self) -> str:
        return (
            IsmapService.Listing.LIU if self.number.startswith("L") else IsmapService.Listing.ISMAP
        )


@functools.lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """For comparing names: width, case, spaces and punctuation set aside."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in text if c.isalnum())


def read(data: bytes, filename: str) -> list[Listed]:
    """The services a list file names. Raises ListRefused."""
    name = filename.lower()
    try:
        if name.endswith(".csv"):
            rows = tables.csv_rows(data, filename)
        elif name.endswith(".xlsx"):
            rows = tables.xlsx_rows(
                data, filename, max_rows=MAX_ROWS + HEADER_SEARCH_ROWS, max_cols=30
            )
        else:
            raise ListRefused(
                [
                    _(
                        "%(file)s: ISMAP クラウドサービスリストの Excel（.xlsx）か CSV を選んでください。"
                    )
                    % {"file": filename}
                ]
            )
    except tables.TableRefused as exc:
        raise ListRefused([str(exc)]) from None
    if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
        raise ListRefused(
            [_("%(file)s: 行が多すぎます（上限 %(n)s）。") % {"file": filename, "n": MAX_ROWS}]
        )
    return _services(rows, filename)


def _header(rows: list[list[str]]) -> tuple[int, dict[str, int]]:
    for n, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = {}
        for i, cell in enumerate(row):
            field = HEADERS.get(fold(cell))
            if field and field not in columns:
                columns[field] = i
        if "number" in columns and "name" in columns:
            return n, columns
    return -1, {}


def _services(rows: list[list[str]], filename: str) -> list[Listed]:
    at, columns = _header(rows)
    if at < 0:
        raise ListRefused(
            [
                _(
                    "%(file)s: 見出し「登録番号」と「クラウドサービスの名称」のある行が見つかりません。ISMAP ポータルで公開されているリストをそのまま取り込んでください。"
                )
                % {"file": filename}
            ]
        )
    out: list[Listed] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for n, values in enumerate(rows[at + 1 :], start=at + 2):
        cells = {f: (values[i].strip() if i < len(values) else "") for f, i in columns.items()}
        if not any(cells.values()):
            continue
        where = _("%(file)s %(n)s行目") % {"file": filename, "n": n}
        number = unicodedata.normalize("NFKC", cells["number"]).strip().upper()
        if not ISMAP_NUMBER.match(number):
            errors.append(
                _("%(where)s: 登録番号「%(number)s」の形が違います（例: C21-0001-1）。")
                % {"where": where, "number": cells["number"][:40]}
            )
            continue
        if not cells["name"]:
            errors.append(_("%(where)s: クラウドサービスの名称がありません。") % {"where": where})
            continue
        if number in seen:
            errors.append(
                _("%(where)s: 登録番号 %(number)s が %(first)s行目と重複しています。")
                % {"where": where, "number": number, "first": seen[number]}
            )
            continue
        seen[number] = n
        problems = [
            cell_problem(cells.get(field, ""), where=where, column=column, limit=300)
            for field, column in (
                ("name", _("クラウドサービスの名称")),
                ("provider", _("クラウドサービス事業者")),
            )
        ]
        errors.extend(p for p in problems if p)
        days = {}
        for field in ("registered_on", "expires_on"):
            text = cells.get(field, "")
            try:
                days[field] = wareki.parse(text) if text else None
            except wareki.DateUnreadable:
                errors.append(
                    _("%(where)s: 「%(text)s」は日付として読めません。")
                    % {"where": where, "text": text[:40]}
                )
        if len(errors) > 50:
            break
        out.append(
            Listed(
                number,
                cells["name"],
                cells.get("provider", ""),
                days.get("registered_on"),
                days.get("expires_on"),
            )
        )
    if errors:
        raise ListRefused(errors[:50])
    if not out:
        raise ListRefused(
            [_("%(file)s: 登録されたサービスが1件もありません。") % {"file": filename}]
        )
    return out


def problems(data: dict, services: dict[str, IsmapService], list_known: bool) -> list[Text]:
    """What is wrong with a cloud service record against the list (empty: nothing)."""
    if data.get("registration") == "none":
        return [say("ISMAP・ISMAP-LIU に登録されていないサービスです。")]
    if not list_known:
        return []  # the ward has not imported the list yet: nothing to check against
    number = data.get("number", "")
    listed = services.get(number)
    if listed is None:
        return [
            say("登録番号 %(number)s は ISMAP クラウドサービスリストにありません。", number=number)
        ]
    out = []
    if listed.removed_on:
        out.append(
            say(
                "%(number)s はリストから外れています（%(day)s の取込みで確認）。",
                number=number,
                day=listed.removed_on.isoformat(),
            )
        )
    elif listed.expires_on and listed.expires_on < timezone.localdate():
        out.append(
            say(
                "%(number)s の登録の有効期限（%(day)s）が過ぎています。",
                number=number,
                day=listed.expires_on.isoformat(),
            )
        )
    ours, theirs = fold(data.get("service_name", "")), fold(listed.name)
    if ours and theirs and ours not in theirs and theirs not in ours:
        out.append(say("サービスの名称がリストの「%(name)s」と一致しません。", name=listed.name))
    return out


def check(records) -> dict[int, list[Text]]:
    """Each cloud service record's problems, reading the list once."""
    return check_data({r.pk: r.data for r in records})


def check_data(records: dict[int, dict]) -> dict[int, list[Text]]:
    """The same, from each record's data by its id (what the dashboard reads for
    hundreds of systems without loading the records)."""
    numbers = {data.get("number") for data in records.values() if data.get("number")}
    services = {s.number: s for s in IsmapService.objects.filter(number__in=numbers)}
    list_known = IsmapImport.objects.exists()
    return {pk: problems(data, services, list_known) for pk, data in records.items()}
