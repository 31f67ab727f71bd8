"""The nightly check of the accounts a directory keeps: a person gone from the
directory, or disabled there (AD's userAccountControl), is disabled in Kakunin with
their sessions and tokens ended. When the directory cannot be reached nobody is
disabled: the failure is recorded and alerted instead."""

from dataclasses import dataclass

import ldap as python_ldap

from kakunin.directory import actions, ldap
from kakunin.directory.models import Directory, DirectoryAccount

State = DirectoryAccount.State


@dataclass
class Checked:
    directory: str
    present: int = 0
    gone: int = 0
    disabled: int = 0
    removed: int = 0
    unknown: int = 0
    failure: str = ""


def check(directory: Directory) -> Checked:
    checked = Checked(directory.domain)
    try:  # the directory first: unreachable, nobody is looked up (nor disabled)
        connection = ldap.lookup_connection(directory)
        connection.simple_bind_s(directory.bind_dn, directory.bind_password)
        connection.unbind_s()
    except python_ldap.LDAPError as e:
        checked.failure = ldap.failure_of(e, directory.server_uri)
        actions.refused(directory, "（夜間の確認）", checked.failure, str(e)[:300])
        return checked
    accounts = directory.accounts.filter(user__is_active=True).select_related("user")
    for account in accounts.order_by("pk"):
        found, why = ldap.DirectoryBackend().look_up(directory, account.login)
        if found == "error":
            checked.failure = why
            actions.refused(directory, "（夜間の確認）", why)
            break
        if found in (State.GONE, State.DISABLED, State.REMOVED):
            actions.leaver(account=account, state=found, why=why)
        elif found == State.UNKNOWN:
            actions.seen(account, State.UNKNOWN)
        setattr(checked, found, getattr(checked, found) + 1)
    return checked


def in_use():
    return Directory.objects.select_related("municipality").filter(
        kind=Directory.Kind.LDAP, enabled=True, municipality__suspended_at__isnull=True
    )
