from http import HTTPStatus

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kakunin import access


def home(request):
    if access.can_operate(request.user):
        return redirect("service:operator")
    return redirect("dashboards:home")


@login_not_required
def csrf_failure(request, reason=""):
    response = render(request, "403_csrf.html", status=403)
    if request.headers.get("HX-Request"):
        # A page opened before its person logged in again (in another tab) holds an old
        # token: its script takes the current one from here and sends once more.
        # Only the page's own script can read a response header (same origin).
        response["X-Kakunin-CSRF-Token"] = get_token(request)
    return response


def _for_api(request, status: int, detail: str) -> HttpResponse | None:
    """Under /api/, an error Django answers itself (no such URL, say) is a problem
    (RFC 9457) as the API's own are, never an HTML page."""
    if not request.path.startswith("/api/"):
        return None
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status,
            "detail": detail}  # fmt: skip
    return JsonResponse(body, status=status, content_type="application/problem+json")


@login_not_required
def bad_request(request, exception=None):
    return _for_api(request, 400, _("リクエストを読めません。")) or render(
        request, "400.html", status=400
    )


@login_not_required
def permission_denied(request, exception=None):
    return _for_api(request, 403, _("この操作の権限がありません。")) or render(
        request, "403.html", status=403
    )


@login_not_required
def page_not_found(request, exception=None):
    return _for_api(request, 404, _("見つかりません。")) or render(request, "404.html", status=404)
