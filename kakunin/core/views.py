from django.contrib.auth.decorators import login_not_required
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render


def home(request):
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


@login_not_required
def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


@login_not_required
def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


@login_not_required
def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)
