"""Everything the directory changes, each recorded in the same transaction: its
configuration, the accounts it makes and moves at sign-in, the refusals, the leavers
the nightly check disables, the break-glass administrator's use."""

from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from kakunin.accounts import actions as accounts
from kakunin.accounts.models import Role, User
from kakunin.audit.trail import diff, record
from kakunin.core.text import say
from kakunin.directory.backends import CACHED
from kakunin.directory.mapping import Placement, place
from kakunin.directory.models import Directory, DirectoryAccount
from kakunin.monitoring.actions import raise_failure
from kakunin.monitoring.models import Alert
from kakunin.tenants.active import activated

# Why a sign-in through the directory was refused, for the trail and the
# administrator's page (never told to the person signing in).
REASONS = {
    "unreachable": gettext_noop("ディレクトリのサーバに接続できません"),
    "certificate": gettext_noop("ディレクトリのサーバ証明書を検証できません"),
    "bind": gettext_noop("検索用アカウントでディレクトリにバインドできません"),
    "not_found": gettext_noop("ディレクトリに該当する利用者がいません"),
    "ambiguous": gettext_noop("ディレクトリの検索で複数の利用者が該当しました"),
    "wrong_password": gettext_noop("パスワードの誤り"),
    "disabled": gettext_noop("ディレクトリで無効化されたアカウント"),
    "disabled_here": gettext_noop("Kakunin で無効化されたアカウント"),
    "no_role": gettext_noop("ロールに割り当てられたグループに属していません"),
    "two_roles": gettext_noop("属するグループが2つ以上のロールに割り当てられています"),
    "two_departments": gettext_noop("属するグループが2つ以上の部署に割り当てられています"),
    "no_department": gettext_noop("部署に割り当てられたグループに属していません"),
    "email_taken": gettext_noop(
        "メールアドレスが事業者など別のアカウントと同じです（区と事業者のロールは交わりません）"
    ),
    "name_taken": gettext_noop("ユーザIDが別のアカウントで使われています"),
    "no_email": gettext_noop("ディレクトリにメールアドレスがありません（通知に必要です）"),
    "oidc": gettext_noop("OpenID Connect の応答を検証できません"),
    "error": gettext_noop("ディレクトリのエラー"),
}


class Refused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Profile:
    """Who the directory says a person is."""

    login: str
    external_id: str
    full_name: str = ""
    email: str = ""
    groups: list[str] = field(default_factory=list)
    disabled: bool = False


def _snapshot(user: User) -> dict:
    return {
        "role": user.role,
        "organisation": user.organisation_id,
        "full_name": user.full_name,
        "email": user.email,
    }


def account_for(directory: Directory, profile: Profile) -> tuple[User, Placement]:
    """The Kakunin account a directory sign-in is (existing, or new and unsaved), or
    Refused. Nothing is written."""
    if profile.disabled:
        raise Refused("disabled")
    kept = (
        DirectoryAccount.objects.select_related("user")
        .filter(directory=directory)
        .filter(Q(external_id=profile.external_id) | Q(login__iexact=profile.login))
        .first()
    )
    user = kept.user if kept else None
    if user is not None and not user.is_active:
        raise Refused("disabled_here")  # Kakunin disabled it: an administrator enables it again
    placement = place(directory, profile.groups)
    if placement.problem:
        raise Refused(placement.problem)
    name = directory.name_for(profile.login)
    email = profile.email.strip()
    if not email:
        raise Refused("no_email")  # Kakunin tells people by e-mail; one address per person
    if user is None:
        # A ward account of this municipality with the same address is the person's own
        # (made before the directory): the directory takes it over.
        user = User.objects.filter(
            email__iexact=email,
            municipality=directory.municipality,
            role__in=[Role.ADMIN, Role.REVIEWER, Role.DEPARTMENT, Role.AUDITOR],
            directory_account__isnull=True,
        ).first()
        if user is not None and user.pk == directory.break_glass_id:
            raise Refused("email_taken")
    clash = User.objects.filter(email__iexact=email)
    if user is not None:
        clash = clash.exclude(pk=user.pk)
    if clash.exists():
        raise Refused("email_taken")
    if user is None:
        if User.objects.filter(username__iexact=name).exists():
            raise Refused("name_taken")
        user = User(
            username=name,
            municipality=directory.municipality,
            role=placement.role,
            organisation_id=placement.department_id,
            full_name=(profile.full_name or profile.login)[:100],
            email=email,
        )
        user.set_unusable_password()
    elif not user.is_active:
        raise Refused("disabled_here")
    return user, placement


@transaction.atomic
def signed_in(
    directory: Directory,
    user: User,
    placement: Placement,
    profile: Profile,
    built: bool | None = None,
    night: bool = False,
) -> User:
    """A sign-in through the directory: the account made (`built`: new, maybe saved by
    the LDAP library already) or taken over, its role, department, name and e-mail as
    the directory says, and what changed recorded. The nightly check (`night`) moves an
    account the same way, without a sign-in."""
    built = user.pk is None if built is None else built
    before = {} if built else _snapshot(user)
    user.role = placement.role
    user.organisation_id = placement.department_id
    user.municipality = directory.municipality
    user.full_name = (profile.full_name or user.full_name or profile.login)[:100]
    user.email = profile.email.strip() or user.email
    if not built and user.has_usable_password():
        user.set_unusable_password()  # the directory's password from now on
    user.save()
    account, made = DirectoryAccount.objects.get_or_create(
        user=user,
        defaults={
            "directory": directory,
            "external_id": profile.external_id,
            "login": profile.login,
        },
    )
    account.directory, account.external_id, account.login = (
        directory,
        profile.external_id,
        profile.login,
    )
    account.groups, account.state = profile.groups[:100], DirectoryAccount.State.PRESENT
    account.checked_at = timezone.now()
    if not night:
        account.signed_in_at = account.checked_at
    account.save()
    changes = diff(before, _snapshot(user))
    if built:
        record(
            "directory.account",
            user,
            actor=user,
            changes=changes | {"directory": [None, directory.domain]},
        )
    elif made:
        record(
            "directory.adopt",
            user,
            actor=user,
            changes=changes | {"directory": [None, directory.domain]},
        )
    elif changes:
        record("directory.move", user, actor=None if night else user, changes=changes)
    return user


def refused(directory: Directory | None, login: str, reason: str, detail: str = "") -> None:
    """A sign-in the directory refused, in the municipality's trail: told apart from a
    wrong password there, never to the person."""
    changes = {
        "login": login[:150],
        "reason": reason,
        "directory": directory.domain if directory else "",
    }
    if detail:
        changes["detail"] = detail[:300]
    with activated(directory.municipality if directory else None):
        accounts.sign_in_event("auth.directory_failed", changes=changes, label=login[:150])
    if directory is not None and reason in ("unreachable", "certificate", "bind"):
        hour = timezone.now().strftime("%Y%m%d%H")
        raise_failure(
            Alert.Kind.DIRECTORY_DOWN,
            f"directory:{directory.pk}:{reason}:{hour}",
            say("ディレクトリ（%(domain)s）: ", domain=directory.domain) + say(REASONS[reason]),
            {"directory": directory.domain, "reason": reason},
            municipality=directory.municipality,
        )


@transaction.atomic
def configure(*, actor, directory: Directory, changed: dict) -> None:
    """The directory's settings saved; a secret is recorded as changed, never its value."""
    made = directory.pk is None
    directory.save()
    record("directory.configure", directory, actor=actor, changes={} if made else changed)
    transaction.on_commit(lambda: cache.delete(CACHED))


@transaction.atomic
def break_glass_used(user: User) -> None:
    record("directory.break_glass", user, actor=user)
    raise_failure(
        Alert.Kind.BREAK_GLASS,
        f"break-glass:{user.pk}:{timezone.now().isoformat()}",
        say("緊急用の管理者 %(user)s がローカルのパスワードでサインインしました。", user=str(user)),
        {"accounts": [user.username]},
        municipality=user.municipality,
    )


@transaction.atomic
def leaver(*, account: DirectoryAccount, state: str, why: str = "") -> None:
    """The nightly check found the person gone from the directory, disabled there, or
    out of every group Kakunin maps: the account is disabled, its sessions and tokens
    ended."""
    account.state, account.checked_at = state, timezone.now()
    account.save(update_fields=["state", "checked_at"])
    changes = {"state": [DirectoryAccount.State.PRESENT, state]} | ({"reason": why} if why else {})
    record("directory.leaver", account.user, changes=changes)
    if account.user.is_active:
        reason = str(DirectoryAccount.State(state).label)
        accounts.disable_user(actor=None, user=account.user, reason=f"ディレクトリ: {reason}")


def seen(account: DirectoryAccount, state: str) -> None:
    """The nightly check could not tell (two people, an address now another's): noted on
    the account, which stays as it is."""
    DirectoryAccount.objects.filter(pk=account.pk).update(state=state, checked_at=timezone.now())
