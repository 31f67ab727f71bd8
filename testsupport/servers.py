"""Real servers for the tests and the benchmark: Debian's nginx on loopback, in
whatever configuration a test needs, with certificates from a throwaway CA.

nginx is installed by .ci/run; a missing nginx is an error, never a skip.
"""

import contextlib
import datetime
import hashlib
import ipaddress
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.db import connection

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(n: int) -> list[int]:
    """n different free ports: each socket stays bound until all are chosen, so that
    the system cannot hand out the same port twice (free_port() called n times can)."""
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


_one_request = threading.Lock()
# The live server's requests under way, and whether a test's end is flushing the
# database (no request starts then): on PostgreSQL a request's query that reads a
# table through its parent's row-level security policy locks both, and a flush
# emptying them in the other order deadlocks with it.
_requests = threading.Condition()
_in_flight = 0
_flushing = False


def one_request_at_a_time(handler_class: type) -> type:
    """A live server's WSGI handler that runs one request at a time while its threads
    share the test's database connection.

    With SQLite in memory, Django hands the test's one connection to every thread of
    the live server, so that the server sees the test's data. Two requests at once (a
    browser's autosave on blur and the submit it blurred for) then meet in that one
    connection: "cannot start a transaction within a transaction", a 500 that no user
    of a real server would see. PostgreSQL gives each thread its own connection, and
    keeps its requests concurrent, as in production. Set it as a LiveServerTestCase's
    `static_handler`."""

    class OneRequestAtATime(handler_class):
        def __call__(self, environ, start_response):
            global _in_flight
            with _requests:
                _requests.wait_for(lambda: not _flushing, timeout=60)
                _in_flight += 1
            try:
                if not (connection.vendor == "sqlite" and connection.is_in_memory_db()):
                    return super().__call__(environ, start_response)
                with _one_request:
                    return super().__call__(environ, start_response)
            finally:
                with _requests:
                    _in_flight -= 1
                    _requests.notify_all()

    return OneRequestAtATime


@contextlib.contextmanager
def no_request_in_flight():
    """Holds off the live server's requests while the block runs, once those under
    way are done.

    A test's end flushes the database through the connection the server's threads
    share; a request the browser sent just before it closed (a section loading as
    the page scrolled) would otherwise read a table as the flush empties it:
    "database table is locked"."""
    global _flushing
    with _requests:
        _flushing = True
        _requests.wait_for(lambda: _in_flight == 0, timeout=60)
    try:
        with _one_request:
            yield
    finally:
        with _requests:
            _flushing = False
            _requests.notify_all()


def wait_for(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def wait_for_socket(path: Path, seconds: float = 20) -> None:
    """Until something listens on the unix socket at `path`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_UNIX) as s:
            if s.connect_ex(str(path)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {path}")


def _pem_key(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


class Authority:
    """A throwaway certificate authority: its certificate is the CA bundle of a test."""

    def __init__(self, directory: Path, name: str = "Kakunin Test CA"):
        self.directory = directory
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.datetime.now(datetime.UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=400))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )
        self.path = directory / "ca.pem"
        self.path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(
        self, stem: str, names=("localhost",), *, days_from: int = -1, days_to: int = 365
    ) -> tuple[Path, Path]:
        """A server certificate for `names`, valid from/to so many days from now."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + datetime.timedelta(days=days_from))
            .not_valid_after(now + datetime.timedelta(days=days_to))
            .add_extension(x509.SubjectAlternativeName([_san(n) for n in names]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        cert_path, key_path = self.directory / f"{stem}.pem", self.directory / f"{stem}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(_pem_key(key))
        return cert_path, key_path


def _san(name: str) -> x509.GeneralName:
    """A name for the certificate: an IP address (a site served on one) or a host name."""
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def self_signed(directory: Path, name: str = "localhost") -> tuple[Path, Path]:
    """A self-signed certificate that is its own CA (the deployment test trusts it directly)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(_pem_key(key))
    return cert_path, key_path


def deployed_site(
    *,
    socket: Path,
    cert: Path,
    key: Path,
    static: Path,
    http: int,
    https: int,
    server_name: str = "localhost",
    redirect_port: bool = False,
) -> str:
    """deploy/nginx/kakunin.conf with loopback ports and temporary paths. Every line
    replaced must be in the real file, so a change to it breaks the tests that use this.
    With `redirect_port`, HTTP redirects to the test's HTTPS port (the deployment's is 443)."""
    text = (
        Path(__file__).resolve().parent.parent / "deploy" / "nginx" / "kakunin.conf"
    ).read_text()
    replacements = {
        # gunicorn on a unix socket, as deployed: REMOTE_ADDR is then empty.
        "server unix:/run/kakunin/gunicorn.sock fail_timeout=0;": f"server unix:{socket} fail_timeout=0;",
        "    listen 80;\n": f"    listen 127.0.0.1:{http};\n",
        "    listen [::]:80;\n": "",
        "    listen 443 ssl http2;\n": f"    listen 127.0.0.1:{https} ssl http2;\n",
        "    listen [::]:443 ssl http2;\n": "",
        "/etc/ssl/kakunin/fullchain.pem": str(cert),
        "/etc/ssl/kakunin/privkey.pem": str(key),
        "alias /var/www/kakunin/static/;": f"alias {static}/;",
        "server_name kakunin.example.lg.jp;": f"server_name {server_name};",
    }  # fmt: skip
    if redirect_port:
        replacements["return 301 https://$host$request_uri;"] = (
            f"return 301 https://$host:{https}$request_uri;"
        )
    for old, new in replacements.items():
        assert old in text, f"deploy/nginx/kakunin.conf no longer has {old!r}"
        text = text.replace(old, new)
    return text


class Nginx:
    """One nginx process serving the given `server { ... }` blocks, in a temporary prefix."""

    def __init__(self, directory: Path, servers: str, env=None, cwd=None):
        self.directory = directory
        conf = directory / "nginx.conf"
        conf.write_text(
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"daemon off;\nworker_processes 1;\npid {directory}/nginx.pid;\nerror_log {directory}/error.log;\n"
            "events { worker_connections 256; }\n"
            "http {\n  include /etc/nginx/mime.types;\n  access_log off;\n"
            + "".join(
                f"  {k}_temp_path {directory}/{k};\n"
                for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
            )
            + servers
            + "\n}\n"
        )
        if not Path(NGINX).exists():
            raise RuntimeError("nginx is missing: install Debian's nginx (see .ci/run)")
        check = subprocess.run(
            [NGINX, "-t", "-q", "-c", str(conf), "-p", str(directory)],
            capture_output=True,
            text=True,
        )
        if check.returncode:
            raise RuntimeError(f"nginx refused the configuration:\n{check.stderr}")
        self.process = subprocess.Popen(
            [NGINX, "-c", str(conf), "-p", str(directory)], env=env, cwd=cwd
        )

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


class Silent:
    """A TCP listener that accepts and never answers: a hanging upstream."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.connections = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        self.listener.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.listener.accept()
                self.connections.append(conn)
            except OSError:
                continue

    def stop(self):
        self._stop = True
        for conn in self.connections:
            conn.close()
        self.listener.close()


def temporary_directory(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class Clamd:
    """A real clamd (Debian's clamav-daemon) on a socket of its own, with a signature
    database of one line made here: the machine has no internet, so the official
    databases cannot be fetched, and EICAR is all the tests need."""

    def __init__(self):
        binary = shutil.which("clamd") or "/usr/sbin/clamd"
        if not Path(binary).exists():
            raise RuntimeError("clamd is missing: install Debian's clamav-daemon (see .ci/run)")
        self.tmp = Path(tempfile.mkdtemp(prefix="kakunin-clamd-"))
        (self.tmp / "db").mkdir()
        md5 = hashlib.md5(EICAR).hexdigest()  # noqa: S324 (ClamAV's .hdb format is MD5)
        (self.tmp / "db" / "eicar.hdb").write_text(f"{md5}:{len(EICAR)}:Eicar-Test-Signature\n")
        self.socket = self.tmp / "clamd.sock"
        (self.tmp / "clamd.conf").write_text(
            f"LocalSocket {self.socket}\nDatabaseDirectory {self.tmp / 'db'}\nForeground yes\n"
            f"TemporaryDirectory {self.tmp}\nLogFile {self.tmp / 'clamd.log'}\n"
        )
        self.process = subprocess.Popen([binary, "--config-file", str(self.tmp / "clamd.conf")])
        deadline = time.monotonic() + 60
        while not self.socket.exists():
            if time.monotonic() > deadline or self.process.poll() is not None:
                log = self.tmp / "clamd.log"
                raise RuntimeError(
                    f"clamd did not start: {log.read_text()[-2000:] if log.exists() else ''}"
                )
            time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        shutil.rmtree(self.tmp, ignore_errors=True)
