"""The life of an assessment, in one place: its states, the steps between them, and
the one guard every step passes.

    下書き ──submit──▶ 提出済 ──start_review──▶ 審査中 ──approve──▶ 承認 ──new_revision──▶ (次の版)
                                              │  ▲
                                       return │  │ start_review
                                              ▼  │
                           差戻し ──submit──▶ 再提出

While 審査中 the reviewer judges answers ("judge": verdicts, 「残りを適合」).

Everything reviewed goes through the same life: an assessment, a yearly report, and
what comes (a library entry's approval). It is a `Reviewed` model; every step is an
action that begins with

    with workflow.step(assessment, "approve") as current:

which locks the row, checks the state against TRANSITIONS and refuses with the
reason (TransitionRefused), and moves on with

    workflow.advance(current, "approve", actor=actor)

which sets the state (and who and when), saves, records `<audit_name>.approve` and
tells the people concerned, in the same transaction. What a step checks before it
moves (unfinished answers, sections not 適合) stays in its action.

Which steps there are, who may take each (kakunin/access.py) and which action runs is
one table per reviewed kind (`register_steps`, filled by reviews and reports from
their AppConfig.ready()): the web pages, the API and the yearly report's pages read
it through `access.step()` and take the step with `take()`.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib import messages
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from kakunin.audit.trail import record
from kakunin.core.text import form_errors
from kakunin.notifications.actions import notify
from kakunin.notifications.models import Kind

if TYPE_CHECKING:  # the type of a lazy translation, for mypy only
    from django_stubs_ext import StrOrPromise


class State(models.TextChoices):
    """下書き → 提出済 → 審査中 → 差戻し → 再提出 → 審査中 → … → 承認."""

    DRAFT = "draft", gettext_lazy("下書き")
    SUBMITTED = "submitted", gettext_lazy("提出済")
    IN_REVIEW = "in_review", gettext_lazy("審査中")
    RETURNED = "returned", gettext_lazy("差戻し")
    RESUBMITTED = "resubmitted", pgettext_lazy("assessment state", "再提出")
    APPROVED = "approved", pgettext_lazy("assessment state", "承認")


@dataclass(frozen=True)
class Transition:
    moves: dict[State, State]  # from → to
    refusal: "StrOrPromise"  # why not, in this state (%(state)s is the state's name)

    @property
    def sources(self) -> frozenset[State]:
        return frozenset(self.moves)


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(
        {State.DRAFT: State.SUBMITTED, State.RETURNED: State.RESUBMITTED},
        gettext_lazy("この状態（%(state)s）では提出できません。"),
    ),
    "start_review": Transition(
        {State.SUBMITTED: State.IN_REVIEW, State.RESUBMITTED: State.IN_REVIEW},
        gettext_lazy("この状態（%(state)s）では審査を開始できません。"),
    ),
    "judge": Transition(
        {State.IN_REVIEW: State.IN_REVIEW},
        gettext_lazy("審査中の確認票にだけ審査結果を付けられます。"),
    ),
    "return": Transition(
        {State.IN_REVIEW: State.RETURNED},
        gettext_lazy("この状態（%(state)s）では差し戻せません。"),
    ),
    "approve": Transition(
        {State.IN_REVIEW: State.APPROVED},
        gettext_lazy("この状態（%(state)s）では承認できません。"),
    ),
    # The approved assessment stays as it is; a new revision starts from its answers.
    "new_revision": Transition(
        {State.APPROVED: State.APPROVED},
        gettext_lazy("承認済みの確認票だけ新しい版にできます。"),
    ),
}

# Whose move it is: the vendor's (or the owning department's) and the ward's.
WAITING_FOR_VENDOR = (State.DRAFT, State.RETURNED)
WAITING_FOR_REVIEW = (State.SUBMITTED, State.RESUBMITTED, State.IN_REVIEW)


class Reviewed(models.Model):
    """What the workflow assumes of everything reviewed: its state, how many times it
    was submitted, by whom and when, the last return's note, who approved it and when.
    Every reviewed thing belongs to a system (who is told follows the system)."""

    # The audit events' prefix: "<audit_name>.submit", "<audit_name>.approve", …
    audit_name: ClassVar[str] = ""

    state = models.CharField(
        gettext_lazy("状態"), max_length=16, choices=State.choices, default=State.DRAFT
    )
    round = models.PositiveSmallIntegerField(default=0)  # submissions so far
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The reviewer's cover message of the last return, for the vendor.
    return_note = models.TextField(gettext_lazy("差戻しの連絡事項"), blank=True, max_length=4000)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def can(self, step: str) -> bool:
        """Whether the state allows the step (TRANSITIONS); not who may take it."""
        return allows(self.state, step)

    def people_told(self, step: str) -> list:
        """Who hears of a step: a submission goes to the reviewers and the owning
        department; a return or an approval to the vendor and the owning department."""
        system = self.system  # type: ignore[attr-defined]
        if step == "submit":
            return [*system.reviewers(), *system.department_staff()]
        return [*system.vendor_members(), *system.department_staff()]


# What each step tells, and in which words (none: the step tells nobody).
TOLD = {"submit": Kind.SUBMITTED, "return": Kind.RETURNED, "approve": Kind.APPROVED}


class TransitionRefused(Exception):
    """The assessment cannot move on; `problems` say why, item by item."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


def allows(state: str, name: str) -> bool:
    """Whether the step `name` may be taken from `state`."""
    return state in TRANSITIONS[name].sources


def target(state: str, name: str) -> State:
    """Where the step `name` leads from `state`."""
    return TRANSITIONS[name].moves[State(state)]


def lock(assessment, related=("system", "template")):
    """The assessment row again (or the yearly report's, which goes through the same
    steps), locked until the transaction ends."""
    return (
        type(assessment).objects.select_for_update().select_related(*related).get(pk=assessment.pk)
    )


@contextmanager
def step(assessment, name: str, related=("system", "template")) -> Iterator:
    """The guard of every step: one transaction, the row locked, the state checked.
    Yields the locked assessment (or yearly report); raises TransitionRefused when the
    state does not allow the step (nothing is written then)."""
    with transaction.atomic():
        current = lock(assessment, related)
        if not allows(current.state, name):
            refusal = TRANSITIONS[name].refusal
            raise TransitionRefused(refusal % {"state": current.get_state_display()})
        yield current


def advance(
    current: Reviewed, name: str, *, actor, also=(), changes: dict | None = None, **told
) -> None:
    """What follows the guard, once for every reviewed thing: the state moves, a
    submission counts and keeps who and when, an approval who and when; the row is
    saved, `<audit_name>.<name>` recorded with the state's move (and `changes`), and the
    people concerned told (`told` adds to the notification's context). `also` names the
    fields the action has set besides (the return's note, the report's content). Call
    it inside `step()`, after the step's own checks."""
    before, now = current.state, timezone.now()
    current.state = target(before, name)
    fields = ["state", "updated_at", *also]
    moved: dict[str, list] = {"state": [before, current.state]}
    if name == "submit":
        current.round += 1
        current.submitted_by, current.submitted_at = actor, now
        fields += ["round", "submitted_by", "submitted_at"]
        moved["round"] = [None, current.round]
    elif name == "approve":
        current.approved_by, current.approved_at = actor, now
        fields += ["approved_by", "approved_at"]
    current.save(update_fields=fields)
    record(
        f"{current.audit_name}.{name}", current, actor=actor, changes={**moved, **(changes or {})}
    )
    if name in TOLD:
        url = current.get_absolute_url()  # type: ignore[attr-defined]
        context = {
            "actor": actor.full_name, "assessment": current, "url": url, "round": current.round,
            **told,
        }  # fmt: skip
        notify(current.people_told(name), TOLD[name], context, url=url)


@dataclass(frozen=True)
class Step:
    """One step as people take it: who may (a predicate of kakunin/access.py, asked with
    the person and the reviewed thing), which action runs (called with `actor=`, the
    thing under its keyword `argument` and the step's inputs; it returns the thing moved
    on or what the step made), what the person is told when it is done, and the form of
    its inputs (the return's note), which the web and the API both validate."""

    allowed: Callable[[Any, Any], bool]
    action: Callable[..., Any]
    done: "StrOrPromise"
    form: type | None = None
    argument: str = "assessment"

    def run(self, actor, thing, **inputs) -> Any:
        return self.action(actor=actor, **{self.argument: thing}, **inputs)


# The steps of each reviewed kind, by model label ("assessments.Assessment").
STEPS: dict[str, dict[str, Step]] = {}


def register_steps(model: type[models.Model], steps: dict[str, Step]) -> None:
    """Called from an upper app's AppConfig.ready(): the steps of its reviewed kind."""
    STEPS[model._meta.label] = steps


def steps_of(thing: models.Model) -> dict[str, Step]:
    return STEPS[thing._meta.label]


def take(request, thing, step: Step, data) -> Any | None:
    """Take a step from a page: its form validated from `data`, the action run, the
    person told what happened (done, or refused with the reasons). Returns what the
    action returned, or None when it was refused."""
    inputs: dict = {}
    if step.form is not None:
        form = step.form(data)
        if not form.is_valid():
            for error in form_errors(form):
                messages.error(request, error)
            return None
        inputs = form.cleaned_data
    try:
        result = step.run(request.user, thing, **inputs)
    except TransitionRefused as refused:
        tell_refused(request, refused)
        return None
    messages.success(request, step.done)
    return result


def tell_refused(request, refused: TransitionRefused) -> None:
    """A refused step, as messages on the next page: why, and the items at fault."""
    messages.error(request, str(refused))
    for problem in refused.problems[:30]:
        messages.error(request, problem)
    if len(refused.problems) > 30:
        messages.error(request, _("ほか %(n)d 件") % {"n": len(refused.problems) - 30})
