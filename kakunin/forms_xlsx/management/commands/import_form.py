"""Read a filled Excel form into an assessment: show each change, then apply them all.

With --dry-run nothing is written. A refused file changes nothing and the
messages name the cells at fault.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kakunin.assessments.models import AnswerScope, Assessment
from kakunin.forms_xlsx.actions import apply_plan
from kakunin.forms_xlsx.importer import ImportRefused, read_plan


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("assessment_id", type=int)
        parser.add_argument("--dry-run", action="store_true", help="show the changes only")

    def handle(self, *args, file, assessment_id, dry_run, **options):
        assessment = Assessment.objects.filter(pk=assessment_id).first()
        if assessment is None:
            raise CommandError(f"確認票 ID {assessment_id} はありません。")
        try:
            with open(file, "rb") as f:
                plan = read_plan(f, assessment, AnswerScope.ALL)
        except OSError as exc:
            raise CommandError(f"{file}: 開けません ({exc.strerror})") from None
        except ImportRefused as exc:
            raise CommandError(
                "取り込めません。何も変更していません。\n" + "\n".join(exc.errors)
            ) from None
        if plan.matched_by_number:
            self.stdout.write("区の様式として、行を No で照合しました（質問文も確認済み）。")
        for note in plan.notes:
            self.stdout.write(f"注意: {note}")
        for s in plan.skipped:
            self.stdout.write(f"取り込まないセル: {s.cell} 「{s.value}」 {s.reason}")
        for c in plan.changes:
            status = c.new_status_label
            if c.old_status != c.new_status:
                status = f"{c.old_status_label or '（未回答）'} → {c.new_status_label}"
            self.stdout.write(f"No.{c.number} ({c.cell}): {status}")
            if c.old_text != c.new_text:
                self.stdout.write(f"  - {c.old_text!r}\n  + {c.new_text!r}")
            if c.plan_changed:
                self.stdout.write(
                    f"  対応予定: {c.old_plan!r} {c.old_date or ''} → {c.new_plan!r} {c.new_date or ''}"
                )
        if plan.needs_status:
            numbers = "、".join(f"No.{n}" for n in plan.needs_status)
            self.stdout.write(f"対応状況が未選択の項目: {numbers}")
        if dry_run:
            self.stdout.write(f"{len(plan.changes)} 件の変更（--dry-run のため反映していません）。")
            return
        count = apply_plan(actor=None, assessment=assessment, plan=plan, source_label=str(file))
        self.stdout.write(f"{count} 件の回答を反映しました。")
