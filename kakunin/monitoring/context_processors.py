from kakunin import access
from kakunin.monitoring.models import Alert


def alerts(request):
    """The banner for those who see the alerts: alerts nobody has looked at."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not access.can_see_alerts(user):
        return {}
    mine = Alert.objects.seen_in(getattr(request, "municipality", None))
    return {"open_alerts": mine.filter(acknowledged_at__isnull=True).count()}
