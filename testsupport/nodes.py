"""Kakunin as deployed on several machines, on loopback: N gunicorn nodes and M huey
workers on a new PostgreSQL database and one Redis, nginx in front (README: Several
app nodes). For the two-node test (kakunin/core/tests/test_nodes.py) and for
`make loadtest` (scripts/loadtest.py)."""

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import redis

from testsupport.servers import Nginx, free_ports, temporary_directory, wait_for

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("NODES_POSTGRES", "postgres://postgres:postgres@127.0.0.1:5432")
REDIS = os.environ.get("NODES_REDIS", "redis://127.0.0.1:6379")
QUEUE_DB, CACHE_DB = 11, 12  # Redis databases of the machine's Redis, emptied here
APP_ROLE = "kakunin_nodes_app"  # the cluster's: granted in each database made here


class Deployment:
    def __init__(self, field_keys: str, nodes: int = 2, workers: int = 2, threads: int = 2):
        self.tmp = temporary_directory("kakunin-nodes-")
        self.database = f"kakunin_nodes_{uuid.uuid4().hex[:8]}"
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs: list = []
        self.nginx: Nginx | None = None
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "SECRET_KEY": "nodes-" + uuid.uuid4().hex * 2,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "FIELD_ENCRYPTION_KEYS": field_keys,
            "DATABASE_URL": f"{POSTGRES}/{self.database}",
            "HUEY_URL": f"{REDIS}/{QUEUE_DB}",
            "CACHE_URL": f"{REDIS}/{CACHE_DB}",
            "HUEY_WORKERS": str(threads),
            "VAR_DIR": str(self.tmp),  # the shared directory: evidence, archive, backups
            "SCAN_ALLOW_LOOPBACK": "true",
            "SCAN_BUDGET": "10",
            "EMAIL_URL": "dummymail://",
        }
        self.node_ports = free_ports(nodes + 1)
        self.port = self.node_ports.pop()
        self.workers = workers

    def prepare(self, setup: str) -> str:
        """A new database with the checklist, then `setup` (Python, in manage.py
        shell) to add the people and systems: what it prints."""
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{self.database}"')
        for number in (QUEUE_DB, CACHE_DB):
            redis.Redis.from_url(f"{REDIS}/{number}").flushdb()
        self.manage("migrate", "-v0")
        self.manage("load_catalog")
        self.manage("collectstatic", "--no-input", "-v0")
        # The set-up reads and writes across municipalities, as a test's own does.
        across = "from django_scopes.state import state; state.set({'_enabled': False})\n"
        printed = self.manage("shell", "-c", across + setup)
        self.take_the_applications_role()
        return printed

    def take_the_applications_role(self) -> None:
        """The nodes and workers work as production's do: as a role that owns no table
        and is no superuser, bound by row-level security (README: PostgreSQL)."""
        with psycopg.connect(f"{POSTGRES}/{self.database}", autocommit=True) as db:
            db.execute(
                f"DO $$ BEGIN CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;"
                " EXCEPTION WHEN duplicate_object THEN NULL; END $$"
            )
            db.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
            db.execute(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}"
            )
            db.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
        self.env["DATABASE_ROLE"] = APP_ROLE

    def start(self) -> None:
        for index, port in enumerate(self.node_ports):
            self.launch(f"node-{index + 1}", [
                str(Path(sys.executable).parent / "gunicorn"), "kakunin.wsgi",
                "--bind", f"127.0.0.1:{port}", "--workers", "2", "--access-logfile", "-"])  # fmt: skip
        for index in range(self.workers):
            self.launch(f"worker-{index + 1}", [sys.executable, "manage.py", "run_huey", "--quiet"])
        servers = "".join(
            f"server 127.0.0.1:{port} max_fails=1 fail_timeout=30s; " for port in self.node_ports
        )
        self.nginx = Nginx(
            self.tmp,
            f"""
  upstream kakunin {{ least_conn; {servers}}}
  server {{
    listen 127.0.0.1:{self.port};
    client_max_body_size 25m;
    location / {{
      proxy_pass http://kakunin;
      proxy_set_header Host $http_host;
      proxy_next_upstream error timeout http_502;
    }}
  }}""",
        )
        for port in (*self.node_ports, self.port):
            wait_for(port, seconds=60)

    def manage(self, *args) -> str:
        done = subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
            [sys.executable, "manage.py", *args], env=self.env, cwd=ROOT,
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode:
            raise AssertionError(f"manage.py {args[0]}: {done.stdout}{done.stderr}")
        return done.stdout

    def launch(self, name: str, command: list[str]) -> None:
        log = open(self.tmp / f"{name}.log", "w")
        self.logs.append(log)
        self.procs[name] = subprocess.Popen(  # noqa: S603 (our own gunicorn and worker)
            command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def kill(self, name: str, sig=signal.SIGKILL) -> None:
        proc = self.procs[name]
        if proc.poll() is None:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=30)

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text()

    def sql(self, query: str, *params):
        with psycopg.connect(f"{POSTGRES}/{self.database}") as db:
            return db.execute(query, params).fetchall()

    def stop(self) -> None:
        if self.nginx is not None:
            self.nginx.stop()
        for name in self.procs:
            self.kill(name, signal.SIGTERM)
        for log in self.logs:
            log.close()
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
