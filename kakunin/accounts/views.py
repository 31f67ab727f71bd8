from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from kakunin import access
from kakunin.accounts import actions, lockout, logins
from kakunin.accounts.forms import (
    AcceptInvitationForm,
    AccessRequestForm,
    DisableForm,
    InvitationCodeForm,
    InviteForm,
    OrganisationForm,
    ReviewForm,
    UnlockForm,
    UserForm,
)
from kakunin.accounts.models import AccessRequest, Invitation, Organisation, User, UserSession
from kakunin.accounts.review import last_completed, review
from kakunin.accounts.security import effective_settings


def users(request):
    access.require_user_admin(request)
    qs = User.objects.select_related("organisation", "issued_by").order_by("-is_active", "username")
    return render(request, "accounts/users.html", {"users": qs})


def user_create(request):
    access.require_user_admin(request)
    form = UserForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user, password = actions.create_user(actor=request.user, data=form.cleaned_data)
        return render(request, "accounts/issued.html", {"issued": user, "password": password})
    return render(request, "accounts/user_form.html", {"form": form})


def user_edit(request, pk: int):
    access.require_user_admin(request)
    user = get_object_or_404(User, pk=pk)
    form = UserForm(request.POST if request.method == "POST" else None, instance=user)
    if request.method == "POST" and form.is_valid():
        if actions.update_user(actor=request.user, user=user, data=form.cleaned_data):
            messages.success(request, _("利用者の情報を更新しました。"))
        return redirect("accounts:users")
    ctx = {"form": form, "edited": user, "disable_form": DisableForm()}
    return render(request, "accounts/user_form.html", ctx)


@require_POST
def user_disable(request, pk: int):
    access.require_user_admin(request)
    user = get_object_or_404(User, pk=pk)
    form = DisableForm(request.POST)
    if user == request.user:
        messages.error(request, _("自分自身のアカウントは無効化できません。"))
    elif not form.is_valid():
        messages.error(request, _("無効化の理由を300文字以内で入力してください。"))
    else:
        actions.disable_user(actor=request.user, user=user, reason=form.cleaned_data["reason"])
        messages.success(request, _("%(name)s を無効化しました。") % {"name": user})
    return redirect("accounts:user_edit", user.pk)


@require_POST
def user_enable(request, pk: int):
    access.require_user_admin(request)
    user = get_object_or_404(User, pk=pk)
    actions.enable_user(actor=request.user, user=user)
    messages.success(request, _("%(name)s を有効にしました。") % {"name": user})
    return redirect("accounts:user_edit", user.pk)


@require_POST
def user_reset_password(request, pk: int):
    access.require_user_admin(request)
    user = get_object_or_404(User, pk=pk)
    password = actions.reset_password(actor=request.user, user=user)
    return render(request, "accounts/issued.html", {"issued": user, "password": password})


def organisations(request):
    access.require_user_admin(request)
    form = OrganisationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        actions.create_organisation(actor=request.user, **form.cleaned_data)
        messages.success(request, _("組織を登録しました。"))
        return redirect("accounts:organisations")
    ctx = {"form": form, "organisations": Organisation.objects.annotate(n_users=Count("users"))}
    return render(request, "accounts/organisations.html", ctx)


def account_review(request):
    access.require_user_admin(request)
    findings = review()
    if request.method == "POST":
        form = ReviewForm(request.POST, choices=[(f.user.pk, f.user.pk) for f in findings])
        if not form.is_valid():
            messages.error(request, _("無効化するアカウントと理由を確認してください。"))
        elif form.cleaned_data["action"] == "complete":
            actions.complete_review(actor=request.user, listed=len(findings))
            messages.success(request, _("アカウントの棚卸しの完了を記録しました。"))
            return redirect("accounts:review")
        else:
            chosen = User.objects.filter(pk__in=form.cleaned_data["users"])
            count = actions.disable_many(
                actor=request.user, users=chosen, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("%(n)d 件のアカウントを無効化しました。") % {"n": count})
            return redirect("accounts:review")
    ctx = {
        "findings": findings,
        "days": settings.ACCOUNT_REVIEW_UNUSED_DAYS,
        "last": last_completed(),
    }
    return render(request, "accounts/review.html", ctx)


def lockouts(request):
    access.require_user_admin(request)
    ctx = {"accounts": lockout.locked_accounts(), "addresses": lockout.locked_addresses()}
    return render(request, "accounts/lockouts.html", ctx)


@require_POST
def unlock(request):
    access.require_user_admin(request)
    form = UnlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("解除するユーザIDか接続元アドレスを指定してください。"))
        return redirect("accounts:lockouts")
    username, address = form.cleaned_data["username"], form.cleaned_data["address"]
    actions.unlock(actor=request.user, username=username, address=address)
    if address:
        messages.success(request, _("%(ip)s のログイン制限を解除しました。") % {"ip": address})
    else:
        messages.success(request, _("%(name)s のロックを解除しました。") % {"name": username})
    return redirect("accounts:lockouts")


def sessions(request):
    """The person's own logins: when, from where, which browser; each can be ended."""
    rows = list(request.user.sessions.active())
    this = logins.current(request)
    return render(request, "accounts/sessions.html", {"rows": rows, "this": this})


@require_POST
def end_session(request, pk: int):
    row = get_object_or_404(request.user.sessions.active(), pk=pk)
    actions.end_sessions(
        actor=request.user,
        user=request.user,
        reason=UserSession.End.ENDED,
        keep=None,
        only=row,
    )
    messages.success(request, _("セッションを終了しました。"))
    return redirect("accounts:sessions")


@require_POST
def end_other_sessions(request):
    count = actions.end_sessions(
        actor=request.user,
        user=request.user,
        reason=UserSession.End.ENDED,
        keep=logins.current(request),
    )
    messages.success(request, _("ほかのセッションを %(n)d 件終了しました。") % {"n": count})
    return redirect("accounts:sessions")


def security_settings(request):
    """The settings that make Kakunin pass its own checklist, as they are in force."""
    access.require_user_admin(request)
    return render(request, "accounts/settings.html", {"rows": effective_settings()})


# --- Invitations and access requests -------------------------------------------

INVITATION_SESSION_KEY = "kakunin.invitation"


@require_POST
def invite(request, pk: int):
    system = access.get_system_for_user(request, pk)
    access.require(access.can_invite(request.user, system))
    form = InviteForm(request.POST, system=system)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
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
            return render(request, "accounts/invitation_invalid.html", status=410)
        request.session[INVITATION_SESSION_KEY] = found.pk
        return redirect("accounts:accept_invitation")
    return render(request, "accounts/invitation_open.html", {"form": form})


@login_not_required
def accept_invitation(request):
    pending = (
        Invitation.objects.filter(pk=request.session.get(INVITATION_SESSION_KEY))
        .select_related("system")
        .first()
    )
    if pending is None or not pending.usable:
        return render(request, "accounts/invitation_invalid.html", status=410)
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
            return render(request, "accounts/invitation_invalid.html", status=410)
        request.session.pop(INVITATION_SESSION_KEY, None)
        login(request, user, backend="kakunin.accounts.backends.AuthenticationBackend")
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
    return render(request, "accounts/accept_invitation.html", {"form": form, "invitation": pending})


@require_POST
def request_access(request, pk: int):
    system = access.get_system_for_user(request, pk)
    access.require(access.can_request_access(request.user, system))
    form = AccessRequestForm(request.POST)
    if form.is_valid():
        actions.request_access(actor=request.user, system=system, **form.cleaned_data)
        messages.success(request, _("追加を依頼しました。区の承認後、招待メールが届きます。"))
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect("systems:detail", system.pk)


def access_requests(request):
    """Requests for the systems this user may edit (department staff, reviewers)."""
    access.require(access.can_decide_access_requests(request.user))
    pending = AccessRequest.objects.filter(
        system__in=access.editable_systems(request.user)
    ).select_related("system", "requested_by", "organisation")
    return render(request, "accounts/access_requests.html", {"requests": pending[:200]})


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
    return redirect("accounts:access_requests")


@login_not_required
@require_POST
def set_language(request):
    """Django's language switch, remembered on the account of a signed-in person."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        request.user.language = language
        request.user.save(update_fields=["language"])
    return django_set_language(request)
