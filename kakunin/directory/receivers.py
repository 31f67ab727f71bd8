"""The break-glass administrator signing in raises an alert (connected in
DirectoryConfig.ready())."""

from django.contrib.auth.signals import user_logged_in

from kakunin.directory import actions
from kakunin.directory.backends import is_break_glass


def on_login(sender, request, user, **kwargs):
    if user.is_ward_staff and is_break_glass(user):
        actions.break_glass_used(user)


def connect() -> None:
    user_logged_in.connect(on_login, dispatch_uid="directory.break_glass")
