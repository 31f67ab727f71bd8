"""Checklist templates: a versioned form, its items and their applicability conditions."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

AXES = ("confidentiality", "integrity", "availability")
AXIS_LABELS = {
    "confidentiality": _("機密性"),
    "integrity": _("完全性"),
    "availability": _("可用性"),
}


@dataclass(frozen=True)
class Applicability:
    applies: bool
    reasons: tuple[str, ...]


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
    source_sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key", "-effective_date", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="template_key_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"

    @classmethod
    def current(cls, key: str | None = None) -> "Template | None":
        """The newest version in force: the one new assessments are made with."""
        qs = cls.objects.order_by("-effective_date", "-loaded_at")
        return (qs.filter(key=key) if key else qs).first()

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
    number = models.PositiveSmallIntegerField()
    section = models.CharField(max_length=200)
    subsection = models.CharField(max_length=200)
    question = models.TextField()
    examples = models.JSONField(default=list, blank=True)
    standard = models.CharField(max_length=50)
    answered_by = models.CharField(max_length=8, choices=AnsweredBy.choices)
    preset_answer = models.TextField(blank=True)
    condition = models.JSONField(default=list, blank=True)
    related = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["template", "number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "key"], name="item_template_key"),
            models.UniqueConstraint(fields=["template", "number"], name="item_template_number"),
        ]

    def __str__(self) -> str:
        return f"No.{self.number} {self.subsection}"

    @property
    def is_ward_item(self) -> bool:
        return self.answered_by == self.AnsweredBy.WARD

    @property
    def standard_name(self) -> str:
        return self.template.standards.get(self.standard, {}).get("name", self.standard)
