"""The life of an assessment, in one place: its states, the steps between them, and
the one guard every step passes.

    下書き ──submit──▶ 提出済 ──start_review──▶ 審査中 ──approve──▶ 承認 ──new_revision──▶ (次の版)
                                              │  ▲
                                       return │  │ start_review
                                              ▼  │
                           差戻し ──submit──▶ 再提出

While 審査中 the reviewer judges answers ("judge": verdicts, 「残りを適合」).

What each step does besides moving the state (what it records, whom it tells) is an
action: `assessments.actions.submit`, and in `reviews.actions` start_review,
return_assessment, approve, set_verdict, mark_remaining_ok and new_revision. Every
one of them begins with

    with workflow.step(assessment, "approve") as current:

which locks the row, checks the state against TRANSITIONS and refuses with the
reason (TransitionRefused); the views turn a refusal into messages with
`tell_refused`. Who may take a step is the access gate's question (kakunin/access.py).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib import messages
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

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


def tell_refused(request, refused: TransitionRefused) -> None:
    """A refused step, as messages on the next page: why, and the items at fault."""
    messages.error(request, str(refused))
    for problem in refused.problems[:30]:
        messages.error(request, problem)
    if len(refused.problems) > 30:
        messages.error(request, _("ほか %(n)d 件") % {"n": len(refused.problems) - 30})
