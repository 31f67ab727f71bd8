from typing import TYPE_CHECKING
from urllib.parse import urlencode

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kakunin.accounts import actions, logins
from kakunin.accounts.models import UserSession

if TYPE_CHECKING:  # the type of a lazy translation, for mypy only
    from django_stubs_ext import StrOrPromise


class AccountGateMiddleware:
    """Before anything else: a due password change, then TOTP where the role needs it,
    then, for the first administrator made as `admin`, their own ID.

    An issued, reset or expired password is replaced first (password-rules, password-change); then
    administrators and security reviewers enrol TOTP (mfa) before they can
    use anything; then the generic first administrator becomes a named person (41).
    """

    ALWAYS = ("account_logout", "set_language")
    FOR_PASSWORD = ("account_change_password",)
    # allauth asks for the password again before an authenticator is added.
    FOR_MFA = (
        "mfa_index",
        "mfa_activate_totp",
        "mfa_view_recovery_codes",
        "account_reauthenticate",
        "account_change_password",
    )

    # The first administrator made as `admin` names themself (individual-ids).
    FOR_IDENTITY = ("accounts:choose_identity",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith("/static/"):
            if user.password_expired and not user.must_change_password:
                actions.password_expired(user=user)
                messages.warning(
                    request,
                    _("パスワードの有効期限が切れました。新しいパスワードを設定してください。"),
                )
            if user.must_change_password and not self.at(request, self.FOR_PASSWORD):
                # Where the person was going, to go on there once the password is new.
                going = request.get_full_path() if request.method == "GET" else ""
                if going and going != "/" and not request.headers.get("HX-Request"):
                    query = urlencode({REDIRECT_FIELD_NAME: going})
                    return redirect(f"{reverse('account_change_password')}?{query}")
                return redirect("account_change_password")
            if user.needs_mfa and not is_mfa_enabled(user) and not self.at(request, self.FOR_MFA):
                messages.info(request, _("このロールでは二要素認証（TOTP）の登録が必要です。"))
                return redirect("mfa_activate_totp")
            if user.must_choose_id and not self.at(request, self.FOR_IDENTITY):
                return redirect("accounts:choose_identity")
        return self.get_response(request)

    def at(self, request, names) -> bool:
        return request.path in {reverse(name) for name in (*self.ALWAYS, *names)}


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Every page needs a login (views marked @login_not_required excepted).

    A background request from the page (htmx: saving as one types) gets 401
    instead of the login page, so the page can keep what was typed and say so.
    """

    def handle_no_permission(self, request, view_func):
        if request.headers.get("HX-Request"):
            return HttpResponse(status=401)
        return super().handle_no_permission(request, view_func)


class UserLanguageMiddleware:
    """A signed-in person sees the language they chose, on any browser (Japanese by default)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class SessionLifetimeMiddleware:
    """A login lasts at most SESSION_ABSOLUTE_LIFETIME (12 hours), however active the
    person is; a session ended from elsewhere (the person's session list, a disabled
    account, a password change) is logged out at its next request. Keeps the row of
    the person's session list up to date (accounts/logins.py)."""

    # Lazy: read in the language of the request that shows it, not of the import.
    MESSAGES: dict[str, "StrOrPromise"] = {
        UserSession.End.LIFETIME: gettext_lazy(
            "ログインから一定時間が経過したため、ログアウトしました。もう一度ログインしてください。"
        ),
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and not request.path.startswith("/static/"):
            reason = logins.expired(request)
            if reason:
                logins.ended(request, reason)
                logout(request)
                messages.info(
                    request,
                    self.MESSAGES.get(
                        reason, _("このセッションは終了しました。もう一度ログインしてください。")
                    ),
                )
                if request.headers.get("HX-Request"):
                    return HttpResponse(status=401)
                return redirect("account_login")
            logins.keep_alive(request)
        return self.get_response(request)
