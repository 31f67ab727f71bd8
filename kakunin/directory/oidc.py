"""OpenID Connect through django-allauth's provider, one app per municipality built
from its directory's settings (the secret decrypted only here), and the sign-in
checked and placed as an LDAP one is.

allauth skips the ID token's signature when the token came straight from the token
endpoint (OpenID Connect allows it over TLS); Kakunin checks it always: a token with a
wrong signature is refused whatever path it came by."""

import functools

import requests
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import Http404
from django.shortcuts import render

from kakunin.directory import actions
from kakunin.directory.actions import Profile, Refused
from kakunin.directory.models import Directory
from kakunin.directory.trust import talking, talking_to, verify

PROVIDER = "openid_connect"
# The session of a directory sign-in is kept by the directory's backend (its get_user
# takes any active person; Kakunin's password backend refuses the ward's staff).
SESSION_BACKEND = "kakunin.directory.ldap.DirectoryBackend"


def directories(provider_id: str = ""):
    found = Directory.objects.select_related("municipality").filter(
        kind=Directory.Kind.OIDC, enabled=True, municipality__suspended_at__isnull=True
    )
    if provider_id:
        code = provider_id.removeprefix("m")
        found = found.filter(municipality__code=code) if code.isdigit() else found.none()
    return found


def app_of(directory: Directory) -> SocialApp:
    """The municipality's app, never stored in allauth's table."""
    return SocialApp(
        provider=PROVIDER,
        provider_id=directory.provider_id,
        name=directory.municipality.name,
        client_id=directory.client_id,
        secret=directory.client_secret,
        settings={
            "server_url": directory.issuer.rstrip("/") + "/.well-known/openid-configuration",
            "oauth_pkce_enabled": True,
            "fetch_userinfo": True,
            "token_auth_method": "client_secret_post",
        },
    )


def claims_of(sociallogin) -> dict:
    data = sociallogin.account.extra_data or {}
    if "id_token" in data or "userinfo" in data:
        return {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}
    return data


def profile_of(directory: Directory, claims: dict) -> Profile:
    groups = claims.get(directory.claim_groups) or []
    if isinstance(groups, str):
        groups = [groups]
    login = str(claims.get(directory.claim_username) or claims.get("sub") or "")
    return Profile(
        login=login.split("@")[0] if "@" in login else login,
        external_id=str(claims.get("sub") or ""),
        full_name=str(claims.get(directory.claim_full_name) or ""),
        email=str(claims.get(directory.claim_email) or ""),
        groups=[str(g) for g in groups if isinstance(g, str | int)],
    )


def failed(request):
    """The one page a refused directory sign-in shows: nothing of why."""
    return render(request, "directory/failed.html", status=403)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None):
        apps = [app_of(d) for d in directories()]
        if provider:
            apps = [a for a in apps if provider in (a.provider, a.provider_id)]
        if client_id:
            apps = [a for a in apps if a.client_id == client_id]
        return apps

    def is_open_for_signup(self, request, sociallogin):
        return True  # pre_social_login has placed the person already, or refused

    def send_notification_mail(self, *args, **kwargs) -> None:
        return None

    def get_requests_session(self):
        """Certificates verified, with the municipality's own CA where it set one."""
        session = super().get_requests_session()
        directory = talking_to.get()
        # Given with each request: a session's own `verify` loses to REQUESTS_CA_BUNDLE.
        session.request = functools.partial(
            session.request, verify=verify(directory) if directory is not None else True
        )
        return session

    def pre_social_login(self, request, sociallogin):
        directory = directories(sociallogin.account.provider).first()
        claims = claims_of(sociallogin)
        login = str(claims.get("preferred_username") or claims.get("sub") or "")
        if directory is None:
            raise ImmediateHttpResponse(failed(request))
        try:
            if sociallogin.state.get("process") != "login":
                raise Refused("oidc")  # no connecting a directory to another account
            profile = profile_of(directory, claims)
            if not profile.external_id or not profile.login:
                raise Refused("oidc")
            user, placement = actions.account_for(directory, profile)
            if sociallogin.is_existing and sociallogin.user.pk != user.pk:
                raise Refused("name_taken")  # the provider's subject is another account's
        except Refused as refusal:
            actions.refused(directory, login or "?", refusal.reason)
            raise ImmediateHttpResponse(failed(request)) from None
        user = actions.signed_in(directory, user, placement, profile)
        user.backend = SESSION_BACKEND
        if not sociallogin.is_existing:
            sociallogin.connect(request, user)
        sociallogin.user.backend = SESSION_BACKEND

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        directory = talking_to.get()
        detail = f"{error or ''} {type(exception).__name__ if exception else ''}: {exception or ''}"
        actions.refused(directory, "?", "oidc", detail.strip())
        raise ImmediateHttpResponse(failed(request))


class VerifyingAdapter(OpenIDConnectOAuth2Adapter):
    """The ID token's signature checked against the provider's keys, always."""

    def _decode_id_token(self, app, id_token: str) -> dict:
        return jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )


def _view(request, provider_id, view):
    directory = directories(provider_id).first()
    if directory is None:
        raise Http404
    try:
        with talking(directory):
            return view.adapter_view(VerifyingAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None
    except requests.RequestException as e:
        # The provider unreachable, or its certificate not verifying: the trail and the
        # administrator's page say which, the person sees the one failure page.
        reason = "certificate" if isinstance(e, requests.exceptions.SSLError) else "unreachable"
        actions.refused(directory, "?", reason, f"{type(e).__name__}: {e}"[:300])
        return failed(request)


def login(request, provider_id):
    return _view(request, provider_id, OAuth2LoginView)


def callback(request, provider_id):
    return _view(request, provider_id, OAuth2CallbackView)
