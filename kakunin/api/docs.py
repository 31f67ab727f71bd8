"""The API's documentation pages: Swagger UI and Redoc, served from the sidecar's files
(LGWAN has no internet, nothing comes from a CDN)."""

from functools import lru_cache
from pathlib import Path

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularRedocView

# Redoc's bundle draws its own logo from Redocly's CDN whatever its options say.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"


def docs(view_class):
    """Both set styles from their scripts, and Redoc reads the schema in a worker: these
    two pages only may do so."""
    view = view_class.as_view(url_name="api:schema")
    return login_not_required(
        csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]})(view)
    )


class RedocView(SpectacularRedocView):
    """drf-spectacular's Redoc page, with the bundle below."""

    @staticmethod
    def _redoc_standalone():
        return reverse("api:redoc_bundle")


@lru_cache(maxsize=1)
def _bundle() -> bytes:
    found = finders.find(REDOC_BUNDLE)
    assert isinstance(found, str), f"{REDOC_BUNDLE} is not among the static files"
    text = Path(found).read_text(encoding="utf-8")
    assert REDOC_LOGO in text, "Redoc no longer asks for its logo there: check redoc_bundle"
    return text.replace(REDOC_LOGO, static("img/api-docs.svg")).encode()


@login_not_required
@require_GET
def redoc_bundle(request):
    """The sidecar's Redoc, its logo served from here: the page asks nothing of any other
    host (it asked cdn.redoc.ly, which the CSP refused)."""
    return HttpResponse(_bundle(), content_type="text/javascript; charset=utf-8")
