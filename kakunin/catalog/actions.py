"""Audited writes of the catalog: a form's definition loaded from a person's file, a
new draft version, an item's conditions and controls, a version published."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kakunin.audit.trail import record
from kakunin.catalog.loader import (
    STANDARD_CONDITIONS,
    CatalogError,
    LoadResult,
    ParsedTemplate,
    load,
)
from kakunin.catalog.models import Control, Item, Template, controls_of
from kakunin.tenants.active import current_id_for


def load_form(*, actor, parsed: ParsedTemplate, source_label: str) -> LoadResult:
    """Store a checked definition (a municipality's own form) and record who loaded
    it from what, with the items left without a control. A version already loaded
    with another content is refused: published versions are frozen (the bundled
    files' retagging is load_catalog's alone)."""
    meta = parsed.meta
    municipality = current_id_for(actor)  # the loader's municipality: its own form
    existing = Template.objects.filter(
        Q(municipality_id=municipality), key=meta["key"], version=meta["version"]
    ).first()
    if existing is not None and existing.source_sha256 != parsed.sha256:
        raise CatalogError(
            f"{parsed.label} は別の内容で読み込み済みです。版（version）を変えて読み込んでください。"
        )
    with transaction.atomic():
        result = load(parsed, municipality)
        template = result.template
        untagged = list(template.items.filter(controls=None).values_list("key", flat=True))
        record(
            "catalog.form_load",
            template,
            actor=actor,
            changes={
                "source": [None, source_label],
                "items": [None, template.items.count()],
                "untagged": [None, untagged],
                "created": [None, result.created],
            },
        )
    return result


class FormFrozen(Exception):
    """A published version does not change; the message says what to do instead."""


def new_version(*, actor, template: Template) -> Template:
    """A draft copy of a version, to change and publish: its items, their conditions and
    controls, its layout. The version is the next free number."""
    with transaction.atomic():
        taken = set(Template.objects.filter(key=template.key).values_list("version", flat=True))
        number = next(
            n for n in range(int(_numeric(template.version)) + 1, 10_000) if str(n) not in taken
        )
        draft = Template.objects.create(
            key=template.key, version=str(number), name=template.name, issuer=template.issuer,
            effective_date=timezone.localdate(), instruction=template.instruction,
            policy_line=template.policy_line, standards=template.standards, high=template.high,
            conditions=template.conditions, layout=template.layout,
            source_sha256=f"draft:{template.source_sha256}"[:64],
            municipality_id=current_id_for(actor),
        )  # fmt: skip
        items = list(template.items.all())
        tags = controls_of(items)
        made = Item.objects.bulk_create(
            Item(**{f.attname: getattr(i, f.attname) for f in Item._meta.concrete_fields
                    if f.attname not in ("id", "template_id")}, template=draft)
            for i in items
        )  # fmt: skip
        through = Item.controls.through
        controls = dict(Control.objects.values_list("key", "pk"))
        through.objects.bulk_create(
            through(item_id=new.pk, control_id=controls[key])
            for old, new in zip(items, made, strict=True)
            for key in tags[old.pk]
        )
        record(
            "catalog.form_draft",
            draft,
            actor=actor,
            changes={"from_version": [None, template.version], "version": [None, draft.version]},
        )
    return draft


def _numeric(version: str) -> int:
    digits = "".join(ch for ch in version if ch.isdigit())
    return int(digits) if digits else 0


def edit_item(*, actor, item: Item, condition: list[str], controls: list[str]) -> bool:
    """A draft's item: its applicability conditions and its controls. A published
    version is frozen, but an item left without a control may be given some (tagging
    what the command could not). Returns False when nothing changed."""
    with transaction.atomic():
        template = Template.objects.select_for_update().get(pk=item.template_id)
        item = Item.objects.select_for_update().get(pk=item.pk)
        before = controls_of([item])[item.pk]
        if template.published_at is not None:
            if before or condition != item.condition:
                raise FormFrozen(
                    "公開済みの版は変更できません。「新しい版を作る」で下書きを作り、変更して公開してください。"
                )
        unknown = set(condition) - set(template.conditions) - set(STANDARD_CONDITIONS)
        if unknown:
            raise FormFrozen(f"条件「{'、'.join(sorted(unknown))}」はこの様式にありません。")
        added = {c: STANDARD_CONDITIONS[c] for c in condition if c not in template.conditions}
        if added:  # a standard condition the draft did not have yet
            template.conditions = {**template.conditions, **added}
            template.save(update_fields=["conditions"])
        if (item.condition, before) == (condition, controls):
            return False
        changes = {}
        if item.condition != condition:
            changes["condition"] = [item.condition, condition]
            item.condition = condition
            item.save(update_fields=["condition"])
        if before != controls:
            changes["controls"] = [before, controls]
            item.controls.set(Control.objects.filter(key__in=controls))
        record(
            "catalog.item_edit",
            template,
            actor=actor,
            changes={"item": [None, item.key], **changes},
        )
    return True


def set_high(*, actor, template: Template, high: dict[str, int]) -> bool:
    """A draft's C/I/A levels that count as 「高」 (its conditions any_high read them)."""
    with transaction.atomic():
        current = Template.objects.select_for_update().get(pk=template.pk)
        if current.published_at is not None:
            raise FormFrozen("公開済みの版は変更できません。新しい版を作ってください。")
        if current.high == high:
            return False
        record("catalog.form_high", current, actor=actor, changes={"high": [current.high, high]})
        current.high = high
        current.save(update_fields=["high"])
    return True


def publish(*, actor, template: Template) -> Template:
    """A draft becomes the version in force; from now on it is frozen."""
    with transaction.atomic():
        current = Template.objects.select_for_update().get(pk=template.pk)
        if current.published_at is not None:
            raise FormFrozen("この版は公開済みです。")
        current.published_at = timezone.now()
        current.save(update_fields=["published_at"])
        record(
            "catalog.form_publish",
            current,
            actor=actor,
            changes={"version": [None, current.version]},
        )
    return current
