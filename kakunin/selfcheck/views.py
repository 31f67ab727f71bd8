from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kakunin import access
from kakunin.audit.models import Event
from kakunin.selfcheck import actions, tasks


def page(request):
    """The self-assessment on the administrators' pages: the last run and the button."""
    access.require_user_admin(request)
    system = actions.the_system()
    assessment = system.assessments.order_by("-created_at", "-pk").first() if system else None
    last = Event.objects.filter(action="self_assessment.run").order_by("-seq").first()
    counts: dict[str, int] = {}
    if last is not None:
        for label in (last.changes.get("readings") or [None, {}])[1].values():
            counts[label] = counts.get(label, 0) + 1
    return render(
        request,
        "selfcheck/page.html",
        {"system": system, "assessment": assessment, "last": last, "counts": counts},
    )


@require_POST
def run(request):
    access.require_user_admin(request)
    try:
        assessment, _created = actions.start(actor=request.user)
    except actions.Refused as exc:
        messages.error(request, str(exc))
        return redirect("selfcheck:page")
    tasks.answer_self_assessment(request.user.pk, assessment.pk)
    messages.success(
        request,
        _("自己診断を開始しました。SITE_URL の検査のあと、数分で確認票に反映されます。"),
    )
    return redirect("selfcheck:page")
