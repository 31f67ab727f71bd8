from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kakunin import access
from kakunin.accounts.forms import AccessRequestForm, InviteForm, MemberForm
from kakunin.accounts.models import User
from kakunin.assessments.actions import create_assessment as create_assessment_action
from kakunin.assessments.actions import set_due_date
from kakunin.assessments.forms import AssessmentCreateForm
from kakunin.audit.trail import record_view
from kakunin.catalog.models import Template
from kakunin.scans.results import latest_scan
from kakunin.systems import actions
from kakunin.systems.forms import SystemFilter, SystemForm


def index(request):
    form = SystemFilter(request.GET or None)
    systems = form.filter(
        access.visible_systems(request.user)
        .select_related("department")
        .prefetch_related("vendors")
        .annotate(n_assessments=Count("assessments"))
    )
    page = Paginator(systems, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {
        "page": page,
        "form": form,
        "query": query.urlencode(),
        "can_create": access.can_create_system(request.user),
    }
    return render(request, "systems/index.html", ctx, status=400 if form.errors else 200)


def create(request):
    access.require(access.can_create_system(request.user))
    form = SystemForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        system = actions.create_system(
            actor=request.user,
            data=form.profile_data(),
            vendors=form.cleaned_data["vendors"],
            new_vendor=form.cleaned_data["new_vendor"],
        )
        messages.success(request, _("システムを登録しました。"))
        return redirect("systems:detail", system.pk)
    return render(request, "systems/form.html", {"form": form})


def detail(request, pk: int):
    system = access.get_system_for_user(request, pk)
    record_view(request.user, system, system)
    template = Template.current()
    applicability = []
    if template:
        applicability = [(item, template.evaluate(item, system)) for item in template.items.all()]
    ctx = {
        "system": system,
        "template": template,
        "applicability": applicability,
        "n_applicable": sum(1 for _item, a in applicability if a.applies),
        "assessments": system.assessments.select_related("template"),
        "can_edit": access.can_edit_system(request.user, system),
        "assessment_form": AssessmentCreateForm(system=system),
        "can_invite": access.can_invite(request.user, system),
        "can_grant": access.can_grant(request.user, system),
        "can_request_access": access.can_request_access(request.user, system),
        "invite_form": InviteForm(system=system),
        "member_form": MemberForm(people=access.grantable_people(request.user, system)),
        "members": [
            (m, access.can_remove_member(request.user, system, m.user))
            for m in system.memberships.select_related("user__organisation", "granted_by")
        ],
        "access_request_form": AccessRequestForm(),
        "invitations": system.invitations.select_related("invited_by", "organisation")[:20],
        "scan_targets": system.scan_targets.count(),
        "last_scan": latest_scan(system),
    }
    return render(request, "systems/detail.html", ctx)


def edit(request, pk: int):
    system = access.get_rw_system_for_user(request, pk)
    form = SystemForm(
        request.POST if request.method == "POST" else None, instance=system, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        changed = actions.update_system(
            actor=request.user,
            system=system,
            data=form.profile_data(),
            vendors=form.cleaned_data["vendors"],
            new_vendor=form.cleaned_data["new_vendor"],
        )
        if changed:
            messages.success(request, _("システムの情報を更新しました。適用項目を再評価しました。"))
        return redirect("systems:detail", system.pk)
    return render(request, "systems/form.html", {"form": form, "system": system})


@require_POST
def create_assessment(request, pk: int):
    system = access.get_rw_system_for_user(request, pk)
    form = AssessmentCreateForm(request.POST, system=system)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect("systems:detail", system.pk)
    assessment = create_assessment_action(actor=request.user, system=system, **form.action_args())
    if form.cleaned_data.get("due_date"):
        set_due_date(
            actor=request.user, assessment=assessment, due_date=form.cleaned_data["due_date"]
        )
    messages.success(request, _("確認票を作成しました。"))
    return redirect("assessments:detail", assessment.pk)


@require_POST
def add_member(request, pk: int):
    system = access.get_system_for_user(request, pk)
    access.require(access.can_grant(request.user, system))
    form = MemberForm(request.POST, people=access.grantable_people(request.user, system))
    if not form.is_valid():
        messages.error(request, _("追加する担当者を一覧から選んでください。"))
        return redirect("systems:detail", system.pk)
    person = form.cleaned_data["user"]
    try:
        actions.add_member(actor=request.user, system=system, user=person)
    except actions.MembershipRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(name)s を担当者に追加しました。") % {"name": person})
    return redirect("systems:detail", system.pk)


@require_POST
def remove_member(request, pk: int, user_pk: int):
    system = access.get_system_for_user(request, pk)
    person = get_object_or_404(User, pk=user_pk, memberships__system=system)
    access.require(access.can_remove_member(request.user, system, person))
    actions.remove_member(actor=request.user, system=system, user=person)
    messages.success(request, _("%(name)s を担当者から外しました。") % {"name": person})
    return redirect("systems:detail", system.pk)
