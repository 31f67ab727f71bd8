from typing import cast

from django import forms
from django.db.models import Count, Max, Q
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from kakunin import access
from kakunin.accounts.models import Organisation
from kakunin.assessments.models import WAITING_FOR_VENDOR, Answer, Assessment, State, Verdict
from kakunin.core import jinja
from kakunin.dashboards.charts import bar_chart
from kakunin.inventory.details import dashboard_counts
from kakunin.reports.status import ReportStatus, operations
from kakunin.scans.results import conflicts
from kakunin.systems.forms import PROFILE_FLAGS


def home(request):
    if access.uses_vendor_dashboard(request.user):
        return vendor(request)
    return ward(request)


def _latest_per_system(assessments):
    """The newest assessment of each system: what the charts speak of."""
    newest = assessments.values("system").annotate(last=Max("pk")).values("last")
    return assessments.filter(pk__in=newest)


class ChartFilter(forms.Form):
    """Which systems the chart counts: a department's, of a phase."""

    department = forms.ModelChoiceField(
        label=gettext_lazy("所管課"), queryset=Organisation.objects.none(), required=False
    )
    phase = forms.ChoiceField(
        label=gettext_lazy("区分"),
        choices=[("", gettext_lazy("すべて")), *Assessment.Phase.choices],
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["department"]
        ).queryset = Organisation.objects.filter(
            kind=Organisation.Kind.WARD, owned_systems__in=access.visible_systems(user)
        ).distinct()

    def filter(self, assessments):
        if not self.is_valid():
            return assessments.none()
        if self.cleaned_data.get("department"):
            assessments = assessments.filter(system__department=self.cleaned_data["department"])
        if self.cleaned_data.get("phase"):
            assessments = assessments.filter(phase=self.cleaned_data["phase"])
        return assessments


def section_rows(latest) -> list[tuple[str, int, int, int, int]]:
    """Per section, over these assessments: (name, applicable, answered, accepted,
    対応済 answers the latest scan finds 不適合). Applicability is worked out once per
    template and system profile, not once per answer."""
    latest = list(latest.select_related("system", "template"))
    applicable: dict[tuple, set[int]] = {}
    by_pk = {}
    for a in latest:
        profile = tuple(getattr(a.system, f) for f in PROFILE_FLAGS)
        key = (a.template_id, profile)
        if key not in applicable:
            applicable[key] = {
                item.pk for item in a.template.items.all() if a.template.applies(item, a.system)
            }
        by_pk[a.pk] = applicable[key]
    flags = conflicts(latest)
    counts: dict[str, list[int]] = {}
    order: dict[str, int] = {}
    answers = Answer.objects.filter(assessment__in=by_pk).values_list(
        "assessment_id", "item_id", "item__section", "item__number", "status", "verdict"
    )
    for assessment_id, item_id, section, number, status, verdict in answers:
        if item_id not in by_pk[assessment_id]:
            continue
        row = counts.setdefault(section, [0, 0, 0, 0])
        order[section] = min(order.get(section, number), number)
        row[0] += 1
        row[1] += bool(status)
        row[2] += verdict == Verdict.OK
        row[3] += number in flags.get(assessment_id, ())
    return [
        (name, c[0], c[1], c[2], c[3])
        for name, c in sorted(counts.items(), key=lambda entry: order[entry[0]])
    ]


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
    chart_filter = ChartFilter(request.GET, user=request.user)
    latest = _latest_per_system(chart_filter.filter(visible))
    ctx = {
        "states": states,
        "queue": queue,
        "overdue": overdue,
        "chart": bar_chart(section_rows(latest)),
        "chart_filter": chart_filter,
        "systems": latest.count(),
        "inventory": dashboard_counts(access.visible_systems(request.user)),
    }
    year, rows = operations(access.visible_systems(request.user))
    ctx["operations"] = {
        "year": year,
        "count": len(rows),
        "attention": sum(row.needs_attention for row in rows),
        "rows": jinja.fragment(
            "reports/operations.html", rows=rows, year=year,
            labels={k: str(v) for k, v in ReportStatus.choices},
        ),
    }  # fmt: skip
    return render(request, "dashboards/ward.html", ctx)


def vendor(request):
    visible = access.visible_assessments(request.user).select_related("system")
    asked = list(visible.waiting_for_vendor().order_by("due_date", "pk")[:50])
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
        row = by_pk.get(a.pk)
        a.returned = row["returned"] if row else 0
        a.answered = row["answered"] if row else 0
    others = visible.exclude(state__in=WAITING_FOR_VENDOR).order_by("-updated_at")[:50]
    return render(request, "dashboards/vendor.html", {"asked": asked, "others": others})
