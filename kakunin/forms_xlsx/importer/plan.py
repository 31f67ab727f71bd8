"""What a read form would change: the changes, the cells left aside, the plan."""

from dataclasses import asdict, dataclass, field

from kakunin.assessments.models import (
    Status,
)

MAX_ZIP_ENTRIES = 500
MAX_ROWS = 2000
MAX_COLUMNS = 100
HEADER_SEARCH_ROWS = 30
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE file: .xls, or an encrypted .xlsx


@dataclass
class Change:
    key: str
    number: int | str  # as the form prints it
    cell: str
    old_status: str
    new_status: str
    old_text: str
    new_text: str
    version: int
    old_plan: str = ""
    new_plan: str = ""
    old_date: str = ""
    new_date: str = ""
    typed_status: str = ""  # what the cell said, when it was another spelling

    @property
    def old_status_label(self) -> str:
        return str(Status(self.old_status).label) if self.old_status else ""

    @property
    def new_status_label(self) -> str:
        return str(Status(self.new_status).label) if self.new_status else ""

    @property
    def plan_changed(self) -> bool:
        return (self.old_plan, self.old_date) != (self.new_plan, self.new_date)


@dataclass
class Skipped:
    """A non-empty cell that will not be imported, and why."""

    cell: str
    value: str
    reason: str


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    matched_by_number: bool = False
    # Items with an answer but no status once applied, by number, in order.
    needs_status: list[int | str] = field(default_factory=list)
    sha256: str = ""
    size: int = 0

    def as_json(self) -> dict:
        return {
            "changes": [asdict(c) for c in self.changes],
            "notes": self.notes,
            "skipped": [asdict(s) for s in self.skipped],
            "matched_by_number": self.matched_by_number,
            "needs_status": self.needs_status,
        }

    @classmethod
    def from_json(cls, data: dict) -> "Plan":
        return cls(
            [Change(**c) for c in data["changes"]],
            list(data["notes"]),
            [Skipped(**s) for s in data.get("skipped", [])],
            bool(data.get("matched_by_number")),
            list(data.get("needs_status", [])),
        )


def _at(values, index: int | None):
    if index is None or index >= len(values):
        return None
    return values[index]
