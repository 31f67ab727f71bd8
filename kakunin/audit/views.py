"""The auditor's view of the trail: filter, page through, export as CSV."""

import datetime
import json
from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kakunin import access
from kakunin.audit import actions, words
from kakunin.audit.models import Event
from kakunin.audit.verify import verify_municipality
from kakunin.core import csvfile
from kakunin.core.text import PlainText

PAGE = 50


class EventFilter(PlainText, forms.Form):
    person = forms.ModelChoiceField(
        label=_("利用者"), queryset=get_user_model().objects.none(), required=False
    )
    action = forms.CharField(label=_("操作"), max_length=64, required=False)
    object_type = forms.CharField(label=_("対象の種類"), max_length=64, required=False)
    object_id = forms.CharField(label=_("対象ID"), max_length=64, required=False)
    ip = forms.GenericIPAddressField(label=_("接続元アドレス"), required=False)
    since = forms.DateField(
        label=_("期間（から）"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("期間（まで）"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        people = get_user_model().objects.managed_in(municipality.pk if municipality else None)
        cast(forms.ModelChoiceField, self.fields["person"]).queryset = people

    def events(self):
        """Matching events of the municipality's trail, newest first. Every filter is an
        indexed equality or range."""
        qs = (
            Event.objects.filter(municipality=self.municipality)
            .select_related("actor")
            .order_by("-seq")
        )
        data = self.cleaned_data
        if data.get("person"):
            qs = qs.filter(actor=data["person"])
        if data.get("action"):
            qs = qs.filter(action=data["action"])
        if data.get("object_type"):
            qs = qs.filter(object_type=data["object_type"])
        if data.get("object_id"):
            qs = qs.filter(object_id=data["object_id"])
        if data.get("ip"):
            qs = qs.filter(ip=data["ip"])
        tz = timezone.get_current_timezone()
        if data.get("since"):
            qs = qs.filter(at__gte=datetime.datetime.combine(data["since"], datetime.time.min, tz))
        if data.get("until"):
            qs = qs.filter(at__lte=datetime.datetime.combine(data["until"], datetime.time.max, tz))
        return qs

    def filters(self) -> dict:
        return {
            k: str(v) for k, v in self.cleaned_data.items() if v not in (None, "") and k != "before"
        }


def known_actions(municipality) -> list[str]:
    """The action names of the municipality's trail, for the filter's suggestions.
    Reading them takes a pass over the whole action index (40 ms at a million events):
    computed every ten minutes."""
    mine = Event.objects.filter(municipality=municipality)
    names = cache.get_or_set(
        f"audit:actions:{municipality.pk if municipality else 0}",
        lambda: list(mine.order_by("action").values_list("action", flat=True).distinct()[:200]),
        600,
    )
    return list(names or [])


def _require_auditor(request):
    access.require_visible(access.can_read_audit(request.user))


def events(request):
    _require_auditor(request)
    municipality = request.municipality
    form = EventFilter(request.GET or None, municipality=municipality)
    page, next_before = [], None
    if not form.is_bound or form.is_valid():
        if not form.is_bound:
            form = EventFilter({}, municipality=municipality)
            form.is_valid()
        qs = form.events()
        if form.cleaned_data.get("before"):
            qs = qs.filter(seq__lt=form.cleaned_data["before"])
        # Keyset paging: "older than #N" reads PAGE rows from an index, at any depth.
        page = list(qs[: PAGE + 1])
        if len(page) > PAGE:
            page, next_before = page[:PAGE], page[PAGE - 1].seq
        for event in page:
            event.label, event.readable = words.action_label(event.action), words.changes(event)
    query = request.GET.copy()
    query.pop("before", None)
    ctx = {
        "form": form,
        "events": page,
        "next_before": next_before,
        "query": query.urlencode(),
        "actions": [(a, words.action_label(a)) for a in known_actions(municipality)],
    }
    return render(request, "audit/events.html", ctx, status=200 if not form.errors else 400)


@require_POST
def verify_chain(request):
    """The auditor checks their municipality's own chain (its events alone)."""
    _require_auditor(request)
    municipality = request.municipality
    if municipality is None:
        raise Http404
    checked, broken = verify_municipality(municipality)
    actions.verified(actor=request.user, checked=checked, broken=broken)
    if broken:
        messages.error(
            request,
            _(
                "監査証跡の改ざんを検出しました: イベント #%(seq)s（%(reason)s）。それ以前の %(checked)s 件は正常です。"
            )
            % {"seq": broken.seq, "reason": broken.reason, "checked": checked},
        )
    else:
        messages.success(
            request, _("監査証跡は正常です（%(checked)s 件を検証）。") % {"checked": checked}
        )
    return redirect("audit:events")


def export_csv(request):
    _require_auditor(request)
    form = EventFilter(request.GET, municipality=request.municipality)
    if not form.is_valid():
        return render(request, "audit/events.html", {"form": form, "events": []}, status=400)
    actions.exported(actor=request.user, filters=form.filters())
    rows = form.events().iterator(chunk_size=5000)
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="kakunin-audit.csv"'
    return response


HEADER = ["seq", "at", "actor", "ip", "action", "object_type", "object_id", "object",
          "changes", "hash", "chain_seq", "chain_hash"]  # fmt: skip


def _csv_lines(events):
    """Each event as a row; its changes as JSON (codes, as the chain keeps them); its
    place and hash in the service's chain and in its municipality's."""
    rows = (
        [e.seq, timezone.localtime(e.at).isoformat(), e.actor_label, e.ip or "", e.action,
         e.object_type, e.object_id, e.object_label,
         json.dumps(e.changes, ensure_ascii=False, sort_keys=True), e.hash,
         e.chain_seq or "", e.chain_hash]
        for e in events
    )  # fmt: skip
    return csvfile.lines(HEADER, rows)
