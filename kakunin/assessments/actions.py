"""Changes to assessments and answers. Each runs in one transaction with its audit event."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kakunin.assessments import workflow
from kakunin.assessments.models import (
    STATUSES_WITHOUT_PLAN,
    Answer,
    AnswerRevision,
    Assessment,
    Status,
    Submission,
    validate_answer,
)
from kakunin.assessments.workflow import TransitionRefused
from kakunin.audit.trail import record, record_many
from kakunin.catalog.models import controls_of


class StaleAnswer(Exception):
    """Someone saved the answer after the editor loaded it."""


class AnswerLocked(Exception):
    """The assessment's state does not let this answer change (submitted, approved...)."""


@transaction.atomic
def create_assessment(
    *,
    actor,
    system,
    template,
    phase: str,
    fiscal_year=None,
    carry_from: Assessment | None = None,
    revision: int = 1,
) -> Assessment:
    """A new checklist for the system. With `carry_from` (an approved assessment, last
    year's say), its answers are the starting point and changes since are marked."""
    assessment = Assessment.objects.create(
        system=system,
        template=template,
        phase=phase,
        fiscal_year=fiscal_year,
        created_by=actor,
        previous=carry_from,
        revision=revision,
        # A new revision keeps the deadline of the one it replaces.
        due_date=carry_from.due_date if carry_from is not None and revision > 1 else None,
    )

    now = timezone.now()
    answers = [
        Answer(
            assessment=assessment,
            item=item,
            status=Status.WARD if item.is_ward_item else "",
            text=item.preset_answer,
            version=1 if item.is_ward_item else 0,
            updated_at=now if item.is_ward_item else None,
        )
        for item in template.items.all()
    ]
    Answer.objects.bulk_create(answers)
    AnswerRevision.objects.bulk_create(
        AnswerRevision(
            answer=a,
            version=1,
            status=a.status,
            text=a.text,
            changed_at=now,
            source=AnswerRevision.Source.SYSTEM,
        )
        for a in answers
        if a.version
    )
    if carry_from is not None:
        carry_answers(assessment, carry_from, actor)
    record(
        "assessment.create",
        assessment,
        actor=actor,
        changes={
            "system": [None, system.name],
            "template": [None, str(template)],
            "phase": [None, assessment.phase_label],
            "carried_from": [None, carry_from.pk if carry_from else None],
        },
    )
    return assessment


def carry_answers(assessment: Assessment, source: Assessment, actor) -> int:
    """Start from the source's answers, matched by item key; across versions or forms,
    an item the source does not have takes the answer of the one source item that asks
    about the same controls. Each keeps who wrote it and when, and is marked carried
    until edited or confirmed."""
    answered = [a for a in source.answers.select_related("item") if a.status]
    previous = {a.item.key: a for a in answered}
    by_controls = _one_per_control_set(answered)
    mine = assessment.answers.select_related("item")
    tags = controls_of(a.item_id for a in mine)
    now, carried = timezone.now(), []
    for answer in mine:
        old = previous.get(answer.item.key) or by_controls.get(frozenset(tags[answer.item_id]))
        if old is None or (answer.status, answer.text) == (old.status, old.text):
            continue
        answer.status, answer.text, answer.plan, answer.target_date = (
            old.status,
            old.text,
            old.plan,
            old.target_date,
        )
        answer.version += 1
        answer.updated_by, answer.updated_at = old.updated_by, old.updated_at or now
        answer.carried = True
        answer.save()
        AnswerRevision.objects.create(
            answer=answer, version=answer.version, status=answer.status, text=answer.text, plan=answer.plan,
            target_date=answer.target_date, changed_by=actor, changed_at=now, source=AnswerRevision.Source.CARRYOVER,
        )  # fmt: skip
        carried.append((answer, old))
    for hook in CARRY_HOOKS:
        hook(assessment, carried, actor)
    return len(carried)


# After the answers are carried: hook(assessment, [(new answer, the one it came from)],
# actor), which may put something newer in their place (the answer library's newer
# entries, kakunin.library.carry). Filled by the apps above from AppConfig.ready().
CARRY_HOOKS: list = []


def register_carry(hook) -> None:
    if hook not in CARRY_HOOKS:
        CARRY_HOOKS.append(hook)


def replace_carried(answer: Answer, values: dict, *, actor, source: str) -> None:
    """A carried answer given newer words as it is carried (still to be confirmed, as
    every carried answer is); the caller records why, in the same transaction."""
    for field in ANSWER_FIELDS:
        setattr(answer, field, values.get(field, getattr(answer, field)))
    answer.version += 1
    answer.carried = True
    answer.save(update_fields=[*ANSWER_FIELDS, "version", "carried"])
    AnswerRevision.objects.create(
        answer=answer, version=answer.version, status=answer.status, text=answer.text, plan=answer.plan,
        target_date=answer.target_date, changed_by=actor, changed_at=timezone.now(), source=source,
    )  # fmt: skip


def _one_per_control_set(answers) -> dict[frozenset, Answer]:
    """Control set -> the source answer of the one item that asks about exactly those
    controls (a set two items share matches neither)."""
    tags = controls_of(a.item_id for a in answers)
    found: dict[frozenset, list] = {}
    for answer in answers:
        if tags[answer.item_id]:
            found.setdefault(frozenset(tags[answer.item_id]), []).append(answer)
    return {key: group[0] for key, group in found.items() if len(group) == 1}


ANSWER_FIELDS = ("status", "text", "plan", "target_date")


def update_answer(
    *, actor, answer: Answer, values: dict, expected_version: int | None, source: str
) -> bool:
    """Save a new state of one answer. `values` holds the fields to change (status,
    text, plan, target_date); the others keep theirs. Returns False when nothing changed.

    Raises ValidationError for a rule broken, StaleAnswer when the answer moved on
    since `expected_version` was read, AnswerLocked when the assessment's state
    does not let it change.
    """
    changed = update_answers(actor=actor, edits=[(answer, values, expected_version)], source=source)
    answer.refresh_from_db()
    return bool(changed)


def update_answers(*, actor, edits: list[tuple[Answer, dict, int | None]], source: str) -> int:
    """Save several answers together, all or none (an Excel import): each edit is
    (answer, values, expected_version) under the rules of update_answer, with one
    revision and one audit event per answer changed. Returns how many changed."""
    with transaction.atomic():
        locked = {
            a.pk: a
            for a in Answer.objects.select_for_update()
            .select_related("item", "assessment")
            .filter(pk__in=[answer.pk for answer, _v, _e in edits])
        }
        now, changed, revisions, events = timezone.now(), [], [], []
        for answer, values, expected_version in edits:
            current = locked[answer.pk]
            diff = _apply(current, values, expected_version)
            if not diff:
                continue
            current.version += 1
            current.updated_by, current.updated_at = actor, now
            current.carried = False
            changed.append(current)
            revisions.append(
                AnswerRevision(
                    answer=current,
                    version=current.version,
                    status=current.status,
                    text=current.text,
                    plan=current.plan,
                    target_date=current.target_date,
                    changed_by=actor,
                    changed_at=now,
                    source=source,
                )
            )
            events.append(("answer.update", current, diff | {"source": [None, source]}))
        if changed:
            Answer.objects.bulk_update(
                changed, [*ANSWER_FIELDS, "version", "updated_by", "updated_at", "carried"]
            )
            AnswerRevision.objects.bulk_create(revisions)
            record_many(events, actor=actor)
    return len(changed)


def _apply(current: Answer, values: dict, expected_version: int | None) -> dict:
    """Set `values` on the locked answer under every rule; returns what changed as
    {field: [before, after]}, empty when nothing did."""
    if not current.assessment.is_open_for(current):
        raise AnswerLocked(
            _("この回答は現在の状態（%(state)s）では変更できません。")
            % {"state": current.assessment.get_state_display()}
        )
    if expected_version is not None and current.version != expected_version:
        raise StaleAnswer(
            _("他の利用者がこの回答を先に更新しました。最新の内容を確認してください。")
        )
    before = current.snapshot()
    for field, value in values.items():
        if field in ANSWER_FIELDS:
            setattr(current, field, _clean(value))
    if current.status in STATUSES_WITHOUT_PLAN:
        # 対応済 (or 該当なし, 区で対応): the plan for what was not done is over.
        current.plan, current.target_date = "", None
    validate_answer(current.item, current.status, current.text, current.plan)
    after = current.snapshot()
    return {k: [before[k], v] for k, v in after.items() if before[k] != v}


def confirm_carried(*, actor, answer: Answer) -> bool:
    """The answer taken over from last year still holds: it is this year's answer now,
    confirmed by `actor`. False when there was nothing to confirm."""
    with transaction.atomic():
        current = (
            Answer.objects.select_for_update()
            .select_related("item", "assessment")
            .get(pk=answer.pk)
        )
        if not current.carried:
            return False
        if not current.assessment.is_open_for(current):
            raise AnswerLocked(
                _("この回答は現在の状態（%(state)s）では変更できません。")
                % {"state": current.assessment.get_state_display()}
            )
        current.version += 1
        current.carried = False
        current.updated_by, current.updated_at = actor, timezone.now()
        current.save(update_fields=["version", "carried", "updated_by", "updated_at"])
        AnswerRevision.objects.create(
            answer=current, version=current.version, status=current.status, text=current.text,
            plan=current.plan, target_date=current.target_date, changed_by=actor,
            changed_at=current.updated_at, source=AnswerRevision.Source.CONFIRM,
        )  # fmt: skip
        record("answer.confirm", current, actor=actor, changes={"carried": [True, False]})
    answer.refresh_from_db()
    return True


def _clean(value):
    """Line breaks as the web and Excel both mean them."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def submission_problems(assessment: Assessment) -> list[str]:
    """What stops a submission: every applicable item needs a complete answer."""
    problems = []
    for answer in assessment.answers.select_related("item").order_by("item__number"):
        if not assessment.template.evaluate(answer.item, assessment.system).applies:
            continue
        if reason := answer.missing_for_submission():
            problems.append(f"No.{answer.item.number} {answer.item.subsection}: {reason}")
    return problems


def submit(*, actor, assessment: Assessment) -> Assessment:
    """下書き or 差戻し → 提出済 / 再提出, with what each answer was at this moment."""
    with workflow.step(assessment, "submit") as current:
        problems = submission_problems(current)
        if problems:
            raise TransitionRefused(_("未完了の項目があるため提出できません。"), problems)
        workflow.advance(current, "submit", actor=actor)
        Submission.objects.create(
            assessment=current,
            round=current.round,
            submitted_by=actor,
            submitted_at=current.submitted_at,
            versions={str(pk): v for pk, v in current.answers.values_list("pk", "version")},
        )
    return current


@transaction.atomic
def set_due_date(*, actor, assessment: Assessment, due_date) -> None:
    before = assessment.due_date
    assessment.due_date = due_date
    assessment.save(update_fields=["due_date", "updated_at"])
    record(
        "assessment.due_date",
        assessment,
        actor=actor,
        changes={
            "due_date": [str(before) if before else None, str(due_date) if due_date else None]
        },
    )


class NothingToCopy(Exception):
    """The related item does not apply to the system, or has no answer yet."""


def copy_answer(*, actor, answer: Answer, source: Answer) -> bool:
    """ "Same as item N": this answer takes the related item's status and text. Returns
    False when they were the same already; raises NothingToCopy when item N does not
    apply or is unanswered (nothing is written then)."""
    assessment = answer.assessment
    applies = assessment.template.evaluate(source.item, assessment.system).applies
    if not applies or not (source.status or source.text):
        raise NothingToCopy
    return update_answer(
        actor=actor,
        answer=answer,
        values={
            "status": source.status,
            "text": source.text,
            "plan": source.plan,
            "target_date": source.target_date,
        },
        expected_version=None,
        source=AnswerRevision.Source.COPY,
    )
