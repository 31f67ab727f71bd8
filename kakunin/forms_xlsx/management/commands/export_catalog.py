"""Export a checklist template: JSON (every item and its fields) or the blank xlsx form."""

import json
import sys

from django.core.management.base import CommandError

from kakunin.catalog.models import Template
from kakunin.core import xlsx
from kakunin.forms_xlsx import export
from kakunin.tenants.commands import ServiceCommand


def item_json(item) -> dict:
    return {
        "number": item.number,
        "key": item.key,
        "section": item.section,
        "subsection": item.subsection,
        "question": item.question,
        "examples": item.examples,
        "standard": item.standard_name,
        "answered_by": item.answered_by,
        "preset_answer": item.preset_answer or None,
        "condition": [
            {"key": c, "label": item.template.conditions[c]["label"]} for c in item.condition
        ],
        "related": item.related,
        "label": item.shown_number,
        "controls": list(item.controls.values_list("key", flat=True)),
    }


class Command(ServiceCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--template", help="form key (default: the default form)")
        parser.add_argument(
            "--template-version", help="version (default: the one in force, or the newest)"
        )
        parser.add_argument("--format", choices=["json", "xlsx"], required=True)
        parser.add_argument("-o", "--output", help="output file (default: stdout for JSON)")

    def handle(self, *args, template, template_version, format, output, **options):
        default = Template.default()
        key = template or (default.key if default else "")
        qs = Template.objects.filter(key=key)
        if template_version:
            chosen = qs.filter(version=template_version).first()
        else:
            chosen = Template.current(key) or qs.order_by("-effective_date", "-loaded_at").first()
        if chosen is None:
            raise CommandError(
                "該当する様式がありません。先に manage.py load_catalog を実行してください。"
            )
        if format == "json":
            text = json.dumps(
                [item_json(i) for i in chosen.items.all()], ensure_ascii=False, indent=2
            )
            if output:
                with open(output, "w", encoding="utf-8") as f:
                    f.write(text + "\n")
            else:
                sys.stdout.write(text + "\n")
            return
        if not output:
            raise CommandError("xlsx には -o FILE が必要です。")
        wb = export.build_workbook(chosen, export.rows_of_template(chosen))
        with open(output, "wb") as f:
            f.write(xlsx.to_bytes(wb))
        self.stdout.write(f"{output}: {chosen} の空の様式を書き出しました。")
