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
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not user.has_role(access.Role.VENDOR):
            return user.municipality
        theirs = access.municipalities_of(user).filter(suspended_at__isnull=True)
        if code := request.GET.get(LINK_PARAMETER, ""):
            municipality = access.get_municipality_for_user(user, code.strip())
            if municipality.is_suspended:
                raise Http404
            request.session[SESSION_KEY] = municipality.code
            return municipality
        chosen = request.session.get(SESSION_KEY)
        return (chosen and theirs.filter(code=chosen).first()) or theirs.order_by("code").first()
