"""The last stage: each row matched to its item and compared with the answer, into
the plan shown before anything is applied."""

import difflib

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kakunin.assessments.models import (
    STATUSES_WITHOUT_PLAN,
    AnswerScope,
    Assessment,
    validate_answer,
)
from kakunin.assessments.sheet import build_sheet
from kakunin.forms_xlsx.export import question_cell
from kakunin.forms_xlsx.importer.locate import (
    Form,
    fold,
    number_key,
)
from kakunin.forms_xlsx.importer.plan import Change, Plan, Skipped
from kakunin.forms_xlsx.importer.rows import FormRow, _merged_inputs
from kakunin.staging.models import ImportRefused


def _plan(read, form: Form, assessment: Assessment, scope: AnswerScope) -> Plan:
    rows, skipped, errors = read
    sheet_rows = [r for section in build_sheet(assessment, scope) for r in section.rows]
    by_key = {r.item.key: r for r in sheet_rows}
    by_number = {number_key(r.item.shown_number): r for r in sheet_rows}
    plan = Plan(skipped=skipped, matched_by_number=form.by_number)
    seen: dict[str, FormRow] = {}
    for row in rows:
        target = by_number.get(row.number) if form.by_number else by_key.get(row.key)
        if target is None:
            errors.append(_unknown(row, form))
            continue
        row.number = target.item.label or target.item.number
        if target.item.key in seen:
            first = seen[target.item.key]
            errors.append(
                _(
                    "%(row)s行目と %(first)s行目が同じ項目（No.%(n)s）の行です。どちらか一方の行を削除してください。"
                )
                % {"row": row.row, "first": first.row, "n": target.item.shown_number}
            )
            continue
        seen[target.item.key] = row
        if form.by_number and not _same_question(row.raw.get("question", ""), target.item):
            errors.append(
                _(
                    "%(cell)s: No.%(n)s の質問文が、この確認票の様式（%(template)s）の No.%(n)s と一致しません。"
                )
                % {
                    "cell": row.cells.get("question", f"{row.row}行目"),
                    "n": target.item.shown_number,
                    "template": assessment.template,
                }
            )
            continue
        plan.skipped.extend(_printed_cells(row, target, form, assessment.template))
        change = _row_change(row, target, plan, errors, form)
        if change:
            plan.changes.append(change)
    errors.extend(_merged_inputs(form.sheet, form, rows))
    if errors:
        if form.by_number and any("質問文が" in e or "にない番号" in e for e in errors):
            errors.insert(
                0,
                _(
                    "区の様式として番号で照合しましたが、様式の版が違うか、番号が付け直されています。この確認票の様式（%(template)s）に記入してください。"
                )
                % {"template": assessment.template},
            )
        raise ImportRefused(errors)
    plan.needs_status = _needs_status(plan, sheet_rows)
    return plan


def _unknown(row: FormRow, form: Form) -> str:
    if form.by_number:
        return _("%(cell)s: No.%(n)s はこの確認票の様式にない番号です。") % {
            "cell": row.cells.get("number", f"{row.row}行目"),
            "n": row.number,
        }
    return _(
        "%(row)s行目: この確認票の項目ではない行です（別の様式の行が貼り付けられています）。この行を削除してください。"
    ) % {"row": row.row}


def _same_question(cell: str, item) -> bool:
    """The ward's original prints the question (and its examples) as the catalogue
    holds them; small differences of spacing or width do not count."""
    question, text = fold(item.question), fold(cell)
    if not text:
        return False
    if question in text:
        return True
    return difflib.SequenceMatcher(None, question, text[: len(question)]).ratio() >= 0.9


def _printed_cells(row: FormRow, target, form: Form, template) -> list[Skipped]:
    """Cells of an item's row outside the yellow ones: left aside, each said."""
    out = []
    expected = {
        "number": target.item.shown_number,
        "section": target.item.section,
        "subsection": target.item.subsection,
        "key": target.item.key,
    }
    for name, text in row.raw.items():
        if not text.strip():
            continue
        cell = row.cells[name]
        if name in expected:
            if fold(text) == fold(expected[name]):
                continue
            column = form.layout.column(name)
            reason = _("印刷用の欄（%(title)s）の変更は取り込みません。") % {
                "title": column.heading if column else name
            }
        elif name == "question":
            if form.by_number or fold(text) == fold(question_cell(target.item, template)):
                continue
            reason = _("質問欄の変更は取り込みません。回答は回答欄に書いてください。")
        elif name == "verdict":
            reason = _("審査結果は区が Kakunin で記入します。取り込みません。")
        else:
            index = int(name[1:])
            title = form.others.get(index)
            reason = (
                _("列「%(title)s」は様式にない列のため取り込みません。") % {"title": title}
                if title
                else _("表の外のセルのため取り込みません。")
            )
        out.append(Skipped(cell, text[:80], str(reason)))
    return out


def _row_change(row: FormRow, target, plan: Plan, errors: list[str], form: Form) -> Change | None:
    """What one row asks to change, or None. A blank cell never deletes anything."""
    answer, item, layout = target.answer, target.item, form.layout
    typed = row.values.get("status", "")
    status = layout.parse_status(typed)
    if status is None:
        words = "／".join(layout.word(s) for s in ("done", "partial", "not_done", "na"))
        errors.append(
            _("%(cell)s: 対応状況「%(value)s」は選択肢（%(words)s）のどれとも読めません。")
            % {"cell": row.cells["status"], "value": typed[:50], "words": words}
        )
        return None
    text = row.values.get("answer", "")
    plan_text = row.values.get("plan", "")
    new_status = status or answer.status
    new_text = text if text.strip() else answer.text
    new_plan = plan_text if plan_text.strip() else answer.plan
    new_date = row.date or answer.target_date
    if new_status in STATUSES_WITHOUT_PLAN and (plan_text.strip() or row.date):
        plan.notes.append(
            _("%(cell)s: No.%(n)s は「%(status)s」のため、対応予定と対応予定日は取り込みません。")
            % {
                "cell": row.cells.get("plan", row.cells.get("target_date", "")),
                "n": item.shown_number,
                "status": layout.word(new_status),
            }
        )
    if new_status in STATUSES_WITHOUT_PLAN:
        new_plan, new_date = "", None
    if not text.strip() and answer.text.strip() and target.editable and "answer" in row.cells:
        plan.notes.append(
            _("%(cell)s: 空欄のため、No.%(n)s の既存の回答をそのまま残します。")
            % {"cell": row.cells["answer"], "n": item.shown_number}
        )
    new = (new_status, new_text, new_plan, new_date)
    if new == (answer.status, answer.text, answer.plan, answer.target_date):
        return None
    if not target.editable:
        plan.notes.append(_why_skipped(row, target))
        return None
    try:
        validate_answer(item, new_status, new_text, new_plan)
    except ValidationError as exc:
        for field_name, messages in exc.message_dict.items():
            where = {"status": "status", "plan": "plan"}.get(field_name, "answer")
            cell = row.cells.get(where, row.cells.get("answer", f"{row.row}行目"))
            errors.extend(f"{cell}: {m}" for m in messages)
        return None
    return Change(
        key=item.key,
        number=item.label or item.number,
        cell=row.cells.get("answer", ""),
        old_status=answer.status,
        new_status=new_status,
        old_text=answer.text,
        new_text=new_text,
        version=answer.version,
        old_plan=answer.plan,
        new_plan=new_plan,
        old_date=answer.target_date.isoformat() if answer.target_date else "",
        new_date=new_date.isoformat() if new_date else "",
        typed_status=typed.strip() if status and typed.strip() != layout.word(status) else "",
    )


def _why_skipped(row: FormRow, target) -> str:
    if not target.applies:
        reason = _("この確認票では適用外の項目です")
    elif target.item.is_ward_item:
        reason = _("区が回答する項目です")
    else:
        reason = _("この項目を編集する権限がありません")
    return _("%(cell)s: No.%(n)s は%(reason)s。取り込みません。") % {
        "cell": row.cells.get("answer", f"{row.row}行目"),
        "n": target.item.shown_number,
        "reason": reason,
    }


def _needs_status(plan: Plan, sheet_rows) -> list[int | str]:
    """Items that will have an answer but no status: the ward's original form has
    no status column, so these are said in the preview and on the page."""
    changed = {c.key: c for c in plan.changes}
    out = []
    for r in sheet_rows:
        if not r.applies or not r.editable:
            continue
        c = changed.get(r.item.key)
        status, text = (c.new_status, c.new_text) if c else (r.answer.status, r.answer.text)
        if text.strip() and not status:
            out.append(r.item.label or r.item.number)
    return out
