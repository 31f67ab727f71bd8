"""Load a municipality's own checklist from its Excel file as a form of Kakunin.

    manage.py import_form_definition FILE.xlsx [--name NAME] [--version V]
        [--key KEY] [--issuer ISSUER] [--dry-run] [-o DEFINITION.yaml]

It prints the columns found and what each was taken to be, the sections and items
read, the answer words, and for each item the controls suggested with their scores.
The best suggestion at or above the threshold is saved for each item; the items left
without a control are listed, for a person to tag on the web. The form is usable at
once. With --dry-run nothing is saved; -o writes the definition (YAML) to a file,
which `load_catalog` loads as it is, or after a person's corrections.

A file that is not a form, or a form whose rows cannot be read, is refused with the
sheet, the row and what is missing; nothing is saved.
"""

from pathlib import Path

from django.core.management.base import CommandError

from kakunin.accounts.models import User
from kakunin.catalog import suggest
from kakunin.catalog.actions import load_form
from kakunin.forms_xlsx.definition.build import Draft, Options, draft
from kakunin.staging.models import ImportRefused
from kakunin.tenants.commands import MunicipalityCommand


class Command(MunicipalityCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--name", default="", help="the form's name (default: its title)")
        # --version is the form's version here, not Django's: it replaces Django's option.
        parser.conflict_handler = parser._optionals.conflict_handler = "resolve"
        parser.add_argument("--version", default="1", help="the form's version")
        parser.add_argument("--key", default="", help="a stable key (default: from the file)")
        parser.add_argument("--issuer", default="", help="the municipality (default: read)")
        parser.add_argument("--dry-run", action="store_true", help="read and show only")
        parser.add_argument("-o", "--output", type=Path, help="write the definition here")
        parser.add_argument("--user", default="", help="who loads it (the audit trail)")

    def handle(self, *args, file: Path, dry_run: bool, output: Path | None, user: str, **o):
        options = Options(name=o["name"], key=o["key"], version=o["version"], issuer=o["issuer"])
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: 開けません ({exc.strerror})") from None
        try:
            made = draft(data, file.name, options)
            parsed = made.parsed()
        except ImportRefused as exc:
            raise CommandError(
                "様式として読み込めません。何も保存していません。\n" + "\n".join(exc.errors)
            ) from None
        self.show(made)
        if output:
            output.write_text(made.yaml(), encoding="utf-8")
            self.stdout.write(f"定義を書き出しました: {output}")
        if dry_run:
            self.stdout.write("--dry-run のため保存していません。")
            return
        actor = User.objects.filter(username=user).first() if user else None
        if user and actor is None:
            raise CommandError(f"利用者「{user}」はいません。何も保存していません。")
        try:
            result = load_form(
                actor=actor, parsed=parsed, source_label=f"{file.name} ({made.sha256[:12]})"
            )
        except Exception as exc:  # the loader's refusal (CatalogError) or a clash of keys
            raise CommandError(f"{exc}\n何も保存していません。") from None
        t = result.template
        state = "読み込みました" if result.created else "読み込み済み（変更なし）"
        self.stdout.write(f"{t.key} 第{t.version}版: {t.items.count()}項目 {state}")

    def show(self, made: Draft) -> None:
        read, write = made.read, self.stdout.write
        write(f"シート「{read.sheet}」 見出し {read.header_rows}行（{read.header_row}行目まで）")
        write("列:")
        for c in read.columns:
            group = f"（{c.group}）" if c.group else ""
            write(f"  {c.index:>2}列目 「{c.heading}」{group} → {c.field}")
        for column in read.ignored:
            write(f"  {column.index:>2}列目 「{column.heading}」 → 取り込まない列")
        sections = list(dict.fromkeys(i.section for i in read.items))
        write(f"節: {len(sections)}  項目: {len(read.items)}")
        if read.words:
            words = "、".join(f"{w}→{s or '不明'}" for w, s in read.words.items())
            write(f"回答の言葉（入力規則）: {words}")
        write(f"管理策の提案（しきい値 {suggest.THRESHOLD}）:")
        chosen = {i["label"] or str(i["number"]): i["controls"] for i in made.definition["items"]}
        for item in read.items:
            ranked = made.suggestions[item.label][:3]
            shown = "、".join(f"{s.control} {s.score:.2f}" for s in ranked) or "なし"
            mark = "✓" if chosen.get(item.label) else " "
            write(f"  {mark} No.{item.label} {item.subsection or item.section}: {shown}")
        if made.untagged:
            numbers = "、".join(f"No.{n}" for n in made.untagged)
            write(f"管理策のない項目（Web の様式管理で付けてください）: {numbers}")
