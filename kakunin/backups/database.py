"""The database's part of a backup: a consistent copy, its row counts, and restoring it
into a scratch database (to verify) or into the configured one (to recover).

SQLite: the online backup API, which copies a live database page by page without
stopping writers. PostgreSQL: `pg_dump --format=custom` on a snapshot exported by a
REPEATABLE READ transaction, so that the row counts in the manifest are those of the
dump exactly.
"""

import os
import secrets
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection, connections, transaction
from django.db.utils import load_backend

from kakunin.tenants import rls

SCRATCH_ALIAS = "backup_scratch"


class RestoreFailed(Exception):
    pass


def engine() -> str:
    return "sqlite" if connection.vendor == "sqlite" else "postgresql"


def filename() -> str:
    return "database.sqlite3" if engine() == "sqlite" else "database.pgdump"


def dump(directory: Path) -> tuple[Path, dict[str, int]]:
    """A consistent copy of the database in `directory`, and each table's row count."""
    out = directory / filename()
    if engine() == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(out)
        try:
            connection.connection.backup(target)
            return out, _sqlite_counts(target)
        finally:
            target.close()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = {}
        for table in sorted(connection.introspection.table_names(cursor)):
            # (the table names come from the database's own catalogue, quoted)
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
        _pg("pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={out}", "--no-owner",
            "--enable-row-security",
            connection.settings_dict["NAME"])  # fmt: skip
    return out, counts


def _sqlite_counts(db: sqlite3.Connection) -> dict[str, int]:
    tables = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    # (the table names come from the database's own catalogue, quoted)
    quote = connection.ops.quote_name
    return {t: db.execute(f"SELECT COUNT(*) FROM {quote(t)}").fetchone()[0] for t in tables}  # noqa: S608


def _pg(program: str, *args: str) -> None:
    """Run a PostgreSQL client program against the configured server; its error text
    (never the password) is the exception's message."""
    s = connection.settings_dict
    env = os.environ | {
        "PGHOST": str(s.get("HOST") or ""), "PGPORT": str(s.get("PORT") or ""),
        "PGUSER": str(s.get("USER") or ""), "PGPASSWORD": str(s.get("PASSWORD") or ""),
        # Every municipality's rows: row-level security (kakunin.tenants.rls) binds a
        # login that is no superuser, and pg_dump reads through it (--enable-row-security).
        "PGOPTIONS": f"-c {rls.SETTING}={rls.ALL}",
    }  # fmt: skip
    # A fixed program (pg_dump, pg_restore) and arguments Kakunin builds; no shell.
    done = subprocess.run([program, *args], env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RestoreFailed(f"{program}: {done.stderr.strip()[-500:]}")


@contextmanager
def scratch(path: Path) -> Iterator[str]:
    """The copy restored into a scratch database, as a connection alias; gone after."""
    settings_dict = dict(connection.settings_dict)
    if engine() == "sqlite":
        settings_dict["NAME"] = str(path)
        created = None
    else:
        created = f"{settings_dict['NAME']}_verify_{secrets.token_hex(4)}"
        # As the login (not DATABASE_ROLE, which may create nothing): the service's own work.
        with rls.as_owner(), connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(created)}")
        settings_dict["NAME"] = created
    # A connection made here, not a configured alias: it exists for this block only.
    scratch_connection = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(
        settings_dict, SCRATCH_ALIAS
    )
    connections[SCRATCH_ALIAS] = scratch_connection
    try:
        if created:
            _pg("pg_restore", "--no-owner", f"--dbname={created}", str(path))
        yield SCRATCH_ALIAS
    finally:
        scratch_connection.close()
        del connections[SCRATCH_ALIAS]
        if created:
            with rls.as_owner(), connection.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(created)}")


def counts(alias: str) -> dict[str, int]:
    db = connections[alias]
    with db.cursor() as cursor:
        out = {}
        for table in sorted(db.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {db.ops.quote_name(table)}")  # noqa: S608
            out[table] = cursor.fetchone()[0]
    return out


def is_empty() -> bool:
    """No table in the configured database (a new machine's, before migrate)."""
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def restore(path: Path, *, replace: bool) -> None:
    """The copy restored into the configured database (emptied first with `replace`)."""
    if engine() == "sqlite":
        # Into Django's own connection: the configured file (or the tests' memory).
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        return
    args = ["--no-owner", f"--dbname={connection.settings_dict['NAME']}"]
    if replace:
        args += ["--clean", "--if-exists"]
    connection.close()
    _pg("pg_restore", *args, str(path))
