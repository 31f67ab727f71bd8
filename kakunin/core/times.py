"""Times as people read them: in TIME_ZONE (Asia/Tokyo), whatever the database holds."""

from django.utils import timezone

MINUTE = "%Y-%m-%d %H:%M"


def local(value, fmt: str = MINUTE) -> str:
    """An aware datetime in the local time zone, formatted ("" for None)."""
    return timezone.localtime(value).strftime(fmt) if value else ""
