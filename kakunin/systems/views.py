from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kakunin import access
from kakunin.accounts.models import User
from kakunin.audit.trail import record_view
from kakunin.core.text import form_errors
from kakunin.systems import actions
from kakunin.systems.forms import (
    AcceptInvitationForm,
    AccessRequestForm,
    InvitationCodeForm,
    InviteForm,
    MemberForm,
    SystemFilter,
    SystemForm,
)
from kakunin.systems.models import AccessRequest, Invitation
from kakunin.systems.panels import render_panels
from kakunin.tenants.active import SESSION_KEY as MUNICIPALITY_SESSION_KEY
from kakunin.tenants.active import activated, everywhere


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
    form = SystemForm(
        request.POST if request.method == "POST" else None,
        departments=access.departments_for(request.user),
    )
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
    template = system.form_in_force()
    applicability = []
    if template:
        applicability = [(item, template.evaluate(item, system)) for item in template.items.all()]
    can_edit = access.can_edit_system(request.user, system)
    ctx = {
        "system": system,
        "template": template,
        "applicability": applicability,
        "n_applicable": sum(1 for _item, a in applicability if a.applies),
        "can_edit": can_edit,
        # The assessments, the automated checks...: the apps above systems draw them.
        "panels": render_panels(request, system, can_edit=can_edit),
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
    }
    return render(request, "systems/detail.html", ctx)


def edit(request, pk: int):
    system = access.get_rw_system_for_user(request, pk)
    form = SystemForm(
        request.POST if request.method == "POST" else None,
        instance=system,
        departments=access.departments_for(request.user),
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


# --- Invitations and access requests -------------------------------------------

INVITATION_SESSION_KEY = "kakunin.invitation"


@require_POST
def invite(request, pk: int):
    system = access.get_system_for_user(request, pk)
    access.require(access.can_invite(request.user, system))
    form = InviteForm(request.POST, system=system)
    if not form.is_valid():
        for error in form_errors(form):
            messages.error(request, error)
        return redirect("systems:detail", system.pk)
    data = form.cleaned_data
    try:
        actions.invite(
            actor=request.user,
            system=system,
            organisation=data["organisation"],
            full_name=data["full_name"],
            email=data["email"],
        )
    except actions.InvitationRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(email)s に招待メールを送りました（72時間有効）。") % {"email": data["email"]},
        )
    return redirect("systems:detail", system.pk)


@login_not_required
def invitation(request):
    """Where the e-mailed link leads: /invite/#CODE. Browsers never send what follows
    "#", so the code is in no request line and no access log (nginx, gunicorn); the
    page's script posts it from here, or the person types the code the mail gives.
    Once checked, the invitation is remembered in the session only."""
    form = InvitationCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        found = actions.find_invitation(form.data.get("code", "").strip()[:100])
        if found is None or not found.usable:
            return render(request, "systems/invitation_invalid.html", status=410)
        request.session[INVITATION_SESSION_KEY] = found.pk
        return redirect("invitations:accept")
    return render(request, "systems/invitation_open.html", {"form": form})


@login_not_required
def accept_invitation(request):
    # The invitation, checked once by its code (kept in the session), opens its
    # system's municipality: the page works there, and so does the person afterwards.
    with everywhere():
        pending = (
            Invitation.objects.filter(pk=request.session.get(INVITATION_SESSION_KEY))
            .select_related("system__municipality")
            .first()
        )
    if pending is None or not pending.usable:
        return render(request, "systems/invitation_invalid.html", status=410)
    municipality = pending.system.municipality
    with activated(municipality):
        request.session[MUNICIPALITY_SESSION_KEY] = municipality.code
        return _accept_invitation(request, pending)


def _accept_invitation(request, pending: Invitation):
    if holder := actions.account_for(pending.email):
        return join_invitation(request, pending, holder)
    if request.user.is_authenticated:
        # One person, one ID: whoever has an account (invited before by another
        # municipality, under another address) takes no second one.
        context = {"invitation": pending, "state": "second"}
        return render(request, "systems/join_invitation.html", context, status=403)
    form = AcceptInvitationForm(
        request.POST if request.method == "POST" else None, invitation=pending
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.accept_invitation(
                invitation=pending,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
            )
        except actions.InvitationRefused:
            return render(request, "systems/invitation_invalid.html", status=410)
        request.session.pop(INVITATION_SESSION_KEY, None)
        # Kakunin's own passwords: the last of the backends (settings.py).
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[-1])
        messages.success(
            request,
            _("ようこそ。二要素認証（TOTP）の登録をお勧めします（メニューの「二要素認証」）。"),
        )
        latest = pending.system.assessments.order_by("-created_at").first()
        return redirect(
            latest.get_absolute_url()
            if latest
            else reverse("systems:detail", args=[pending.system_id])
        )
    return render(request, "systems/accept_invitation.html", {"form": form, "invitation": pending})


def join_invitation(request, pending: Invitation, holder):
    """The invited address has an account: its owner logs in with it and takes the
    invitation (no second account). Anyone else logged in is told it is not theirs."""
    context = {"invitation": pending, "login_url": reverse("account_login")}
    if not request.user.is_authenticated:
        return render(request, "systems/join_invitation.html", context | {"state": "login"})
    if request.user.pk != holder.pk or not actions.can_join(holder, pending):
        return render(
            request, "systems/join_invitation.html", context | {"state": "other"}, status=403
        )
    if request.method == "POST":
        try:
            actions.join_by_invitation(invitation=pending, user=request.user)
        except actions.InvitationRefused:
            return render(request, "systems/invitation_invalid.html", status=410)
        request.session.pop(INVITATION_SESSION_KEY, None)
        messages.success(
            request, _("%(system)s の担当者になりました。") % {"system": pending.system.name}
        )
        latest = pending.system.assessments.order_by("-created_at").first()
        return redirect(
            latest.get_absolute_url()
            if latest
            else reverse("systems:detail", args=[pending.system_id])
        )
    return render(request, "systems/join_invitation.html", context | {"state": "join"})


@require_POST
def request_access(request, pk: int):
    system = access.get_system_for_user(request, pk)
    access.require(access.can_request_access(request.user, system))
    form = AccessRequestForm(request.POST)
    if form.is_valid():
        actions.request_access(actor=request.user, system=system, **form.cleaned_data)
        messages.success(request, _("追加を依頼しました。区の承認後、招待メールが届きます。"))
    else:
        for error in form_errors(form):
            messages.error(request, error)
    return redirect("systems:detail", system.pk)


def access_requests(request):
    """Requests for the systems this user may edit (department staff, reviewers)."""
    access.require(access.can_decide_access_requests(request.user))
    pending = AccessRequest.objects.filter(
        system__in=access.editable_systems(request.user)
    ).select_related("system", "requested_by", "organisation")
    return render(request, "systems/access_requests.html", {"requests": pending[:200]})


@require_POST
def decide_access_request(request, pk: int):
    access_request = access.get_access_request_for_user(request, pk)
    approve = request.POST.get("decision") == "approve"
    try:
        actions.decide_access_request(
            actor=request.user, access_request=access_request, approve=approve
        )
    except actions.InvitationRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("承認し、招待メールを送りました。") if approve else _("却下しました。")
        )
    return redirect("invitations:requests")
