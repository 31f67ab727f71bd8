from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from kakunin.api.models import Token


class TokenScope(permissions.BasePermission):
    """A read-only token reads; only a read-write token (or a web session, which sends
    the CSRF token) changes anything."""

    message = _("このトークンは読み取り専用です。")

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return not (isinstance(request.auth, Token) and request.auth.read_only)
