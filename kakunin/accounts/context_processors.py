from django.conf import settings
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from kakunin import access
from kakunin.core.kept import kept
from kakunin.notifications.models import Notification

# The slots of what differs from one request to the next in a kept header.
CSRF_SLOT, NEXT_SLOT = "{header-csrf}", "{header-next}"
_headers = kept(512)


def header(request):
    """The site header of base.html, rendered when a page shows it (an htmx fragment
    asks for nothing) and kept in the process for each distinct content: its template
    sees only the values below, which are also its key."""
    return {"site_header": lambda: site_header(request)}


def site_header(request) -> SafeString:
    municipality = getattr(request, "municipality", None)
    values: dict = {
        "site_name": municipality.shown_name if municipality else settings.SITE_NAME,
        "language_code": get_language(),
        "authenticated": False,
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        values |= {
            "authenticated": True,
            # What the header offers this user, decided by the access gate.
            "menu": access.menu(user),
            "name": user.full_name or user.username,
            "role": user.get_role_display(),
            # A directory's people have no Kakunin password to change.
            "password": user.has_usable_password(),
            "unread": Notification.objects.filter(user=user, read_at__isnull=True).count(),
            # The municipality the page works in (a vendor person may switch).
            "municipality": municipality.name if municipality else "",
            "switch": getattr(request, "municipalities_to_switch", 0) > 1,
        }
    key = repr(sorted(values.items()))
    html = _headers.get(key)
    if html is None:
        html = render_to_string(
            "_header.html", {**values, "csrf_token": CSRF_SLOT, "next": NEXT_SLOT}
        )
        _headers.put(key, html)
    html = html.replace(CSRF_SLOT, escape(get_token(request)))
    # Rendered by a Django template (autoescape on); what fills the slots is escaped.
    return mark_safe(html.replace(NEXT_SLOT, escape(request.get_full_path())))  # noqa: S308
