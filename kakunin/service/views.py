"""A vendor person's municipalities and the switch between them; the operator's page
of every municipality (its figures, registering one, suspending one)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from kakunin import access
from kakunin.core.text import PlainText
from kakunin.service import actions, operations
from kakunin.tenants.active import SESSION_KEY, everywhere
from kakunin.tenants.models import Municipality


def municipalities(request):
    """The municipalities the person works for, each with the systems they work on there."""
    # Their systems in each, counted across municipalities as the service (the
    # database's row-level security follows the scope).
    with everywhere():
        theirs = list(
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


# --- The service's operator ----------------------------------------------------------


class MunicipalityForm(PlainText, forms.Form):
    code = forms.CharField(label=_l("全国地方公共団体コード"), max_length=20)
    name = forms.CharField(label=_l("団体名"), max_length=100)
    admin_email = forms.EmailField(label=_l("最初の管理者のメールアドレス"))


def operator(request):
    """Every municipality: its state, counts and sizes, and registering a new one."""
    access.require_operator(request)
    form = MunicipalityForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            municipality, admin, password = actions.create_municipality(
                actor=request.user, **form.cleaned_data
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            ctx = {"municipality": municipality, "issued": admin, "password": password}
            return render(request, "service/created.html", ctx)
    ctx = {"rows": operations.health(), "form": form}
    return render(request, "service/operator.html", ctx, status=400 if form.errors else 200)


@require_POST
def suspend(request, code: str):
    access.require_operator(request)
    municipality = get_object_or_404(Municipality, code=code)
    if municipality.is_suspended:
        actions.resume_municipality(actor=request.user, municipality=municipality)
        messages.success(
            request, _("%(name)s の利用を再開しました。") % {"name": municipality.name}
        )
    else:
        actions.suspend_municipality(actor=request.user, municipality=municipality)
        messages.success(
            request, _("%(name)s の利用を停止しました。") % {"name": municipality.name}
        )
    return redirect("service:operator")
