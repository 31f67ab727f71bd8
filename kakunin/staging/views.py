"""The preview of a staged import and the decision on it, the same for every kind:
only the person who uploaded it sees it, while it is pending; applied whole or
cancelled, or refused with what to do when what it changes moved on meanwhile."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from kakunin.staging import actions
from kakunin.staging.models import StagedImport

if TYPE_CHECKING:  # the type of a lazy translation, for mypy only
    from django_stubs_ext import StrOrPromise


class Words(NamedTuple):
    """What the person is told: applied ("%(n)s changes"), cancelled, and refused
    (what it changes moved on since the upload: nothing applied)."""

    applied: "StrOrPromise"
    cancelled: "StrOrPromise"
    refused: "StrOrPromise"


@dataclass(frozen=True)
class Staged:
    """One kind's preview and decision. `owner(request, pk)` is the gate's getter of what
    the import changes (it refuses whoever may not change it); `apply` the kind's
    apply(actor=, owner=, plan=, source_label=), which raises one of `stale` when the
    owner moved on; `back` the owner's page (a URL name taking its pk); `context`
    (owner, staged) the preview's context. The preview is the app's `preview.html`,
    and a refusal leads to the app's `upload` page."""

    model: type[StagedImport]
    owner: Callable[[Any, int], Any]
    apply: Callable[..., int]
    stale: tuple[type[Exception], ...]
    back: str
    context: Callable[[Any, StagedImport], dict]
    words: Words

    @property
    def app(self) -> str:
        return self.model._meta.app_label

    def _staged(self, request, owner, import_pk: int) -> StagedImport:
        return get_object_or_404(
            self.model._default_manager.filter(**{self.model.owner_field: owner}),
            pk=import_pk,
            uploaded_by=request.user,
            state=StagedImport.State.PENDING,
        )

    def preview(self, request, pk: int, import_pk: int):
        owner = self.owner(request, pk)
        staged = self._staged(request, owner, import_pk)
        context = {"staged": staged, **self.context(owner, staged)}
        return render(request, f"{self.app}/preview.html", context)

    def decide(self, request, pk: int, import_pk: int):
        owner = self.owner(request, pk)
        staged = self._staged(request, owner, import_pk)
        if request.POST.get("decision") == "cancel":
            actions.cancel(actor=request.user, staged=staged)
            messages.info(request, self.words.cancelled)
            return redirect(self.back, owner.pk)
        try:
            count = actions.confirm(actor=request.user, staged=staged, apply=self.apply)
        except self.stale:
            messages.error(request, self.words.refused)
            return redirect(f"{self.app}:upload", owner.pk)
        messages.success(request, self.words.applied % {"n": count})
        return redirect(self.back, owner.pk)

    def views(self):
        """The two views, for the kind's urls.py."""
        return require_GET(self.preview), require_POST(self.decide)
