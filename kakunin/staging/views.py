"""The preview of a staged import and the decision on it, the same for every kind:
only the person who uploaded it sees it, while it is pending; applied whole or
cancelled, or refused with what to do when what it changes moved on meanwhile."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from kakunin.staging import actions
from kakunin.staging.models import StagedImport

if TYPE_CHECKING:  # the type of a lazy translation, for mypy only
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Staged:
    """One kind's preview and decision. `owner(request, pk)` is the gate's getter of what
    the import changes (it refuses whoever may not change it)."""

    model: type[StagedImport]
    owner: Callable[[Any, int], Any]
    template: str
    context: Callable[[Any, StagedImport], dict]  # (owner, staged) → the preview's context
    apply: Callable[..., int]  # the kind's apply(actor=, owner=, plan=, source_label=)
    stale: tuple[type[Exception], ...]  # what `apply` raises when the owner moved on
    back: str  # the owner's page (a URL name taking its pk)
    again: str  # the upload page, after a refusal
    applied: "StrOrPromise"  # "%(n)s changes applied"
    cancelled: "StrOrPromise"
    refused: "StrOrPromise"  # why it was not applied: the owner changed since the upload

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
        return render(request, self.template, {"staged": staged, **self.context(owner, staged)})

    def decide(self, request, pk: int, import_pk: int):
        owner = self.owner(request, pk)
        staged = self._staged(request, owner, import_pk)
        if request.POST.get("decision") == "cancel":
            actions.cancel(actor=request.user, staged=staged)
            messages.info(request, self.cancelled)
            return redirect(self.back, owner.pk)
        try:
            count = actions.confirm(actor=request.user, staged=staged, apply=self.apply)
        except self.stale:
            messages.error(request, self.refused)
            return redirect(self.again, owner.pk)
        messages.success(request, self.applied % {"n": count})
        return redirect(self.back, owner.pk)

    def views(self):
        """The two views, for the kind's urls.py."""
        return require_GET(self.preview), require_POST(self.decide)
