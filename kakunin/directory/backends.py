"""Kakunin's own passwords where a municipality signs its staff in through its
directory: its ward staff may not use them, except the one break-glass administrator."""

from django.core.cache import cache

from kakunin.accounts.backends import AuthenticationBackend
from kakunin.directory.models import Directory, DirectoryAccount

CACHED = "directory:in-use"


def in_use() -> dict[int, int | None]:
    """{municipality: its break-glass administrator} of the directories in use. Asked on
    every request of the ward's staff (their session's backend): kept in the cache, which
    a change of any directory's settings clears (actions.configure)."""
    found = cache.get(CACHED)
    if found is None:
        found = dict(
            Directory.objects.filter(enabled=True).values_list("municipality_id", "break_glass_id")
        )
        cache.set(CACHED, found, 300)
    return found


def local_password_refused(user) -> bool:
    """Ward staff of a municipality whose directory is in use sign in through it; the
    break-glass administrator and vendors keep Kakunin's password."""
    if not user.is_ward_staff or user.municipality_id is None:
        return False
    directories = in_use()
    return user.municipality_id in directories and directories[user.municipality_id] != user.pk


def is_break_glass(user) -> bool:
    return user.pk is not None and user.pk in in_use().values()


class LocalBackend(AuthenticationBackend):
    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        return None if user is None or local_password_refused(user) else user

    def get_user(self, user_id):
        """A session's person (allauth keeps a login that went through TOTP under this
        backend, a directory's too): the ward's staff of a directory-signing
        municipality only when the directory keeps their account."""
        user = super().get_user(user_id)
        if user is None or not local_password_refused(user):
            return user
        return user if DirectoryAccount.objects.filter(user=user.pk).exists() else None
