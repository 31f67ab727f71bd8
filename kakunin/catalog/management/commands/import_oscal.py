"""Load an OSCAL catalog (JSON) as a form of Kakunin.

    manage.py import_oscal FILE.json --key KEY [--version V] [--dry-run] [--user NAME]

The file is validated by compliance-trestle before anything is kept. Each control is
an item, its group the section; the controls of Kakunin's vocabulary come from the
catalog's own properties where it is one of Kakunin's, else from the suggestions
(the best at or above the threshold). A file that does not validate is refused with
where it fails; nothing is saved.
"""

from pathlib import Path

import yaml
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from kakunin.catalog.actions import load_form
from kakunin.catalog.loader import CatalogError, parse
from kakunin.catalog.oscal import OscalRefused, definition_of, read_catalog
from kakunin.tenants.commands import MunicipalityCommand


class Command(MunicipalityCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--key", required=True, help="the form's key in Kakunin")
        parser.conflict_handler = parser._optionals.conflict_handler = "resolve"
        parser.add_argument("--version", default="1", help="the form's version")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--user", default="", help="who loads it (the audit trail)")

    def handle(self, *args, file: Path, key: str, version: str, dry_run: bool, user: str, **o):
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file}: 開けません ({exc})") from None
        try:
            definition = definition_of(read_catalog(text), key, version)
            source = yaml.safe_dump(definition, allow_unicode=True, sort_keys=False)
            parsed = parse(source, source=str(file))
        except OscalRefused as exc:
            raise CommandError(
                "読み込めません。何も保存していません。\n" + "\n".join(exc.errors)
            ) from None
        except CatalogError as exc:
            raise CommandError(f"{exc}\n何も保存していません。") from None
        untagged = [i["label"] or str(i["number"]) for i in parsed.items if not i["controls"]]
        self.stdout.write(f"{parsed.meta['name']}: {len(parsed.items)}項目")
        if untagged:
            self.stdout.write(
                f"管理策のない項目（Web の様式管理で付けてください）: {'、'.join(untagged)}"
            )
        if dry_run:
            self.stdout.write("--dry-run のため保存していません。")
            return
        actor = get_user_model().objects.filter(username=user).first() if user else None
        try:
            result = load_form(actor=actor, parsed=parsed, source_label=file.name)
        except CatalogError as exc:
            raise CommandError(f"{exc}\n何も保存していません。") from None
        self.stdout.write(f"{result.template.key} 第{result.template.version}版を読み込みました。")
