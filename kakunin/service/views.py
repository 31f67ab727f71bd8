"""A vendor person's municipalities: the list, and the switch from one to another."""

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kakunin import access
from kakunin.service.middleware import SESSION_KEY


def municipalities(request):
    """The municipalities the person works for, each with the systems they work on there."""
    theirs = (
        access.municipalities_of(request.user)
        .filter(suspended_at__isnull=True)
        .annotate(
            working_on=Count(
                "systems", filter=Q(systems__memberships__user=request.user), distinct=True
            )
        )
        .order_by("code")
    )
    return render(
        request,
        "service/municipalities.html",
        {"municipalities": theirs, "active": getattr(request, "municipality", None)},
    )


@require_POST
def switch(request, code: str):
    municipality = access.get_municipality_for_user(request.user, code)
    access.require_visible(not municipality.is_suspended)
    request.session[SESSION_KEY] = municipality.code
    messages.success(request, _("%(name)s に切り替えました。") % {"name": municipality.name})
    return redirect("home")
