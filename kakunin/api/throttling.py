from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from kakunin.api.models import Token


class PerTokenThrottle(SimpleRateThrottle):
    """API_RATE requests per token (per person for a web session, per address before
    login), counted in the shared cache so that every app node counts together. Over
    the limit: 429 with Retry-After."""

    scope = "api"

    def get_rate(self) -> str:
        return settings.API_RATE

    def get_cache_key(self, request, view) -> str:
        if isinstance(request.auth, Token):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
