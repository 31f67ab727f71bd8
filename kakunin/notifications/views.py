from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from kakunin.notifications.models import Notification


def index(request):
    items = [(n, *n.texts()) for n in Notification.objects.filter(user=request.user)[:100]]
    return render(request, "notifications/index.html", {"items": items})


@require_POST
def read(request, pk: int):
    """Mark one notification read and go where it points (only within Kakunin)."""
    notification = Notification.objects.filter(user=request.user, pk=pk).first()
    if notification is None:
        return redirect("notifications:index")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:index")


@require_POST
def read_all(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return redirect("notifications:index")
