import tempfile
from pathlib import PurePath

from django.conf import settings
from django.contrib import messages
from django.db.models import F
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kakunin import access
from kakunin.core import jinja
from kakunin.evidence.actions import read_evidence
from kakunin.evidence.detect import Refused
from kakunin.evidence.responses import attachment
from kakunin.inventory import actions, eol, feeds, sources
from kakunin.inventory.forms import (
    ComponentForm,
    EolUploadForm,
    FeedUploadForm,
    FilterForm,
    ResponseForm,
    UploadForm,
)
from kakunin.inventory.models import (
    SEVERITY_ORDER,
    EolCycle,
    Finding,
    InventoryImport,
    Kind,
    Response,
    Severity,
    Vulnerability,
)
from kakunin.staging.models import ImportRefused
from kakunin.staging.views import Staged, Words

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
def system(request, pk: int):
    """The inventory of a system, with each component's end-of-life state."""
    system = access.get_system_for_user(request, pk)
    components = list(system.components.all())
    states = eol.statuses(components)
    filters = FilterForm(request.GET)
    rows = [(c, states[c.pk]) for c in components]
    findings = open_findings(Finding.objects.filter(component__system=system))
    affected = {f["component_id"] for f in findings}
    if filters.is_valid():
        kind, state, q, vulnerable = (
            filters.cleaned_data[f] for f in ("kind", "eol", "q", "vulnerable")
        )
        rows = [
            (c, s)
            for c, s in rows
            if (not kind or c.kind == kind)
            and (not state or s.state == state)
            and (not vulnerable or c.pk in affected)
            and (not q or q.casefold() in f"{c.maker} {c.product}".casefold())
        ]
    ctx = {
        "system": system,
        "rows": rows,
        "filters": filters,
        "total": len(components),
        "counts": _counts(states.values()),
        "can_edit": access.can_keep_operations(request.user, system),
        "findings": findings,
        "by_severity": by_severity(findings),
        "ward_data": access.can_import_ward_lists(request.user),
    }
    ctx["component_rows"] = jinja.fragment(
        "inventory/components.html", rows=rows, affected=affected, can_edit=ctx["can_edit"],
        csrf_token=get_token(request), labels=labels(),
    )  # fmt: skip
    ctx["finding_rows"] = finding_rows(findings, can_edit=bool(ctx["can_edit"]), show_system=False)
    return render(request, "inventory/system.html", ctx)


def finding_rows(findings, *, can_edit: bool, show_system: bool):
    return jinja.fragment(
        "inventory/findings.html", findings=findings, can_edit=can_edit,
        show_system=show_system, today=timezone.localdate(), labels=labels(),
    )  # fmt: skip


def labels() -> dict[str, dict[str, str]]:
    """The choices' words in the reader's language, looked up once for all rows."""
    return {
        "kind": {k: str(v) for k, v in Kind.choices},
        "eol": {k: str(v) for k, v in eol.EolState.choices},
        "severity": {k: str(v) for k, v in Severity.choices},
        "response": {k: str(v) for k, v in Response.Kind.choices},
    }


def open_findings(findings) -> list[dict]:
    """Open findings as rows (dicts: hundreds are listed at once), the most severe and
    the oldest first, each with its latest response as `latest`."""
    rows = list(
        findings.filter(closed_at__isnull=True).values(
            "pk", "first_seen", "component_id",
            product=F("component__product"), version=F("component__version"),
            location=F("component__location"), system_id=F("component__system_id"),
            system_name=F("component__system__name"), ident=F("vulnerability__ident"),
            title=F("vulnerability__title"), severity=F("vulnerability__severity"),
            cvss=F("vulnerability__cvss_score"), published=F("vulnerability__published"),
            aliases=F("vulnerability__aliases"),
        )
    )  # fmt: skip
    latest = {}
    for response in Response.objects.filter(finding__in=[f["pk"] for f in rows]).order_by(
        "at", "pk"
    ):
        latest[response.finding_id] = response
    for f in rows:
        f["latest"] = latest.get(f["pk"])
    rows.sort(key=lambda f: (SEVERITY_ORDER.get(f["severity"], 9), f["first_seen"]))
    return rows


def by_severity(findings) -> dict[str, int]:
    """The unresolved ones by severity; `fixed_but_listed`: those answered 対応済 while the
    inventory keeps the affected version (counted apart: the fix is reported, the
    inventory not yet updated); `not_affected`: answered as not affecting the system."""
    counts = dict.fromkeys(Severity.values, 0) | {"": 0, "fixed_but_listed": 0, "not_affected": 0}
    for f in findings:
        kind = f["latest"].kind if f["latest"] else None
        if kind == Response.Kind.FIXED:
            counts["fixed_but_listed"] += 1
        elif kind == Response.Kind.NOT_AFFECTED:
            counts["not_affected"] += 1
        else:
            counts[f["severity"]] += 1
    return counts


def _counts(states) -> dict[str, int]:
    counts = {state: 0 for state in eol.EolState.values}
    for s in states:
        counts[s.state] += 1
    return counts


def edit(request, pk: int, component_pk: int | None = None):
    system = access.get_operations_system_for_user(request, pk)
    component = get_object_or_404(system.components, pk=component_pk) if component_pk else None
    form = ComponentForm(request.POST or None, instance=component)
    if request.method == "POST" and form.is_valid():
        values = {f: form.cleaned_data[f] for f in form.Meta.fields}
        actions.save_component(
            actor=request.user, system=system, component=component, values=values
        )
        messages.success(request, _("構成一覧を保存しました。"))
        return redirect("inventory:system", system.pk)
    status = 400 if form.errors else 200
    ctx = {"system": system, "form": form, "component": component}
    return render(request, "inventory/edit.html", ctx, status=status)


@require_POST
def remove(request, pk: int, component_pk: int):
    system = access.get_operations_system_for_user(request, pk)
    component = get_object_or_404(system.components, pk=component_pk)
    actions.remove_component(actor=request.user, component=component)
    messages.success(request, _("%(name)s を構成一覧から削除しました。") % {"name": component})
    return redirect("inventory:system", system.pk)


@require_GET
def template(request):
    response = HttpResponse(sources.template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, "構成一覧テンプレート.xlsx")
    return response


def upload(request, pk: int):
    system = access.get_operations_system_for_user(request, pk)
    form = UploadForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            upload = sources.read_upload(form.cleaned_data["file"])
            plan = actions.plan_import(system, upload.rows)
        except ImportRefused as exc:
            errors = exc.errors
        else:
            staged = actions.stage_upload(
                actor=request.user, system=system, upload=upload, plan=plan
            )
            return redirect("inventory:preview", system.pk, staged.pk)
    status = 400 if errors or form.errors else 200
    ctx = {"system": system, "form": form, "errors": errors}
    return render(request, "inventory/upload.html", ctx, status=status)


IMPORT_WORDS = Words(
    gettext_lazy("構成一覧に %(n)s 件の変更を反映しました。"),
    gettext_lazy("取り込みを取り消しました。構成一覧は変更していません。"),
    gettext_lazy(
        "アップロード後に構成一覧が変更されたため、反映しませんでした。もう一度アップロードして確認してください。"
    ),
)
preview, decide = Staged(
    InventoryImport, access.get_operations_system_for_user, actions.apply_plan, (actions.InventoryChanged,),
    "inventory:system", lambda system, staged: {"system": system, "plan": staged.plan}, IMPORT_WORDS,
).views()  # fmt: skip


def eol_data(request):
    """The end-of-life data: what is loaded, and the reviewers' upload."""
    access.require(access.can_import_ward_lists(request.user))
    form = EolUploadForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            loaded = _read_eol_files(form.cleaned_data["files"])
        except eol.EolFileRefused as exc:
            errors = [str(exc)]
        else:
            for product, cycles, name in loaded:
                actions.import_eol(
                    actor=request.user, product=product, cycles=cycles, source_label=name
                )
            messages.success(
                request, _("%(n)s 製品のサポート期限データを取り込みました。") % {"n": len(loaded)}
            )
            return redirect("inventory:eol")
    products = EolCycle.objects.values_list("product", flat=True).distinct().order_by("product")
    ctx = {"form": form, "errors": errors, "products": list(products)}
    return render(request, "inventory/eol.html", ctx, status=400 if errors or form.errors else 200)


def _read_eol_files(files) -> list[tuple[str, list[dict], str]]:
    """Every file checked before any is imported: one bad file imports nothing."""
    out = []
    for upload in files:
        name = PurePath(upload.name).name
        data = upload.read(settings.INVENTORY_IMPORT_MAX_BYTES + 1)
        if len(data) > settings.INVENTORY_IMPORT_MAX_BYTES:
            raise eol.EolFileRefused(_("%(file)s: ファイルが大きすぎます。") % {"file": name})
        product = PurePath(name).stem.lower()
        out.append((product, eol.read_product_file(data, product, name), name))
    return out


def respond(request, pk: int, finding_pk: int):
    """The vendor's answer to one vulnerability of one component."""
    system = access.get_operations_system_for_user(request, pk)
    finding = get_object_or_404(
        Finding.objects.select_related("vulnerability", "component"),
        pk=finding_pk,
        component__system=system,
    )
    form = ResponseForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
    if request.method == "POST" and form.is_valid():
        try:
            actions.respond(actor=request.user, finding=finding, **form.cleaned_data)
        except Refused as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(
                request, _("%(id)s への対応を記録しました。") % {"id": finding.vulnerability.ident}
            )
            return redirect(reverse("inventory:system", args=[system.pk]) + "#vulnerabilities")
    ctx = {
        "system": system,
        "finding": finding,
        "form": form,
        "history": finding.responses.select_related("by", "evidence"),
    }
    return render(request, "inventory/respond.html", ctx, status=400 if form.errors else 200)


@require_GET
def vulnerabilities(request):
    """Every open vulnerability of the systems this user sees, by severity and age."""
    findings = open_findings(
        Finding.objects.filter(component__system__in=access.visible_systems(request.user))
    )
    ctx = {
        "findings": findings,
        "by_severity": by_severity(findings),
        "ward_data": access.can_import_ward_lists(request.user),
        "finding_rows": finding_rows(findings, can_edit=False, show_system=True),
    }
    return render(request, "inventory/vulnerabilities.html", ctx)


def feeds_upload(request):
    """The reviewers' upload of NVD or JVN feed files (the same as import_vulnerabilities)."""
    access.require(access.can_import_ward_lists(request.user))
    form = FeedUploadForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        uploads = form.cleaned_data["files"]
        try:
            for upload in uploads:
                if upload.size > settings.VULN_FEED_MAX_BYTES:
                    raise feeds.FeedRefused(
                        _("%(file)s: ファイルが大きすぎます。") % {"file": upload.name}
                    )
            with tempfile.TemporaryDirectory() as tmp:
                files = [
                    (feeds.spool(u, tmp, n), PurePath(u.name).name) for n, u in enumerate(uploads)
                ]
                stats = actions.import_vulnerabilities(actor=request.user, files=files)
        except feeds.FeedRefused as exc:
            errors = [str(exc)]
        else:
            messages.success(
                request,
                _(
                    "脆弱性情報を取り込みました（新規 %(new)s 件・更新 %(changed)s 件・変更なし %(unchanged)s 件、新たに該当したシステム %(systems)s 件）。"
                )
                % stats,
            )
            return redirect("inventory:feeds")
    ctx = {"form": form, "errors": errors, "count": Vulnerability.objects.count()}
    return render(
        request, "inventory/feeds.html", ctx, status=400 if errors or form.errors else 200
    )


@require_GET
def response_evidence(request, pk: int, response_pk: int):
    """A response's evidence file, for whoever sees the system (audited)."""
    system = access.get_system_for_user(request, pk)
    response = get_object_or_404(
        Response.objects.select_related("evidence"),
        pk=response_pk,
        finding__component__system=system,
        evidence__isnull=False,
    )
    evidence = response.evidence
    assert evidence is not None  # filtered above
    return attachment(evidence, read_evidence(actor=request.user, evidence=evidence))
