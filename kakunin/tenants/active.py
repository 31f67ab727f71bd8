"""The municipality a request, a command or a job works in, and the scope its queries
run in.

A page works in one municipality at a time: a member of the ward's staff in their
own, a vendor person in the one they chose among those they work for
(kakunin.service.middleware activates it per request). Commands name it
(`--municipality CODE`, kakunin.tenants.commands), jobs activate each municipality
in turn. Every model holding a municipality's data has a scoped manager (django-scopes,
`ScopedManager` below): a query on it outside an activation raises ScopeError, never
returns every municipality's rows. The service's own work (backups, the operator's
counts) says so with `everywhere()`."""

import contextlib
import functools
from contextvars import ContextVar

from django.db import models
from django.db.models import Q
from django_scopes import scope, scopes_disabled
from django_scopes.manager import DisabledQuerySet
from django_scopes.state import get_scope, state

from kakunin.tenants.models import Municipality

_active: ContextVar[Municipality | None] = ContextVar("municipality", default=None)
# Where a vendor person's session keeps the municipality they work in.
SESSION_KEY = "municipality"
# The scope of no municipality (anonymous pages, a vendor person who works for none):
# the scoped queries run and find nothing.
NOWHERE: list[int] = []


def current() -> Municipality | None:
    return _active.get()


def _scope_value(municipality: Municipality | None):
    return municipality.pk if municipality is not None else NOWHERE


@contextlib.contextmanager
def activated(municipality: Municipality | None):
    """Work in `municipality` (None: in none) for the block."""
    token = _active.set(municipality)
    try:
        with scope(municipality=_scope_value(municipality)):
            yield municipality
    finally:
        _active.reset(token)


def enter(municipality: Municipality | None) -> None:
    """Work in `municipality` from here to the end of the enclosing activation (an API
    request learns it from its token, inside the request's own activated())."""
    _active.set(municipality)
    state.set(get_scope() | {"_enabled": True, "municipality": _scope_value(municipality)})


@contextlib.contextmanager
def everywhere():
    """The service's own work over every municipality (backups, restore, the operator's
    counts, the migration checks): scopes off, no municipality active."""
    token = _active.set(None)
    try:
        with scopes_disabled():
            yield
    finally:
        _active.reset(token)


def current_id_for(user) -> int | None:
    """The municipality whose data this person works on now: the active one, else a
    member of the ward's staff's own (a vendor person outside a request has none)."""
    municipality = current()
    if municipality is not None:
        return municipality.pk
    return getattr(user, "municipality_id", None)


class _OutsideAnyScope(DisabledQuerySet):
    """A scoped query made outside any activation. It raises when read, as
    django-scopes' does; all() only makes another, so that a ModelForm built at import
    time (its relation fields take `manager.all()`) imports, and its view, which sets
    the field's queryset in the request's scope, reads the right rows."""

    def all(self):
        return self._chain()


class ScopedManager(models.Manager):
    """The default manager of a model holding a municipality's data. The model names
    the way to its municipality (`MUNICIPALITY_PATH`, e.g. "system__municipality");
    related managers, which Django derives from this class, read it the same way.

    Inside an activation: the active municipality's rows. Outside any (scopes on): a
    query that raises ScopeError when read. Under `everywhere()`: every row. The
    scope is django-scopes' (scope(), scopes_disabled()); the manager is ours, a
    class of its own, so that type checkers and related managers know it."""

    def get_queryset(self):
        current_scope = get_scope()
        if not current_scope.get("_enabled", True):
            return super().get_queryset()
        if "municipality" not in current_scope:
            return _OutsideAnyScope(self.model, using=self._db, missing_scopes={"municipality"})
        value = current_scope["municipality"]
        path = self.model.MUNICIPALITY_PATH  # type: ignore[attr-defined]
        mine = Q(**{f"{path}__in" if isinstance(value, list | tuple) else path: value})
        if getattr(self.model, "MUNICIPALITY_SHARED", False):
            # The service's own rows (no municipality) are every municipality's too.
            mine |= Q(**{f"{path}__isnull": True})
        return super().get_queryset().filter(mine)

    def across_municipalities(self):
        """Every municipality's rows, for a lookup by the object's own secret key (an
        invitation's code): the caller reads it under everywhere() (PostgreSQL's
        row-level security follows the scope, not the manager), then activates the
        municipality it found."""
        return super().get_queryset()


def for_each_municipality(job):
    """A periodic job run once in each municipality in service (not suspended), each
    in its own activation: what it reads and notifies stays in that municipality."""

    @functools.wraps(job)
    def run(*args, **kwargs):
        with everywhere():
            municipalities = list(
                Municipality.objects.filter(suspended_at__isnull=True).order_by("code")
            )
        for municipality in municipalities:
            with activated(municipality):
                job(*args, **kwargs)

    return run


def service_job(job):
    """A job of the service itself, over every municipality (backups, the mail queue)."""

    @functools.wraps(job)
    def run(*args, **kwargs):
        with everywhere():
            return job(*args, **kwargs)

    return run


def link(url: str) -> str:
    """A page's address as a notification or an e-mail gives it: naming the
    municipality worked in, so that it opens there (kakunin.service.middleware). A
    service of one municipality keeps its links as they were."""
    municipality = current()
    if municipality is None or not url or "municipality=" in url:
        return url
    if not Municipality.objects.exclude(pk=municipality.pk).exists():
        return url
    path, hash_mark, fragment = url.partition("#")
    joiner = "&" if "?" in path else "?"
    return f"{path}{joiner}municipality={municipality.code}{hash_mark}{fragment}"
