"""What changed between two versions of a form, item by item (matched by key)."""

from dataclasses import dataclass, field

from kakunin.catalog.models import Item, Template, controls_of

WORDING = ("question", "examples", "section", "subsection", "preset_answer", "answered_by")


@dataclass
class Changed:
    item: Item
    before: Item
    reworded: list[str] = field(default_factory=list)  # the fields whose text changed
    retagged: tuple[list[str], list[str]] | None = None  # controls before, after
    conditions: tuple[list[str], list[str]] | None = None


@dataclass
class Comparison:
    old: Template
    new: Template
    added: list[Item]
    removed: list[Item]
    changed: list[Changed]

    @property
    def same(self) -> bool:
        return not (self.added or self.removed or self.changed)


def compare(old: Template, new: Template) -> Comparison:
    before = {i.key: i for i in old.items.all()}
    after = {i.key: i for i in new.items.all()}
    tags = controls_of([*before.values(), *after.values()])
    changed = []
    for key, item in after.items():
        was = before.get(key)
        if was is None:
            continue
        entry = Changed(item, was)
        entry.reworded = [f for f in WORDING if getattr(item, f) != getattr(was, f)]
        if tags[item.pk] != tags[was.pk]:
            entry.retagged = (tags[was.pk], tags[item.pk])
        if item.condition != was.condition:
            entry.conditions = (was.condition, item.condition)
        if entry.reworded or entry.retagged or entry.conditions:
            changed.append(entry)
    return Comparison(
        old,
        new,
        added=[i for k, i in after.items() if k not in before],
        removed=[i for k, i in before.items() if k not in after],
        changed=changed,
    )
