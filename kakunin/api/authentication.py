"""`Authorization: Bearer <token>`: a token acts as its user, while the token and the user
both may (models.Token.refusal). A token is never read from the URL or the body."""

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from kakunin.api import actions
from kakunin.api.models import Token, digest
from kakunin.audit.middleware import client_ip
from kakunin.tenants.active import enter


class BearerAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        parts = request.META.get("HTTP_AUTHORIZATION", "").split()
        if not parts or parts[0].lower() != "bearer":
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Authorization ヘッダーは「Bearer トークン」の形で送ってください。")
            )
        secret = parts[1] if parts[1].isascii() else ""
        token = (
            Token.objects.select_related("user", "municipality")
            .filter(digest=digest(secret))
            .first()
        )
        if token is None or token.refusal():
            raise exceptions.AuthenticationFailed(
                _("トークンが無効か、期限切れか、取り消されています。")
            )
        actions.note_use(token, client_ip(request))
        # The request works in the token's municipality (reset when the request ends,
        # by kakunin.service.middleware's own activation around it).
        enter(token.municipality)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="kakunin"'


class BearerScheme(OpenApiAuthenticationExtension):
    """How the schema names the token: HTTP bearer."""

    target_class = BearerAuthentication
    name = "bearer"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "個人用アクセストークン"}
