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
from kakunin.monitoring.tasks import BACKUP, BACKUP_VERIFY, WORKER


def _require_reviewer(request):
    access.require_visible(access.can_see_alerts(request.user))


def alerts(request):
    _require_reviewer(request)
    mine = Alert.objects.seen_in(request.municipality)
    qs = mine.select_related("acknowledged_by")[:200]
    beats = {b.name: b for b in Heartbeat.objects.filter(name__in=[BACKUP, BACKUP_VERIFY])}
    jobs = [
        (_("バックアップ"), beats.get(BACKUP)),
        (_("バックアップの復元確認"), beats.get(BACKUP_VERIFY)),
    ]
    return render(request, "monitoring/alerts.html", {"alerts": qs, "jobs": jobs})


@require_POST
def acknowledge(request, pk: int):
    _require_reviewer(request)
    mine = Alert.objects.seen_in(request.municipality)
    alert = get_object_or_404(mine, pk=pk, acknowledged_at__isnull=True)
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
    # The last backup and its verification are reported, not judged here: a new
    # installation has none yet, and a failure has raised an alert already.
    jobs = {name: _job(name) for name in (BACKUP, BACKUP_VERIFY)}
    return JsonResponse(
        {"status": "ok" if healthy else "fail", **checks, **jobs}, status=200 if healthy else 503
    )


def _job(name: str) -> dict:
    try:
        beat = Heartbeat.objects.filter(name=name).first()
    except Exception:  # a database that does not answer is reported above
        return {"result": "unknown"}
    if beat is None:
        return {"result": "none"}
    age = (timezone.now() - beat.at).total_seconds()
    return {
        "result": "ok" if beat.ok else "fail",
        "at": beat.at.isoformat(),
        "age_hours": round(age / 3600, 1),
    }


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
