"""What the directory tells the apps below it about an account (registered in
accounts.external): its state for the account review, and whether it needs TOTP."""

from django.utils.translation import gettext as _

from kakunin.accounts.models import Role
from kakunin.core.times import local
from kakunin.directory.backends import in_use
from kakunin.directory.models import Directory, DirectoryAccount


def directory_state(users) -> dict[int, tuple[str, str]]:
    states: dict[int, tuple[str, str]] = {}
    kept = DirectoryAccount.objects.filter(user__in=[u.pk for u in users]).select_related(
        "directory"
    )
    for account in kept:
        checked = local(account.checked_at, "%Y-%m-%d %H:%M") if account.checked_at else _("未確認")
        words = _("ディレクトリ %(domain)s: %(state)s（確認 %(when)s）") % {
            "domain": account.directory.domain,
            "state": account.get_state_display(),
            "when": checked,
        }
        finding = ""
        if account.state in (
            DirectoryAccount.State.GONE,
            DirectoryAccount.State.DISABLED,
            DirectoryAccount.State.REMOVED,
        ):
            finding = _("ディレクトリの確認: %(state)s") % {"state": account.get_state_display()}
        states[account.user_id] = (words, finding)
    breaking = Directory.objects.filter(break_glass__in=[u.pk for u in users], enabled=True)
    for directory in breaking:
        if directory.break_glass_id is not None:
            states[directory.break_glass_id] = (_("緊急用の管理者（ローカルのパスワード）"), "")
    return states


def mfa_needed(user) -> bool | None:
    """A directory-kept reviewer or administrator needs TOTP as their municipality decides;
    anyone else as the settings say."""
    if user.pk is None or user.role not in (Role.REVIEWER, Role.ADMIN):
        return None
    if user.municipality_id not in in_use():
        return None
    if "_directory_totp" not in user.__dict__:  # once per loaded person (each request)
        user._directory_totp = (
            Directory.objects.filter(accounts__user=user.pk)
            .values_list("require_totp", flat=True)
            .first()
        )
    return user._directory_totp
