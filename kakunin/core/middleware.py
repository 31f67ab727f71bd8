"""Responses of Kakunin's own views."""

from django.utils.cache import add_never_cache_headers


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
