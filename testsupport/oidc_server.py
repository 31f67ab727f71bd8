"""Start the test OpenID Connect provider (testsupport/oidc_provider) over TLS on a
free port, with its own database, signing key and certificate from a throwaway CA."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from testsupport.servers import Authority, free_port, temporary_directory, wait_for

ROOT = Path(__file__).resolve().parent.parent


class OidcProvider:
    def __init__(self, client_id: str, secret: str, redirect_uris: list[str]):
        self.tmp = temporary_directory("kakunin-idp-")
        self.authority = Authority(self.tmp, "Kakunin Test IdP CA")
        cert, key = self.authority.issue("idp", names=("127.0.0.1", "localhost"))
        (self.tmp / "secret_key").write_text(secrets.token_urlsafe(40))
        signing = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (self.tmp / "signing.pem").write_bytes(
            signing.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        self.people({})
        self.env = os.environ | {
            "OIDC_PROVIDER_DIR": str(self.tmp),
            "DJANGO_SETTINGS_MODULE": "testsupport.oidc_provider.settings",
            "PYTHONPATH": str(ROOT),
        }
        subprocess.run(  # noqa: S603 (our own arguments)
            [sys.executable, "-m", "testsupport.oidc_provider.setup", client_id, secret, " ".join(redirect_uris)],
            env=self.env, cwd=ROOT, check=True,
        )  # fmt: skip
        self.port = free_port()
        self.process = subprocess.Popen(  # noqa: S603 (our own arguments)
            [
                sys.executable, "-m", "gunicorn", "testsupport.oidc_provider.wsgi",
                "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--threads", "4",
                "--certfile", str(cert), "--keyfile", str(key), "--log-level", "warning",
            ],
            env=self.env, cwd=ROOT,
        )  # fmt: skip
        wait_for(self.port, 30)

    @property
    def issuer(self) -> str:
        return f"https://127.0.0.1:{self.port}/o"

    @property
    def ca(self) -> str:
        return self.authority.path.read_text()

    def people(self, people: dict) -> None:
        """{username: {password, sub, name, email, groups}}"""
        (self.tmp / "people.json").write_text(json.dumps(people, ensure_ascii=False))

    def fault(self, mode: str = "") -> None:
        (self.tmp / "mode.json").write_text(json.dumps({"mode": mode}))

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
