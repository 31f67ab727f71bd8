"""Checklist templates: a versioned form, its items and their applicability conditions."""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kakunin.tenants.active import ScopedManager

AXES = ("confidentiality", "integrity", "availability")
AXIS_LABELS = {
    "confidentiality": _("機密性"),
    "integrity": _("完全性"),
    "availability": _("可用性"),
}


def number_runs(numbers: list[int]) -> str:
    """[66, 68, 69, 72] -> "66, 68–69, 72"."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def controls_of(items) -> dict[int, list[str]]:
    """Item pk -> the keys of the controls it asks about (one query), for the items
    or item pks given."""
    pks = [getattr(item, "pk", item) for item in items]
    found: dict[int, list[str]] = {pk: [] for pk in pks}
    links = Item.controls.through.objects.filter(item_id__in=pks).order_by("pk")
    for item_id, key in links.values_list("item_id", "control__key"):
        found[item_id].append(key)
    return found


@dataclass(frozen=True)
class Applicability:
    applies: bool
    reasons: tuple[str, ...]


class Control(models.Model):
    """One entry of the control vocabulary (data/vocabulary/controls.yaml): what an
    item asks about, whatever form it is on. Keys are stable and never reused."""

    key = models.SlugField(max_length=64, unique=True)
    group = models.SlugField(max_length=32)
    group_title = models.CharField(max_length=100)
    group_title_en = models.CharField(max_length=100)
    title = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The title in the reader's language."""
        return self.title_en if (get_language() or "ja").startswith("en") else self.title

    @property
    def group_label(self) -> str:
        return (
            self.group_title_en if (get_language() or "ja").startswith("en") else self.group_title
        )


class Template(models.Model):
    key = models.SlugField(max_length=100)
    version = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    issuer = models.CharField(max_length=200)
    effective_date = models.DateField()
    instruction = models.CharField(max_length=300, blank=True)
    policy_line = models.CharField(max_length=300, blank=True)
    standards = models.JSONField(default=dict)
    high = models.JSONField(default=dict)
    conditions = models.JSONField(default=dict)
    # How it looks in Excel and on paper (catalog.layout); {} is the default layout.
    layout = models.JSONField(default=dict, blank=True)
    source_sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)
    # A version is a draft until published; a published one is frozen, and the newest
    # published is in force (its new assessments are made with it).
    published_at = models.DateTimeField(null=True, blank=True)
    # The municipality whose own form it is; none: the service's, which every
    # municipality uses (the bundled forms, load_catalog).
    municipality = models.ForeignKey(
        "tenants.Municipality", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    MUNICIPALITY_PATH = "municipality"
    MUNICIPALITY_SHARED = True
    objects = ScopedManager()

    class Meta:
        ordering = ["key", "-effective_date", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "key", "version"], name="template_key_version"
            ),
            models.UniqueConstraint(
                fields=["key", "version"],
                condition=models.Q(municipality__isnull=True),
                name="template_shared_key_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"

    @classmethod
    def current(cls, key: str) -> "Template | None":
        """The version of form `key` in force: the newest published, the one its new
        assessments are made with."""
        published = cls.objects.filter(key=key, published_at__isnull=False)
        return published.order_by("-effective_date", "-loaded_at").first()

    @property
    def is_draft(self) -> bool:
        return self.published_at is None

    @classmethod
    def in_force(cls) -> list["Template"]:
        """The version in force of every form loaded, one per form, by name."""
        forms = cls.objects.values_list("key", flat=True).distinct().order_by("key")
        found = [cls.current(key) for key in forms]
        return sorted((t for t in found if t is not None), key=lambda t: (t.name, t.key))

    @classmethod
    def default(cls) -> "Template | None":
        """The form new systems are assessed against unless someone picks another:
        DEFAULT_FORM where it is set, else the form loaded first."""
        key = settings.DEFAULT_FORM
        if not key:
            first = (
                cls.objects.filter(published_at__isnull=False).order_by("loaded_at", "pk").first()
            )
            key = first.key if first else ""
        return cls.current(key) if key else None

    def items_with(self, controls) -> list["Item"]:
        """This form's items that ask about any of `controls` (keys), by number."""
        found = self.items.filter(controls__key__in=list(controls)).distinct()
        return list(found.prefetch_related("controls").order_by("number"))

    def numbers_of(self, controls) -> str:
        """The printed numbers of the items asking about `controls`, runs joined:
        "66, 72", "68–69" ("1-1, 1-2" on a form numbered its own way); "" where the
        form has none."""
        items = self.items_with(controls)
        if any(item.label for item in items):
            return ", ".join(item.shown_number for item in items)
        return number_runs([item.number for item in items])

    def is_high(self, axis: str, level: int) -> bool:
        return level >= int(self.high.get(axis, 99))

    def evaluate(self, item: "Item", profile) -> Applicability:
        """Whether the item applies to a system with this profile, and why."""
        if not item.condition:
            return Applicability(True, (str(_("全てのシステムに適用")),))
        reasons, applies = [], True
        for key in item.condition:
            ok, why = self._condition_holds(self.conditions[key], profile)
            applies &= ok
            reasons.append(why)
        return Applicability(applies, tuple(reasons))

    def applies(self, item: "Item", profile) -> bool:
        """Whether the item applies, without the reasons (for counting over many systems)."""
        return self.condition_holds(item.condition, profile)

    def condition_holds(self, condition: list, profile) -> bool:
        """Whether an item's condition (its list of condition keys) holds for a profile."""
        return all(self._holds(self.conditions[key], profile) for key in condition)

    def _holds(self, cond: dict, profile) -> bool:
        if "flag" in cond:
            return bool(getattr(profile, cond["flag"]))
        return any(self.is_high(a, getattr(profile, a)) for a in cond["any_high"])

    def _condition_holds(self, cond: dict, profile) -> tuple[bool, str]:
        label = cond.get("label", "")
        if "flag" in cond:
            ok, detail = bool(getattr(profile, cond["flag"])), ""
        else:
            levels = {a: getattr(profile, a) for a in cond["any_high"]}
            ok = any(self.is_high(a, level) for a, level in levels.items())
            detail = "（{}）".format("、".join(f"{AXIS_LABELS[a]}{v}" for a, v in levels.items()))
        verdict = _("該当") if ok else _("非該当")
        return ok, f"{label} {verdict}{detail}"


class Item(models.Model):
    class AnsweredBy(models.TextChoices):
        VENDOR = "vendor", _("事業者")
        WARD = "ward", _("区")

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="items")
    key = models.SlugField(max_length=100)
    number = models.PositiveSmallIntegerField()  # the order of the form
    # The number as the form prints it ("1-1", "(3)", "①"); "" where it is `number`.
    label = models.CharField(max_length=20, blank=True)
    section = models.CharField(max_length=200)
    subsection = models.CharField(max_length=200)
    question = models.TextField()
    examples = models.JSONField(default=list, blank=True)
    standard = models.CharField(max_length=50)
    answered_by = models.CharField(max_length=8, choices=AnsweredBy.choices)
    preset_answer = models.TextField(blank=True)
    condition = models.JSONField(default=list, blank=True)
    related = models.JSONField(default=list, blank=True)
    controls = models.ManyToManyField(Control, related_name="items", blank=True)

    class Meta:
        ordering = ["template", "number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "key"], name="item_template_key"),
            models.UniqueConstraint(fields=["template", "number"], name="item_template_number"),
        ]

    def __str__(self) -> str:
        return f"No.{self.shown_number} {self.subsection}"

    @property
    def shown_number(self) -> str:
        """The number as the form prints it."""
        return self.label or str(self.number)

    @property
    def is_ward_item(self) -> bool:
        return self.answered_by == self.AnsweredBy.WARD

    @property
    def standard_name(self) -> str:
        return self.template.standards.get(self.standard, {}).get("name", self.standard)
