from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from kakunin import access
from kakunin.accounts import actions, external, lockout, logins
from kakunin.accounts.account_review import last_completed, review
from kakunin.accounts.forms import (
    DisableForm,
    IdentityForm,
    OrganisationForm,
    ReviewForm,
    UnlockForm,
    UserForm,
)
from kakunin.accounts.models import UserSession
from kakunin.accounts.security import effective_settings


def users(request):
    access.require_user_admin(request)
    people = list(
        access.people_managed_by(request.user)
        .select_related("organisation", "issued_by")
        .order_by("-is_active", "username")
    )
    # Where each account is kept: Kakunin, or the municipality's directory and its state.
    states = external.states_of(people)
    for person in people:
        person.kept = states.get(person.pk, (_("Kakunin のアカウント"), ""))[0]
    return render(request, "accounts/users.html", {"users": people})


def user_create(request):
    access.require_user_admin(request)
    form = UserForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user, password = actions.create_user(actor=request.user, data=form.cleaned_data)
        return render(request, "accounts/issued.html", {"issued": user, "password": password})
    return render(request, "accounts/user_form.html", {"form": form})


def user_edit(request, pk: int):
    access.require_user_admin(request)
    user = get_object_or_404(access.people_managed_by(request.user), pk=pk)
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
    user = get_object_or_404(access.people_managed_by(request.user), pk=pk)
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
    user = get_object_or_404(access.people_managed_by(request.user), pk=pk)
    actions.enable_user(actor=request.user, user=user)
    messages.success(request, _("%(name)s を有効にしました。") % {"name": user})
    return redirect("accounts:user_edit", user.pk)


@require_POST
def user_reset_password(request, pk: int):
    access.require_user_admin(request)
    user = get_object_or_404(access.people_managed_by(request.user), pk=pk)
    password = actions.reset_password(actor=request.user, user=user)
    return render(request, "accounts/issued.html", {"issued": user, "password": password})


def organisations(request):
    access.require_user_admin(request)
    form = OrganisationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        actions.create_organisation(actor=request.user, **form.cleaned_data)
        messages.success(request, _("組織を登録しました。"))
        return redirect("accounts:organisations")
    ctx = {
        "form": form,
        "organisations": access.organisations_seen_by(request.user).annotate(
            n_users=Count("users")
        ),
    }
    return render(request, "accounts/organisations.html", ctx)


def account_review(request):
    access.require_user_admin(request)
    findings = review(access.people_managed_by(request.user))
    if request.method == "POST":
        form = ReviewForm(request.POST, choices=[(f.user.pk, f.user.pk) for f in findings])
        if not form.is_valid():
            messages.error(request, _("無効化するアカウントと理由を確認してください。"))
        elif form.cleaned_data["action"] == "complete":
            actions.complete_review(actor=request.user, listed=len(findings))
            messages.success(request, _("アカウントの棚卸しの完了を記録しました。"))
            return redirect("accounts:review")
        else:
            chosen = access.people_managed_by(request.user).filter(
                pk__in=form.cleaned_data["users"]
            )
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
    return render(request, "accounts/account_review.html", ctx)


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


def choose_identity(request):
    """The first administrator, made as `admin` by `make run`, names themself: their own
    ID, name and e-mail (individual-ids). Only while the account is still the generic one."""
    access.require_visible(request.user.must_choose_id)
    form = IdentityForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actions.choose_identity(
            user=request.user,
            username=data["username"],
            full_name=data["full_name"],
            email=data["email"],
        )
        messages.success(
            request,
            _("ユーザID を %(username)s にしました。次回からこのIDでログインしてください。")
            % {"username": data["username"]},
        )
        return redirect("home")
    return render(
        request, "accounts/choose_identity.html", {"form": form}, status=400 if form.errors else 200
    )


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


@login_not_required
@require_POST
def set_language(request):
    """Django's language switch, remembered on the account of a signed-in person."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        request.user.language = language
        request.user.save(update_fields=["language"])
    return django_set_language(request)
