import shutil
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from huey.contrib.djhuey import HUEY

from kakunin import access
from kakunin.monitoring import actions
from kakunin.monitoring.models import Alert, Heartbeat
from kakunin.monitoring.tasks import WORKER


def _require_reviewer(request):
    access.require_visible(access.can_see_alerts(request.user))


def alerts(request):
    _require_reviewer(request)
    qs = Alert.objects.select_related("acknowledged_by")[:200]
    return render(request, "monitoring/alerts.html", {"alerts": qs})


@require_POST
def acknowledge(request, pk: int):
    _require_reviewer(request)
    alert = get_object_or_404(Alert, pk=pk, acknowledged_at__isnull=True)
    actions.acknowledge(actor=request.user, alert=alert)
    messages.success(request, _("アラートを確認済みにしました。"))
    return redirect("monitoring:alerts")


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Database, job queue and disk, for Zabbix-style monitoring. No versions, no secrets."""
    checks = {"database": _database(), "queue": _queue(), "disk": _disk()}
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "fail", **checks}, status=200 if healthy else 503
    )


def _database() -> str:
    try:
        Heartbeat.objects.exists()
        return "ok"
    except Exception:  # whatever the driver raises, the answer is "fail", never a 500
        return "fail"


def _queue() -> str:
    """The queue answers, and the worker ran its periodic jobs within 5 minutes."""
    try:
        HUEY.pending_count()
        beat = Heartbeat.objects.filter(name=WORKER).first()
    except Exception:  # a queue or database that does not answer is "fail", never a 500
        return "fail"
    if beat is None or timezone.now() - beat.at > timedelta(minutes=5):
        return "stale"
    return "ok"


def _disk() -> str:
    try:
        free = shutil.disk_usage(settings.VAR_DIR).free
    except OSError:
        return "fail"
    return "ok" if free >= settings.HEALTHZ_MIN_FREE_BYTES else "low"
