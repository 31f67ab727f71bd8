from kakunin.accounts.models import Role
from kakunin.monitoring.models import Alert


def alerts(request):
    """The banner for security reviewers and administrators: alerts nobody has looked at."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.role not in (Role.REVIEWER, Role.ADMIN):
        return {}
    return {"open_alerts": Alert.objects.filter(acknowledged_at__isnull=True).count()}
