"""Read a filled Excel form into an assessment: show each change, then apply them all.

With --dry-run nothing is written. A refused file changes nothing and the
messages name the cells at fault.
"""

from kakunin.assessments.models import AnswerScope, Assessment
from kakunin.forms_xlsx.actions import apply_plan
from kakunin.forms_xlsx.importer import read_plan
from kakunin.staging.command import ImportCommand


class Command(ImportCommand):
    help = __doc__
    owner_label = "確認票"
    file_first = True  # import_form FILE ASSESSMENT_ID
    applied = "{n} 件の回答を反映しました。"

    def owner(self, pk: int):
        return Assessment.objects.filter(pk=pk).first()

    def read(self, file, owner):
        with open(file, "rb") as f:
            return read_plan(f, owner, AnswerScope.ALL)

    def apply(self, owner, plan, source_label: str) -> int:
        return apply_plan(actor=None, owner=owner, plan=plan, source_label=source_label)

    def show(self, plan) -> int:
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
        return len(plan.changes)
