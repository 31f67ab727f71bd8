"""The second lock on a municipality's data: PostgreSQL's row-level security.

The first is the application's (active.py: every query on a municipality's data runs
in its scope). This one holds if a query forgets it, a raw SQL query included:

- Every table of a model with a scoped manager (`MUNICIPALITY_PATH`) has row-level
  security enabled and forced (`FORCE ROW LEVEL SECURITY`: the tables' owner is bound
  too) and one policy, `municipality`: a row is visible, and may be written, only in
  its municipality. A table that reaches its municipality through a parent (an answer
  through its assessment and system) sees a row whose parent is visible; the parent's
  own policy decides. The policies are (re)made after every `migrate`, so a new
  tenant model is covered without anyone remembering it.
- The application connects as a role that does not own the tables and is no
  superuser (superusers pass every policy): `DATABASE_URL`'s user, or
  `DATABASE_ROLE` taken at connection (`SET ROLE`) where one login serves both.
- Each transaction names its municipality (`SET LOCAL kakunin.municipality`), from
  the scope active.py keeps, before its first query; a query outside a transaction
  sets it for the session first. Unset, or set to no municipality, every policy sees
  nothing; `all` is the service's own work (`everywhere()`: backups, the operator's
  counts, jobs going through each municipality).

SQLite, the embedded default for one ward, has no such thing: there the first lock
holds alone.
"""

import contextlib

from django.apps import apps
from django.conf import settings
from django.db import connections, models
from django_scopes.state import get_scope

SETTING = "kakunin.municipality"
ALL = "all"
POLICY = "municipality"

# The municipalities the transaction sees, as a range of their numbers: one (the
# named one), every one (`all`), or none (low > high). A range, not a test of each row:
# the planner reads it from the municipality column's index (a root table's query
# reads its municipality's rows, not the whole table). And whether it sees them all:
# a child table's test of its parent is skipped then (the service's own work).
_SETTING_IS = f"coalesce(current_setting('{SETTING}', true), '')"
FUNCTIONS = [
    f"""CREATE OR REPLACE FUNCTION kakunin_municipality_low() RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT CASE {_SETTING_IS} WHEN '{ALL}' THEN 0 WHEN '' THEN 1
  ELSE current_setting('{SETTING}', true)::bigint END $$""",
    f"""CREATE OR REPLACE FUNCTION kakunin_municipality_high() RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT CASE {_SETTING_IS} WHEN '{ALL}' THEN 9223372036854775807
  WHEN '' THEN 0 ELSE current_setting('{SETTING}', true)::bigint END $$""",
    f"""CREATE OR REPLACE FUNCTION kakunin_sees_all() RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT {_SETTING_IS} = '{ALL}' $$""",
]
# The test of one row before the range (policies of databases migrated earlier).
OLD_FUNCTION = "DROP FUNCTION IF EXISTS kakunin_municipality_visible(bigint)"


def tenant_models() -> list[type[models.Model]]:
    """Every model holding a municipality's data: those with a scoped manager."""
    return [m for m in apps.get_models() if hasattr(m, "MUNICIPALITY_PATH")]


def condition(model: type[models.Model], quote) -> str:
    """The policy's test of one row of `model`'s table."""
    first = model.MUNICIPALITY_PATH.split("__")[0]  # type: ignore[attr-defined]
    field = model._meta.get_field(first)
    column = quote(field.column)  # type: ignore[union-attr]
    if first == "municipality":
        visible = f"{column} BETWEEN kakunin_municipality_low() AND kakunin_municipality_high()"
        if getattr(model, "MUNICIPALITY_SHARED", False):
            # The service's own rows (a shared form) are every municipality's.
            return f"({column} IS NULL OR {visible})"
        return visible
    parent = field.related_model._meta  # type: ignore[union-attr]
    # Names of tables and columns, quoted; no value.
    parent_table, parent_pk = quote(parent.db_table), quote(parent.pk.column)
    exists = f"EXISTS (SELECT 1 FROM {parent_table} p WHERE p.{parent_pk} = {column})"  # noqa: S608
    return f"(kakunin_sees_all() OR {exists})"


def apply(connection) -> list[str]:
    """Enable, force and (re)make the policy on every tenant table. Returns the tables."""
    quote = connection.ops.quote_name
    done = []
    with connection.cursor() as cursor:
        for function in FUNCTIONS:
            cursor.execute(function)
        for model in tenant_models():
            table = quote(model._meta.db_table)
            test = condition(model, quote)
            cursor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            cursor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            cursor.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
            cursor.execute(f"CREATE POLICY {POLICY} ON {table} USING ({test}) WITH CHECK ({test})")
            done.append(model._meta.db_table)
        cursor.execute(OLD_FUNCTION)
    return done


def after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate: the policies follow the models, on PostgreSQL."""
    connection = connections[using]
    if connection.vendor == "postgresql" and sender.label == "tenants" and _owns(connection):
        apply(connection)


def _owns(connection) -> bool:
    """Whether this connection's role may change the tables (a flush in the tests, run
    as the application's role, migrates nothing and cannot)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_has_role(current_user, tableowner, 'MEMBER') FROM pg_tables"
            " WHERE tablename = 'tenants_municipality'"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


@contextlib.contextmanager
def as_owner(using: str = "default"):
    """Work as the login itself, not DATABASE_ROLE: migrate, which changes the tables."""
    connection = connections[using]
    setattr(connection, "kakunin_as_owner", True)  # noqa: B010 (a wrapper of our own state)
    try:
        if connection.vendor == "postgresql" and connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("RESET ROLE")
        yield
    finally:
        setattr(connection, "kakunin_as_owner", False)  # noqa: B010
        if connection.vendor == "postgresql" and connection.connection is not None:
            with connection.cursor() as cursor:
                if settings.DATABASE_ROLE:
                    cursor.execute(f"SET ROLE {connection.ops.quote_name(settings.DATABASE_ROLE)}")


def wanted() -> str:
    """The value of kakunin.municipality that the active scope asks for."""
    scope = get_scope()
    if not scope.get("_enabled", True):
        return ALL
    value = scope.get("municipality")
    if isinstance(value, int):
        return str(value)
    return ""  # outside any scope, or in none (NOWHERE): nothing


def on_connect(sender, connection, **kwargs) -> None:
    """connection_created: take the application's role, and name the municipality
    before every query."""
    if connection.vendor != "postgresql":
        return
    connection.kakunin_session_municipality = None
    if settings.DATABASE_ROLE and not getattr(connection, "kakunin_as_owner", False):
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {connection.ops.quote_name(settings.DATABASE_ROLE)}")
    if _name_the_municipality not in connection.execute_wrappers:
        connection.execute_wrappers.append(_name_the_municipality)


class _Named:
    """What this transaction named, kept among its on-commit hooks (a no-op when run):
    Django drops the hooks of a savepoint rolled back and every hook when the
    transaction ends, as PostgreSQL drops the SET LOCAL made there, so the newest hook
    left is what the transaction's setting is now."""

    def __init__(self, value: str | None):
        self.value = value

    def __call__(self) -> None:
        pass


def _in_force(connection) -> str | None:
    """The setting the connection's next query runs under, as far as it is known: the
    transaction's newest SET LOCAL, else the session's (None: not known)."""
    for _sids, hook, _robust in reversed(connection.run_on_commit):
        if isinstance(hook, _Named):
            return hook.value
    return connection.kakunin_session_municipality


# Statements that read no table and must not follow a query: SET TRANSACTION comes
# first in its transaction; savepoints are Django's own bookkeeping.
_NOT_A_QUERY = ("SET ", "SAVEPOINT ", "RELEASE ", "ROLLBACK ")


def _name_the_municipality(execute, sql, params, many, context):
    connection = context["connection"]
    if isinstance(sql, str) and (head := sql.lstrip()[:12].upper()).startswith(_NOT_A_QUERY):
        done = execute(sql, params, many, context)
        if head.startswith("ROLLBACK TO") and connection.in_atomic_block:
            # PostgreSQL put back the setting of the savepoint's start, which a
            # savepoint Django did not open as a block (transaction.savepoint())
            # leaves no trace of among the hooks: name it again at the next query.
            connection.on_commit(_Named(None))
        return done
    value = wanted()
    if connection.in_atomic_block:
        if _in_force(connection) != value:
            _set(connection, value, local=True)
            connection.on_commit(_Named(value))
    elif connection.kakunin_session_municipality != value:
        _set(connection, value, local=False)
        connection.kakunin_session_municipality = value
    return execute(sql, params, many, context)


def _set(connection, value: str, *, local: bool) -> None:
    # The raw connection's own cursor: not through the wrappers, nor a named cursor.
    with connection.connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, %s)", [SETTING, value, local])
