"""The municipality each request works in (kakunin.tenants.active).

- A member of a ward's staff works in their own municipality, always.
- A vendor person works in one of the municipalities that gave them a system: the
  one they chose last (kept in their session), else the first. A link that names one
  (`?municipality=131016`, as e-mails carry) opens it when the person works for it;
  any other answers 404.
- A suspended municipality's staff are told so, and can only sign out.
"""

from django.http import Http404
from django.shortcuts import render

from kakunin import access
from kakunin.tenants.active import SESSION_KEY, activated

LINK_PARAMETER = "municipality"


class MunicipalityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        municipality = self.choose(request)
        request.municipality = municipality
        if (
            municipality is not None
            and municipality.is_suspended
            and not request.path.startswith("/auth/")
        ):
            return render(
                request, "service/suspended.html", {"municipality": municipality}, status=403
            )
        with activated(municipality):
            return self.get_response(request)

    def choose(self, request):
        request.municipalities_to_switch = 0
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not user.has_role(access.Role.VENDOR):
            return user.municipality
        # Theirs, in one query: the choice and the header's switch read the same list.
        theirs = list(
            access.municipalities_of(user).filter(suspended_at__isnull=True).order_by("code")
        )
        request.municipalities_to_switch = len(theirs)
        if code := request.GET.get(LINK_PARAMETER, ""):
            municipality = next((m for m in theirs if m.code == code.strip()), None)
            if municipality is None:
                raise Http404
            request.session[SESSION_KEY] = municipality.code
            return municipality
        chosen = request.session.get(SESSION_KEY)
        return next((m for m in theirs if m.code == chosen), theirs[0] if theirs else None)
