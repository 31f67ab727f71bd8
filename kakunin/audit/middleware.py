import ipaddress

from django.conf import settings

from kakunin.audit.context import current_ip


def client_ip(request) -> str | None:
    """The client's address. Behind NUM_PROXIES reverse proxies, the address the
    outermost trusted proxy saw (the right-most X-Forwarded-For entries are the
    proxies' own; anything left of them could be forged by the client)."""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.NUM_PROXIES:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= settings.NUM_PROXIES:
            address = forwarded[-settings.NUM_PROXIES]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
