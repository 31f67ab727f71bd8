import json
from dataclasses import dataclass

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from kakunin import access
from kakunin.catalog.models import Control, Item
from kakunin.scans import actions, tasks
from kakunin.scans.forms import AuthorisationForm, RunForm, TargetForm, scans_allowed_message
from kakunin.scans.models import Authorisation, Scan, ScanResult, ScanTarget


def _system_page(request, system, *, target_form=None, authorisation_form=None, status=200):
    can_edit = access.can_edit_system(request.user, system)
    ctx = {
        "system": system,
        "can_edit": can_edit,
        "targets": system.scan_targets.all(),
        # The test account's ID is the ward's business, not the vendor's.
        "show_authorisations": access.can_see_scan_authorisations(request.user),
        "authorisations": system.scan_authorisations.prefetch_related("targets").select_related(
            "recorded_by"
        ),
        "scans": system.scans.select_related("requested_by", "authorisation")[:20],
        "running": actions.running(system),
        "target_form": target_form or TargetForm(system=system),
        "authorisation_form": authorisation_form or AuthorisationForm(system=system),
        "run_form": RunForm(system=system),
        "allowed_message": scans_allowed_message(),
    }
    return render(request, "scans/system.html", ctx, status=status)


def system(request, pk: int):
    return _system_page(request, access.get_system_for_user(request, pk))


@require_POST
def add_target(request, pk: int):
    system = access.get_rw_system_for_user(request, pk)
    form = TargetForm(request.POST, system=system)
    if not form.is_valid():
        return _system_page(request, system, target_form=form, status=400)
    actions.add_target(actor=request.user, system=system, **form.cleaned_data)
    messages.success(request, _("検査対象を登録しました。"))
    return redirect("scans:system", system.pk)


def _editable(request, model, pk: int):
    """A target or authorisation: 404 if its system is not visible, 403 if not editable."""
    obj = get_object_or_404(
        model.objects.filter(system__in=access.visible_systems(request.user)), pk=pk
    )
    access.require(access.can_edit_system(request.user, obj.system))
    return obj


@require_POST
def remove_target(request, pk: int):
    target = _editable(request, ScanTarget, pk)
    actions.remove_target(actor=request.user, target=target)
    messages.success(request, _("検査対象を削除しました。これまでの結果は残ります。"))
    return redirect("scans:system", target.system_id)


@require_POST
def add_authorisation(request, pk: int):
    system = access.get_rw_system_for_user(request, pk)
    form = AuthorisationForm(request.POST, system=system)
    if not form.is_valid():
        return _system_page(request, system, authorisation_form=form, status=400)
    actions.record_authorisation(actor=request.user, system=system, **form.action_args())
    messages.success(request, _("能動的な検査の許可を記録しました。"))
    return redirect("scans:system", system.pk)


@require_POST
def revoke_authorisation(request, pk: int):
    auth = _editable(request, Authorisation, pk)
    if auth.revoked_at is None:
        actions.revoke_authorisation(actor=request.user, authorisation=auth)
        messages.success(request, _("許可を取り消しました。"))
    return redirect("scans:system", auth.system_id)


@require_POST
def run(request, pk: int):
    system = access.get_rw_system_for_user(request, pk)
    form = RunForm(request.POST, system=system)
    if not form.is_valid():
        messages.error(request, _("選んだ許可は使えません（期間外か取り消し済みです）。"))
        return redirect("scans:system", system.pk)
    if not system.scan_targets.exists():
        messages.error(request, _("検査対象の URL を先に登録してください。"))
        return redirect("scans:system", system.pk)
    scan = tasks.queue_scan(
        actor=request.user, system=system, authorisation=form.cleaned_data["authorisation"]
    )
    return redirect("scans:detail", scan.pk)


def _scan_for_user(request, pk: int) -> Scan:
    scans = Scan.objects.filter(system__in=access.visible_systems(request.user)).select_related(
        "system", "requested_by", "authorisation"
    )
    return get_object_or_404(scans, pk=pk)


@dataclass
class ResultRow:
    """One line of the scan's table: the result, its control, the items of the
    system's form that ask about it, its anchor."""

    result: ScanResult
    control: Control | None
    items: list[Item]
    anchor: str

    @property
    def evidence_text(self) -> str:
        return json.dumps(self.result.findings, ensure_ascii=False, indent=2)


def detail(request, pk: int):
    scan = _scan_for_user(request, pk)
    results = list(scan.results.all())
    keys = {r.control for r in results}
    controls = {c.key: c for c in Control.objects.filter(key__in=keys)}
    form = scan.system.form
    items: dict[str, list[Item]] = {key: [] for key in keys}
    for item in form.items_with(keys) if form else []:
        for key in keys & {c.key for c in item.controls.all()}:
            items[key].append(item)
    rows, seen = [], set()
    for result in results:
        # The first row of a control is what the assessment page links to.
        anchor = f"result-{result.control}" + (f"-{result.pk}" if result.control in seen else "")
        seen.add(result.control)
        rows.append(ResultRow(result, controls.get(result.control), items[result.control], anchor))
    ctx = {
        "scan": scan,
        "results": rows,
        "counts": {
            v: sum(1 for r in results if r.verdict == v)
            for v in ("pass", "fail", "review", "unknown")
        },
        "assessment": scan.system.assessments.order_by("-pk").first(),
    }
    return render(request, "scans/detail.html", ctx)


def progress(request, pk: int):
    """Polled by the progress bar while the scan runs; reloads the page once it is over."""
    scan = _scan_for_user(request, pk)
    if scan.is_finished and request.htmx:
        return HttpResponseClientRefresh()
    return render(request, "scans/_progress.html", {"scan": scan})


def report(request, pk: int):
    """The scan's report as JSON (the schema of `manage.py scan --json`, one entry per target)."""
    scan = _scan_for_user(request, pk)
    response = JsonResponse(
        scan.report or {}, json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="kakunin-scan-{scan.pk}.json"'
    return response
