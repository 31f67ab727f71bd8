"""The real nginx, with deploy/nginx/kakunin.conf, in front of gunicorn, on loopback
(form items 37, 48, 59–61). Debian's nginx is installed by .ci/run."""

import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
from pathlib import Path

import httpx
from django.conf import settings
from django.test import SimpleTestCase

from testsupport.servers import (
    Nginx,
    deployed_site,
    free_port,
    free_ports,
    self_signed,
    temporary_directory,
    wait_for,
    wait_for_socket,
)

ROOT = Path(settings.BASE_DIR)
PASSWORD = "Deploy-Test-Pass-2026"


class TlsDeploymentTestCase(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = temporary_directory("kakunin-tls-")

        cls.ports = dict(zip(["http", "https"], free_ports(2), strict=True))
        cls.cert, key = self_signed(cls.tmp)
        cls.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "SECRET_KEY": "deploy-test-" + "k" * 50,
            "ALLOWED_HOSTS": "localhost",
            "HTTPS": "1",
            "NUM_PROXIES": "1",
            "FIELD_ENCRYPTION_KEYS": settings.FIELD_ENCRYPTION_KEYS,
            # Kakunin's private folder, and the static files nginx serves outside it
            # (README: Deployment on Debian).
            "DATABASE_URL": f"sqlite:///{cls.tmp / 'var' / 'db.sqlite3'}",
            "VAR_DIR": str(cls.tmp / "var"),
            "STATIC_ROOT": str(cls.tmp / "static"),
        }
        cls.manage("migrate", "-v0")
        cls.manage("collectstatic", "--no-input", "-v0")
        cls.manage(
            "shell",
            "-c",
            f"from testsupport.fixtures import make_user; make_user('alice', 'department', password={PASSWORD!r})",
        )
        cls.procs = []
        cls.start(
            [str(Path(sys.executable).parent / "gunicorn"), "kakunin.wsgi", "--bind", f"unix:{cls.tmp}/gunicorn.sock", "--workers", "1"]
        )  # fmt: skip
        cls.nginx = Nginx(
            cls.tmp,
            deployed_site(
                socket=cls.tmp / "gunicorn.sock",
                cert=cls.cert,
                key=key,
                static=cls.tmp / "static",
                http=cls.ports["http"],
                https=cls.ports["https"],
            ),
            env=cls.env,
            cwd=ROOT,
        )
        for port in cls.ports.values():
            wait_for(port)
        wait_for_socket(cls.tmp / "gunicorn.sock")

    @classmethod
    def manage(cls, *args):
        subprocess.run([sys.executable, "manage.py", *args], env=cls.env, cwd=ROOT, check=True)

    @classmethod
    def start(cls, command):
        cls.procs.append(subprocess.Popen(command, env=cls.env, cwd=ROOT))

    @classmethod
    def tearDownClass(cls):
        cls.nginx.stop()
        for proc in cls.procs:
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()

    def handshake(self, version: ssl.TLSVersion, port: int) -> str:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = ctx.maximum_version = version
        # Debian's OpenSSL refuses TLS 1.0/1.1 at its default level: lower it on
        # the client, so that a refusal can only come from the server.
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                return tls.version()

    def test_tls_1_1_is_refused_and_1_2_and_1_3_succeed(self):
        self.assertEqual(self.handshake(ssl.TLSVersion.TLSv1_2, self.ports["https"]), "TLSv1.2")
        self.assertEqual(self.handshake(ssl.TLSVersion.TLSv1_3, self.ports["https"]), "TLSv1.3")
        with self.assertRaises((ssl.SSLError, ConnectionResetError)):
            self.handshake(ssl.TLSVersion.TLSv1_1, self.ports["https"])

    def test_the_client_can_speak_tls_1_1_so_the_refusal_is_the_servers(self):
        port = free_port()
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_ctx.minimum_version = server_ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        server_ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        server_ctx.load_cert_chain(self.cert, self.tmp / "key.pem")
        listener = socket.create_server(("127.0.0.1", port))

        def serve():
            conn, _ = listener.accept()
            try:
                with server_ctx.wrap_socket(conn, server_side=True):
                    pass
            except ssl.SSLError:
                pass

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            self.assertEqual(self.handshake(ssl.TLSVersion.TLSv1_1, port), "TLSv1.1")
        finally:
            thread.join(timeout=5)
            listener.close()

    def https_client(self, **kwargs) -> httpx.Client:
        ctx = ssl.create_default_context(cafile=str(self.cert))
        # A slow machine's first request (gunicorn's workers still importing) can take
        # longer than httpx's 5 s default: a timeout here says nothing about TLS.
        return httpx.Client(
            base_url=f"https://localhost:{self.ports['https']}", verify=ctx, timeout=60, **kwargs
        )

    def test_plain_http_is_redirected_to_https(self):
        r = httpx.get(
            f"http://127.0.0.1:{self.ports['http']}/auth/login/", headers={"Host": "localhost"}
        )
        self.assertEqual(r.status_code, 301)
        self.assertTrue(r.headers["location"].startswith("https://localhost/auth/login/"))

    def test_the_headers_are_there_once_and_no_version_anywhere(self):
        with self.https_client() as http:
            for path in ["/auth/login/", "/static/css/kakunin.css", "/no-such-page", "/.git/HEAD"]:
                r = http.get(path)
                with self.subTest(path=path):
                    self.assertEqual(
                        r.headers.get_list("strict-transport-security"),
                        ["max-age=31536000; includeSubDomains"],
                    )
                    self.assertEqual(r.headers.get_list("x-frame-options"), ["DENY"])
                    self.assertEqual(r.headers.get_list("x-content-type-options"), ["nosniff"])
                    self.assertEqual(r.headers["server"], "nginx")
                    self.assertNotIn("x-powered-by", r.headers)
                    self.assertNotRegex(r.text, r"nginx/\d|gunicorn|Django|Traceback")
            r = http.get("/auth/login/")
            self.assertIn("frame-ancestors 'none'", r.headers["content-security-policy"])
            self.assertEqual(r.headers["referrer-policy"], "same-origin")
            self.assertIn("charset=utf-8", r.headers["content-type"])
            listing = http.get("/static/")
            self.assertIn(listing.status_code, (403, 404))
            self.assertNotIn("Index of", listing.text)

    def test_a_login_over_https_gets_a_secure_session_cookie(self):
        with self.https_client(follow_redirects=False) as http:
            page = http.get("/auth/login/")
            token = page.cookies["csrftoken"]
            r = http.post(
                "/auth/login/",
                data={"login": "alice", "password": PASSWORD, "csrfmiddlewaretoken": token},
                headers={"Referer": f"https://localhost:{self.ports['https']}/auth/login/"},
            )
            self.assertEqual(r.status_code, 302, r.text[:500])
            session = next(
                h for h in r.headers.get_list("set-cookie") if h.startswith("sessionid=")
            )
            self.assertIn("Secure", session)
            self.assertIn("HttpOnly", session)
            self.assertIn("SameSite=Lax", session)
            self.assertEqual(http.get("/systems/").status_code, 200)

    def test_password_reset_works_behind_nginx_on_the_unix_socket(self):
        """allauth could not tell the client's address there and answered 403 to everyone."""
        with self.https_client(follow_redirects=False) as http:
            page = http.get("/auth/password/reset/")
            self.assertEqual(page.status_code, 200, page.text[:300])
            r = http.post(
                "/auth/password/reset/",
                data={
                    "email": "alice@example.org",
                    "csrfmiddlewaretoken": page.cookies["csrftoken"],
                },
                headers={
                    "Referer": f"https://localhost:{self.ports['https']}/auth/password/reset/"
                },
            )
            self.assertEqual(r.status_code, 302, r.text[:300])
            self.assertIn("/auth/password/reset/", r.headers["location"])

    def test_the_language_cookie_is_secure_and_http_only(self):
        with self.https_client(follow_redirects=False) as http:
            page = http.get("/auth/login/")
            r = http.post(
                "/i18n/setlang/",
                data={
                    "language": "en",
                    "next": "/auth/login/",
                    "csrfmiddlewaretoken": page.cookies["csrftoken"],
                },
                headers={"Referer": f"https://localhost:{self.ports['https']}/auth/login/"},
            )
            cookie = next(
                h for h in r.headers.get_list("set-cookie") if h.startswith("django_language=")
            )
            self.assertIn("Secure", cookie)
            self.assertIn("HttpOnly", cookie)
