"""Responses of Kakunin's own views."""

from django.utils.cache import add_never_cache_headers

from kakunin.core.text import neutralise_bidi_utf8


class NoStoreMiddleware:
    """Nothing Kakunin answers is kept by a browser's or a proxy's cache: a ward or vendor
    PC is often shared, and an assessment, an export or the audit CSV must not be there
    for the next person. Static files are answered earlier, by whitenoise, and keep
    their long cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


class ShownTextMiddleware:
    """The one text rule, as shown: a page never obeys a bidirectional control (RLO and
    kin). Forms and imports refuse them now; one kept from before (or arriving by a
    path not yet ruled) is shown as U+FFFD, so "exe.txt" cannot read "txt.exe". Only
    pages (text/html); files people download keep what was stored."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and response.content
        ):
            response.content = neutralise_bidi_utf8(response.content)
        return response
