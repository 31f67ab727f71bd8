"""Audited writes of the catalog: a form's definition loaded from a person's file."""

from django.db import transaction

from kakunin.audit.trail import record
from kakunin.catalog.loader import LoadResult, ParsedTemplate, load


def load_form(*, actor, parsed: ParsedTemplate, source_label: str) -> LoadResult:
    """Store a checked definition (a municipality's own form) and record who loaded
    it from what, with the items left without a control."""
    with transaction.atomic():
        result = load(parsed)
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
