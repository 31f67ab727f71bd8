from kakunin.notifications.models import Notification


def unread(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": Notification.objects.filter(user=user, read_at__isnull=True).count()
    }
