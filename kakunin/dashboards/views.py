from types import SimpleNamespace
from typing import cast

from django import forms
from django.db.models import Count, Max, Min, Q
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from kakunin import access
from kakunin.accounts.models import Organisation
from kakunin.assessments.models import WAITING_FOR_VENDOR, Answer, Assessment, State, Verdict
from kakunin.audit import stamp
from kakunin.catalog.models import Item, Template
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
    template and system profile, and the database counts the applicable answers of
    each profile by section: hundreds of assessments cost a handful of queries."""
    # Rows, not objects: the system's profile is all the chart needs of it, and each
    # template is read once, not once per assessment.
    flags = [f"system__{f}" for f in PROFILE_FLAGS]
    latest = [
        SimpleNamespace(pk=pk, system_id=system_id, template_id=template_id, profile=profile)
        for pk, system_id, template_id, *profile in latest.values_list(
            "pk", "system_id", "template_id", *flags
        )
    ]
    templates = Template.objects.in_bulk({a.template_id for a in latest})
    profile_of = {a.pk: (a.template_id, tuple(a.profile)) for a in latest}
    applicable: dict[tuple, set[int]] = {}
    items: dict[int, dict[int, Item]] = {}  # template -> number -> item
    for a in latest:
        key, template = profile_of[a.pk], templates[a.template_id]
        if template.pk not in items:
            items[template.pk] = {item.number: item for item in template.items.all()}
        if key not in applicable:
            profile = SimpleNamespace(**dict(zip(PROFILE_FLAGS, a.profile, strict=True)))
            applicable[key] = {
                item.pk for item in items[template.pk].values() if template.applies(item, profile)
            }
    counts: dict[str, list[int]] = {}
    order: dict[str, int] = {}
    by_profile: dict[tuple, list[int]] = {}
    for pk, key in profile_of.items():
        by_profile.setdefault(key, []).append(pk)
    # One query per profile (a handful), counting only what applies, by section.
    for key, assessment_ids in by_profile.items():
        grouped = (
            Answer.objects.filter(assessment__in=assessment_ids, item__in=applicable[key])
            .values_list("item__section")
            .annotate(
                first=Min("item__number"),
                n=Count("pk"),
                answered=Count("pk", filter=Q(status__gt="")),
                accepted=Count("pk", filter=Q(verdict=Verdict.OK)),
            )
            .order_by()
        )
        for section, first, n, answered, accepted in grouped:
            row = counts.setdefault(section, [0, 0, 0, 0])
            order[section] = min(order.get(section, first), first)
            row[0] += n
            row[1] += answered
            row[2] += accepted
    for assessment_id, numbers in conflicts(latest).items():
        template_id, _profile = key = profile_of[assessment_id]
        for number in numbers:
            item = items[template_id].get(number)
            if item is not None and item.pk in applicable[key] and item.section in counts:
                counts[item.section][3] += 1
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
    # The counts over every system stand until the next change (audit/stamp.py).
    head = stamp.current()
    chosen = (request.GET.get("department", ""), request.GET.get("phase", ""))
    ctx = {
        "states": states,
        "queue": queue,
        "overdue": overdue,
        "chart": bar_chart(
            stamp.cached(head, ("chart", request.user.pk, chosen), lambda: section_rows(latest))
        ),
        "chart_filter": chart_filter,
        "systems": latest.count(),
        "inventory": stamp.cached(
            head, ("inventory", request.user.pk),
            lambda: dashboard_counts(access.visible_systems(request.user)),
        ),
        "operations": operations_table(request.user, head),
    }  # fmt: skip
    return render(request, "dashboards/ward.html", ctx)


def operations_table(user, head: str) -> dict:
    """The systems in operation this person sees: the yearly report's state, reviews
    overdue, certificates, ISMAP, open vulnerabilities (the ward's and the vendor's),
    kept until the next change."""
    return stamp.cached(head, ("operations", user.pk), lambda: _operations_table(user))


def _operations_table(user) -> dict:
    year, rows = operations(access.visible_systems(user))
    return {
        "year": year,
        "count": len(rows),
        "attention": sum(row.needs_attention for row in rows),
        "rows": jinja.fragment(
            "reports/operations.html", rows=rows, year=year,
            labels={k: str(v) for k, v in ReportStatus.choices},
        ),
    }  # fmt: skip


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
    ctx = {
        "asked": asked,
        "others": others,
        "operations": operations_table(request.user, stamp.current()),
    }
    return render(request, "dashboards/vendor.html", ctx)
