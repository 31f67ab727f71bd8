"""The CA a municipality's directory server is signed by, when not a public one (an
internal CA, usual on LGWAN): kept as a file LDAP and HTTPS clients can read, under
VAR_DIR, named by its digest."""

import hashlib
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from django.conf import settings

# The directory a sign-in talks to now (its OpenID Connect provider's CA).
talking_to: ContextVar = ContextVar("directory", default=None)


def ca_file(directory) -> str:
    """The directory's CA certificate as a file; "" for the system's CAs."""
    pem = (directory.ca_certificate or "").strip()
    if not pem:
        return ""
    folder = Path(settings.VAR_DIR) / "directory"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(pem.encode()).hexdigest()[:32]}.pem"
    if not path.exists():
        path.write_text(pem + "\n")
        path.chmod(0o600)
    return str(path)


def verify(directory) -> str | bool:
    """What an HTTPS client verifies the directory's server with."""
    return ca_file(directory) or True


@contextmanager
def talking(directory):
    token = talking_to.set(directory)
    try:
        yield
    finally:
        talking_to.reset(token)
