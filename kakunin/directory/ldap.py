"""LDAP / Active Directory through django-auth-ldap: one municipality's settings for
each sign-in, LDAPS or StartTLS with the certificate verified, the refusal told apart
for the trail; and the same connection for the nightly check and the administrator's
test."""

import socket
from urllib.parse import urlsplit

import ldap
from django.db import transaction
from django_auth_ldap.backend import LDAPBackend, ldap_error
from django_auth_ldap.config import (
    LDAPSearch,
    LDAPSettings,
    MemberDNGroupType,
    NestedMemberDNGroupType,
)

from kakunin.accounts.models import User
from kakunin.directory import actions
from kakunin.directory.actions import Profile, Refused
from kakunin.directory.models import ACCOUNT_DISABLE, Directory
from kakunin.directory.trust import ca_file

TIMEOUT = 5  # seconds, to connect and for each operation


def directory_for(login: str) -> tuple[Directory | None, str]:
    """The directory a sign-in name belongs to (`name@domain`), and the name in it."""
    name, at, domain = (login or "").strip().rpartition("@")
    if not at or not name or not domain:
        return None, ""
    directory = (
        Directory.objects.select_related("municipality")
        .filter(domain__iexact=domain, kind=Directory.Kind.LDAP, enabled=True)
        .first()
    )
    if directory is None or directory.municipality.is_suspended:
        return None, ""
    return directory, name


def connection_options(directory: Directory) -> dict:
    """Certificates always verified; short timeouts; no referrals (AD)."""
    options = {
        ldap.OPT_X_TLS_REQUIRE_CERT: ldap.OPT_X_TLS_DEMAND,
        ldap.OPT_NETWORK_TIMEOUT: TIMEOUT,
        ldap.OPT_TIMEOUT: TIMEOUT,
        ldap.OPT_REFERRALS: 0,
    }
    if path := ca_file(directory):
        options[ldap.OPT_X_TLS_CACERTFILE] = path
    options[ldap.OPT_X_TLS_NEWCTX] = 0  # last: a TLS context with the options above
    return options


class CountingSearch(LDAPSearch):
    """The user search, counting what it found: none and two people are told apart."""

    found: int | None = None

    def execute(self, connection, filterargs=(), escape=True):
        results = super().execute(connection, filterargs, escape)
        self.found = len(results or [])
        return results


def ldap_settings(directory: Directory) -> LDAPSettings:
    group_type = (
        NestedMemberDNGroupType("member")
        if directory.group_type == Directory.GroupType.NESTED
        else MemberDNGroupType("member")
    )
    attributes = [directory.attr_full_name, directory.attr_email, "userAccountControl"]
    return LDAPSettings(
        "KAKUNIN_DIRECTORY_",  # nothing in settings.py: every value is the municipality's
        {
            "SERVER_URI": directory.server_uri,
            "START_TLS": directory.start_tls,
            "CONNECTION_OPTIONS": connection_options(directory),
            "BIND_DN": directory.bind_dn,
            "BIND_PASSWORD": directory.bind_password,
            "USER_SEARCH": CountingSearch(
                directory.user_search_base, ldap.SCOPE_SUBTREE, directory.user_filter, attributes
            ),
            "GROUP_SEARCH": LDAPSearch(
                directory.group_search_base or directory.user_search_base,
                ldap.SCOPE_SUBTREE,
                directory.group_filter,
            ),
            "GROUP_TYPE": group_type,
            "USER_ATTR_MAP": {},  # the directory's actions write the account
            "ALWAYS_UPDATE_USER": False,
        },
    )


def first(attrs, name: str) -> str:
    values = (attrs or {}).get(name) or (attrs or {}).get(name.lower()) or []
    return str(values[0]) if values else ""


def is_disabled(attrs) -> bool:
    value = first(attrs, "userAccountControl")
    return value.isdigit() and bool(int(value) & ACCOUNT_DISABLE)


def failure_of(exception: Exception, uri: str) -> str:
    """unreachable, certificate, bind or error. python-ldap names neither a refused
    connection nor a failed handshake clearly: a server that takes a TCP connection but
    not the TLS session has a certificate this side does not trust (or no TLS)."""
    if isinstance(exception, ldap.INVALID_CREDENTIALS):
        return "bind"
    if isinstance(exception, (ldap.SERVER_DOWN, ldap.CONNECT_ERROR, ldap.TIMEOUT)):
        return "certificate" if _answers(uri) else "unreachable"
    return "error"


def _answers(uri: str) -> bool:
    parts = urlsplit(uri)
    port = parts.port or (636 if parts.scheme == "ldaps" else 389)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=TIMEOUT):
            return True
    except OSError:
        return False


class DirectoryBackend(LDAPBackend):
    """Signs in `name@domain` against that domain's municipality's directory. Any other
    name is not this backend's (None: the next backend tries)."""

    directory: Directory  # set by authenticate(), for the one sign-in

    def authenticate(self, request, username=None, password=None, **kwargs):
        login = username or kwargs.get("email") or ""
        directory, name = directory_for(login)
        if directory is None:
            return None
        self.prepare(directory, request, login)
        ldap_error.connect(self._caught, sender=DirectoryBackend, weak=False)
        try:
            with transaction.atomic():
                user = super().authenticate(request, username=name, password=password)
        finally:
            ldap_error.disconnect(self._caught, sender=DirectoryBackend)
        if user is None:
            self._tell()
        return user

    def prepare(self, directory: Directory, request, login: str) -> None:
        """This backend, for one person of one municipality's directory."""
        self.directory, self.request, self.login = directory, request, login
        self.refusal, self.error = "", None
        self.settings = ldap_settings(directory)

    def look_up(self, directory: Directory, login: str) -> tuple[str, str]:
        """The nightly check of one account, through the same library path as a sign-in
        but with the search account (django-auth-ldap's populate_user): (what was found,
        words). Found: present (role and department follow the groups, as at a sign-in),
        gone, disabled, removed (no longer in Kakunin's groups), unknown (two people, an
        address now another's), or error (the directory failed: nothing is changed)."""
        self.prepare(directory, None, login)
        ldap_error.connect(self._caught, sender=DirectoryBackend, weak=False)
        try:
            with transaction.atomic():
                user = self.populate_user(login)
                if user is not None:
                    actions.signed_in(
                        directory, user, self.placement, self.profile, False, night=True
                    )
        finally:
            ldap_error.disconnect(self._caught, sender=DirectoryBackend)
        found = self.settings.USER_SEARCH.found
        if self.error is not None:
            return "error", failure_of(self.error, directory.server_uri)
        if user is not None:
            return "present", ""
        if self.refusal == "disabled":
            return "disabled", ""
        if self.refusal in ("no_role", "two_roles", "two_departments", "no_department"):
            return "removed", self.refusal
        if not found:
            return "gone", ""
        return "unknown", self.refusal or ("ambiguous" if found > 1 else "")

    def _caught(self, sender, context, user, request, exception, **kwargs):
        if request is self.request:  # this sign-in's, or the nightly check's (None)
            self.error = exception

    def _tell(self) -> None:
        """What failed, in the trail (a wrong password stays the accounts' own event)."""
        search = self.settings.USER_SEARCH
        if self.refusal:
            reason = self.refusal
        elif self.error is not None:
            reason = failure_of(self.error, self.directory.server_uri)
        elif search.found == 0:
            reason = "not_found"
        elif search.found and search.found > 1:
            reason = "ambiguous"
        else:
            return  # the directory refused the password: auth.login_failed
        detail = str(self.error)[:300] if self.error is not None else ""
        actions.refused(self.directory, self.login, reason, detail)
        if self.request is not None:
            self.request.kakunin_recorded = True

    def get_or_build_user(self, username, ldap_user):
        directory = self.directory
        attrs = ldap_user.attrs
        profile = Profile(
            login=username,
            external_id=ldap_user.dn,
            full_name=first(attrs, directory.attr_full_name),
            email=first(attrs, directory.attr_email),
            groups=sorted(ldap_user.group_dns),
            disabled=is_disabled(attrs),
        )
        try:
            user, placement = actions.account_for(directory, profile)
        except Refused as refusal:
            self.refusal = refusal.reason
            raise ldap_user.AuthenticationFailed(refusal.reason) from None
        self.placement, self.profile, self.built = placement, profile, user.pk is None
        return user, self.built

    def authenticate_ldap_user(self, ldap_user, password):
        user = ldap_user.authenticate(password)
        if user is not None:
            user = actions.signed_in(self.directory, user, self.placement, self.profile, self.built)
        return user

    def get_user(self, user_id):
        return User.objects.filter(pk=user_id, is_active=True).first()

    def get_group_permissions(self, user, obj=None):
        return set()  # Kakunin's roles are its own; Django's permissions are not used


def probe(directory: Directory, login: str = "") -> list[tuple[bool, str]]:
    """The administrator's test: connect, bind with the search account, and find one
    person (optional). Each step's result, in words; nothing is written."""
    steps: list[tuple[bool, str]] = []
    try:
        connection = lookup_connection(directory)
        connection.simple_bind_s(directory.bind_dn, directory.bind_password)
    except ldap.LDAPError as e:
        steps.append((False, reason_words(failure_of(e, directory.server_uri), e)))
        return steps
    steps.append((True, "接続・証明書の検証・検索用アカウントのバインド: 成功"))
    if login:
        search = CountingSearch(
            directory.user_search_base, ldap.SCOPE_SUBTREE, directory.user_filter, ["dn"]
        )
        try:
            search.execute(connection, {"user": login})
        except ldap.LDAPError as e:
            steps.append((False, reason_words("error", e)))
            return steps
        if search.found == 1:
            steps.append((True, f"「{login}」: 1人が該当"))
        else:
            steps.append((False, reason_words("ambiguous" if search.found else "not_found", None)))
    connection.unbind_s()
    return steps


def reason_words(reason: str, error) -> str:
    text = str(actions.REASONS[reason])
    if error is not None:
        info = error.args[0].get("info") if error.args and isinstance(error.args[0], dict) else ""
        desc = (
            error.args[0].get("desc")
            if error.args and isinstance(error.args[0], dict)
            else str(error)
        )
        text += f"（{desc}{': ' + info if info else ''}）"
    return text


def lookup_connection(directory: Directory):
    connection = ldap.initialize(directory.server_uri, bytes_mode=False)
    for option, value in connection_options(directory).items():
        connection.set_option(option, value)
    if directory.start_tls:
        connection.start_tls_s()
    return connection
