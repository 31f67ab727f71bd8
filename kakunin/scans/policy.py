"""Our own policy: the facts a check observed become a verdict on one checklist item.

A tool's severity labels are never used: TLS 1.0 accepted fails item 61,
whatever another tool would call it.
"""

from dataclasses import dataclass, field

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _


class Verdict(models.TextChoices):
    """The four verdicts, for the checks, the database and the pages alike. `label`
    is in the reader's language; `ja` is fixed Japanese, for what reads the same to
    everyone: the stored JSON evidence and the command's table."""

    PASS = "pass", _("適合")
    FAIL = "fail", _("不適合")
    REVIEW = "review", _("要確認")
    UNKNOWN = "unknown", _("未確認")

    @property
    def ja(self) -> str:
        with override("ja"):
            return str(self.label)


# The checklist items each check answers (printed number -> stable key).
ITEM_KEYS = {
    36: "web-port-blocking",
    37: "web-version-hiding",
    38: "web-unpublished-files",
    39: "web-admin-interface",
    42: "web-password-rules",
    43: "web-login-message",
    45: "web-account-lockout",
    47: "web-session-id-handling",
    48: "web-cookie-secure",
    50: "web-session-destruction",
    54: "web-xss",
    57: "web-clickjacking",
    58: "web-other",
    59: "web-https",
    60: "web-certificate",
    61: "web-tls-version",
}


class Text:
    """The words of a finding, kept as message ids with their values, so that a page
    shows them in its reader's language. `ja` is the fixed Japanese that the JSON
    report and the command carry. Parts are (msgid, values) to translate, or (None,
    text) to show as it is (URLs, header values: what the site said)."""

    def __init__(self, parts=()):
        self.parts = [tuple(p) for p in parts]

    def __add__(self, other) -> "Text":
        return Text(self.parts + Text.of(other).parts)

    def __radd__(self, other) -> "Text":
        return Text(Text.of(other).parts + self.parts)

    def __eq__(self, other) -> bool:
        return isinstance(other, Text) and self.parts == other.parts

    def __hash__(self) -> int:
        return hash(str(self.as_json()))

    def __str__(self) -> str:
        """In the language active now."""
        out = []
        for msgid, values in self.parts:
            if msgid is None:
                out.append(str(values))
            else:
                out.append(gettext(msgid) % values if values else gettext(msgid))
        return "".join(out)

    @property
    def ja(self) -> str:
        with override("ja"):
            return str(self)

    def join(self, items) -> "Text":
        """The items with this text between them (a translated separator: "、" is ", ")."""
        result = Text()
        for i, item in enumerate(items):
            result = result + item if i == 0 else result + self + item
        return result

    @classmethod
    def of(cls, value) -> "Text":
        return value if isinstance(value, Text) else cls([(None, str(value))])

    def as_json(self) -> list:
        return [list(p) for p in self.parts]

    @classmethod
    def from_json(cls, data) -> "Text":
        return cls(data or [])


def say(msgid: str, **values) -> Text:
    """A translatable sentence of a finding. makemessages finds it (see the command in
    kakunin/core/management/commands/makemessages.py); values fill %(name)s."""
    return Text([(msgid, values)])


@dataclass
class Finding:
    """What one check concluded about one item, with the evidence for it."""

    check: str  # e.g. "tls.protocols"
    item: int  # the printed number of the form
    verdict: Verdict
    summary: Text
    evidence: list[dict] = field(default_factory=list)
    at: str = field(default_factory=lambda: timezone.now().isoformat(timespec="seconds"))

    @property
    def item_key(self) -> str:
        return ITEM_KEYS[self.item]

    def as_json(self) -> dict:
        return {
            "check": self.check,
            "item": self.item,
            "item_key": self.item_key,
            "verdict": str(self.verdict),
            "verdict_label": self.verdict.ja,
            "summary": self.summary.ja,
            "evidence": self.evidence,
            "at": self.at,
        }

    def stored_json(self) -> dict:
        """as_json() and the summary's message ids and values, kept with the results so
        that the pages show the summary in their reader's language."""
        return self.as_json() | {"message": self.summary.as_json()}

    def __post_init__(self):
        self.summary = Text.of(self.summary)


def overall(verdicts) -> Verdict:
    """The verdict of an item several checks answer: any fail fails it, any doubt
    makes it 要確認; a part that could not be checked (SSLv3, say) does not stop
    the rest from passing, and stays listed beside it."""
    order = [Verdict.FAIL, Verdict.REVIEW, Verdict.PASS, Verdict.UNKNOWN]
    found = set(verdicts)
    return next((v for v in order if v in found), Verdict.UNKNOWN)
