"""The audit trail in words: each action and each change as a person reads them.

Events store codes ("mfa.enrolled", {"type": [null, "totp"]}) so that the chain's
hashes never depend on a language. The auditor's page shows them in the reader's
language through this registry, which each app fills from its AppConfig.ready()
with the actions it records, its field names and the labels of its codes: the
audit trail knows none of the apps above it.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ACTIONS: dict[str, object] = {}  # action code -> its words (lazy)
FIELDS: dict[str, object] = {}  # change key -> its words (lazy)
VALUES: dict[str, dict[str, object]] = {}  # change key -> {code: its words}

register_defaults = {
    "audit.export": gettext_lazy("監査証跡の書き出し"),
    "audit.archive": gettext_lazy("監査証跡のアーカイブ"),
    "audit.verify": gettext_lazy("監査証跡の検証"),
    "audit.purge": gettext_lazy("保存期間を過ぎたアーカイブの削除"),
    "data.view": gettext_lazy("他部署のデータの閲覧"),
}


def register(*, actions=None, fields=None, values=None, defaults=False) -> None:
    """Words for codes. With `defaults`, only for codes no app named yet (the record
    kinds' many fields: "date" keeps the words its own app gave it)."""
    ACTIONS.update(actions or {})
    for field, label in (fields or {}).items():
        if not defaults or field not in FIELDS:
            FIELDS[field] = label
    for field, labels in (values or {}).items():
        known = VALUES.setdefault(field, {})
        known.update({k: v for k, v in labels.items() if not defaults or k not in known})


register(
    actions=register_defaults,
    fields={
        "filters": gettext_lazy("絞り込み条件"),
        "events": gettext_lazy("イベント数"),
        "files": gettext_lazy("ファイル"),
    },
)


@dataclass
class Change:
    field: str
    before: str
    after: str

    @property
    def added(self) -> bool:
        return self.before == "—" and self.after != "—"


def action_label(action: str) -> str:
    label = ACTIONS.get(action)
    return str(label) if label is not None else action


def readable(field: str, value) -> str:
    """One value as words: codes by their labels, lists joined, nothing as a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("はい") if value else _("いいえ")
    if isinstance(value, list):
        return _("、").join(readable(field, v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{readable_field(k)}: {readable(k, v)}" for k, v in value.items())
    label = VALUES.get(field, {}).get(str(value))
    return str(label) if label is not None else str(value)


def readable_field(field: str) -> str:
    label = FIELDS.get(field)
    return str(label) if label is not None else field


def changes(event) -> list[Change]:
    """Each change of the event as before → after (a plain value: after only)."""
    out = []
    for field, value in (event.changes or {}).items():
        if isinstance(value, list) and len(value) == 2:
            before, after = value
        else:
            before, after = None, value
        out.append(Change(readable_field(field), readable(field, before), readable(field, after)))
    return out
