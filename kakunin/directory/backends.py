"""Kakunin's own passwords where a municipality signs its staff in through its
directory: its ward staff may not use them, except the one break-glass administrator."""

from kakunin.accounts.backends import AuthenticationBackend
from kakunin.directory.models import Directory, DirectoryAccount


def local_password_refused(user) -> bool:
    """Ward staff of a municipality whose directory is in use sign in through it; the
    break-glass administrator and vendors keep Kakunin's password."""
    if not user.is_ward_staff or user.municipality_id is None:
        return False
    directory = Directory.objects.filter(municipality=user.municipality_id, enabled=True).first()
    return directory is not None and directory.break_glass_id != user.pk


def is_break_glass(user) -> bool:
    return Directory.objects.filter(break_glass=user.pk, enabled=True).exists()


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
