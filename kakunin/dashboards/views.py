from django.db.models import Count, Max, Q
from django.shortcuts import render

from kakunin.accounts import access
from kakunin.assessments.models import Answer, State, Status, Verdict
from kakunin.dashboards.charts import bar_chart
from kakunin.scans.results import conflicts


def home(request):
    if access.uses_vendor_dashboard(request.user):
        return vendor(request)
    return ward(request)


def _latest_per_system(assessments):
    """The newest assessment of each system: what the charts speak of."""
    newest = assessments.values("system").annotate(last=Max("pk")).values("last")
    return assessments.filter(pk__in=newest)


def ward(request):
    visible = access.visible_assessments(request.user)
    by_state = dict(visible.values_list("state").annotate(n=Count("pk")))
    states = [(value, label, by_state.get(value, 0)) for value, label in State.choices]
    queue = list(
        visible.waiting_for_review().select_related("system").order_by("submitted_at")[:20]
    )
    # Answered 対応済 but found 不適合 by the automated check: flagged for the reviewer.
    flags = conflicts(queue)
    for assessment in queue:
        assessment.scan_conflicts = flags.get(assessment.pk, [])
    overdue = visible.overdue().select_related("system").order_by("due_date")[:20]
    latest = _latest_per_system(visible)
    rows = (
        Answer.objects.filter(assessment__in=latest)
        .exclude(status__in=["", Status.NOT_APPLICABLE])
        .values("item__section")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(status__in=[Status.DONE, Status.WARD])),
            first=Max("item__number"),
        )
        .order_by("first")
    )
    chart = bar_chart([(r["item__section"], r["done"], r["total"]) for r in rows])
    ctx = {
        "states": states,
        "queue": queue,
        "overdue": overdue,
        "chart": chart,
        "systems": latest.count(),
    }
    return render(request, "dashboards/ward.html", ctx)


def vendor(request):
    visible = access.visible_assessments(request.user).select_related("system")
    waiting = [State.DRAFT, State.RETURNED]
    asked = list(visible.filter(state__in=waiting).order_by("due_date", "pk")[:50])
    # The counts for the assessments shown only: one grouped query, not a join per row.
    counts = (
        Answer.objects.filter(assessment__in=[a.pk for a in asked])
        .values("assessment")
        .annotate(
            returned=Count("pk", filter=Q(verdict__in=[Verdict.FIX, Verdict.QUESTION])),
            answered=Count("pk", filter=~Q(status="")),
        )
    )
    by_pk = {c["assessment"]: c for c in counts}
    for a in asked:
        a.returned = by_pk.get(a.pk, {}).get("returned", 0)
        a.answered = by_pk.get(a.pk, {}).get("answered", 0)
    others = visible.exclude(state__in=waiting).order_by("-updated_at")[:50]
    return render(request, "dashboards/vendor.html", {"asked": asked, "others": others})
