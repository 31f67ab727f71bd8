"""HTTP for the scanner: every request goes to an address resolved and checked
beforehand (safety.resolve), with the registered host name in Host and SNI.

A hostile or broken site cannot hurt the scan: bodies are read up to a limit,
every step has a timeout, and whatever goes wrong becomes a Response with the
error in it, never an exception out of a check.
"""

import socket
import ssl
import time
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from urllib.parse import urljoin, urlsplit

import httpx
from django.utils import timezone

from kakunin.scans.policy import say
from kakunin.scans.safety import Clock, Refused, resolve

# Headers worth keeping as evidence (the rest of a response is not needed to judge).
EVIDENCE_HEADERS = {
    "server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version", "x-generator", "x-runtime",
    "location", "strict-transport-security", "x-frame-options", "content-security-policy",
    "content-type", "set-cookie", "x-content-type-options",
}  # fmt: skip
USER_AGENT = "Kakunin-Scanner/1 (+security requirements check of the ward)"


class KeepNoCookies(DefaultCookiePolicy):
    """The checks of a scan run side by side on one client: a cookie set for one (the
    active checks' login) must not change what another sees. A check that needs a
    session keeps its own cookies and sends them itself (scanners/active.Browser)."""

    def set_ok(self, cookie, request):
        return False


@dataclass
class Response:
    method: str
    url: str
    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    error: str = ""
    at: str = field(default_factory=lambda: timezone.now().isoformat(timespec="seconds"))
    elapsed_ms: int = 0

    def header(self, name: str) -> str:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), "")

    def header_all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    @property
    def text(self) -> str:
        charset = "utf-8"
        content_type = self.header("content-type")
        if "charset=" in content_type:
            charset = content_type.split("charset=")[-1].split(";")[0].strip() or "utf-8"
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")

    @property
    def is_html(self) -> bool:
        return "html" in self.header("content-type").lower()

    def evidence(self) -> dict:
        return {
            "request": f"{self.method} {self.url}",
            "status": self.status,
            "headers": {k: v for k, v in self.headers if k.lower() in EVIDENCE_HEADERS},
            "error": self.error or None,
            "at": self.at,
            "elapsed_ms": self.elapsed_ms,
        }


class Session:
    """Requests to the registered hosts only, each at its checked address."""

    def __init__(self, clock: Clock, allowed_hosts: set[str], max_body: int):
        self.clock = clock
        self.allowed_hosts = {h.lower() for h in allowed_hosts}
        self.max_body = max_body
        self._addresses: dict[tuple[str, int], str] = {}
        # The certificate is judged by its own check (server-certificate), not here.
        self.client = httpx.Client(
            verify=False,  # noqa: S501
            cookies=CookieJar(policy=KeepNoCookies()),
            follow_redirects=False,
            trust_env=False,
            http2=False,
        )

    def close(self):
        self.client.close()

    def address(self, host: str, port: int) -> str:
        if host.lower() not in self.allowed_hosts:
            raise Refused(say("%(host)s は登録された対象ではありません。", host=host))
        key = (host.lower(), port)
        if key not in self._addresses:
            self._addresses[key] = resolve(host, port)
        return self._addresses[key]

    def request(self, method: str, url: str, *, headers=None, data=None, cookies=None) -> Response:
        response = Response(method, url)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            response.error = "http(s) の URL ではありません"
            return response
        port = parts.port or (443 if parts.scheme == "https" else 80)
        started = time.monotonic()
        try:
            ip = self.address(parts.hostname, port)
            self.clock.pace()
            pinned = parts._replace(netloc=(f"[{ip}]" if ":" in ip else ip) + f":{port}").geturl()
            host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
            sent = {"Host": host, "User-Agent": USER_AGENT, **(headers or {})}
            if cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
            extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
            with self.client.stream(
                method,
                pinned,
                headers=sent,
                data=data,
                timeout=self.clock.timeout(),
                extensions=extensions,
            ) as r:
                response.status = r.status_code
                response.headers = list(r.headers.multi_items())
                response.body = self._read(r)
        except Refused:
            raise
        except (httpx.HTTPError, OSError, ssl.SSLError, ValueError) as exc:
            response.error = f"{type(exc).__name__}: {exc}"[:300]
        response.elapsed_ms = int((time.monotonic() - started) * 1000)
        return response

    def _read(self, r) -> bytes:
        body = b""
        for chunk in r.iter_bytes():
            body += chunk
            if len(body) >= self.max_body:
                return body[: self.max_body]
        return body

    def get(self, url: str, **kwargs) -> Response:
        return self.request("GET", url, **kwargs)

    def follow(self, url: str, limit: int = 5) -> tuple[Response, list[Response]]:
        """GET and follow redirects that stay on the registered hosts."""
        chain = [self.get(url)]
        while chain[-1].status in (301, 302, 303, 307, 308) and len(chain) <= limit:
            target = urljoin(chain[-1].url, chain[-1].header("location"))
            host = urlsplit(target).hostname or ""
            if host.lower() not in self.allowed_hosts:
                break  # a redirect elsewhere is noted, not followed
            chain.append(self.get(target))
        return chain[-1], chain

    def send_bytes(self, url: str, payload: bytes) -> Response:
        """Send bytes as they are (a malformed request), read what comes back."""
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        response = Response("RAW", url)
        try:
            ip = self.address(parts.hostname or "", port)
            self.clock.pace()
            with socket.create_connection((ip, port), timeout=self.clock.timeout()) as sock:
                stream = sock
                if parts.scheme == "https":
                    context = ssl.create_default_context()
                    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
                    stream = context.wrap_socket(sock, server_hostname=parts.hostname)
                stream.sendall(payload)
                data = b""
                while len(data) < self.max_body:
                    part = stream.recv(65536)
                    if not part:
                        break
                    data += part
        except (OSError, ssl.SSLError) as exc:
            response.error = f"{type(exc).__name__}: {exc}"[:300]
            return response
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1", errors="replace").split("\r\n")
        try:
            response.status = int(lines[0].split()[1])
        except (IndexError, ValueError):
            response.error = "応答が HTTP ではありません"
        response.headers = [
            (name.strip(), value.strip())
            for name, sep, value in (line.partition(":") for line in lines[1:])
            if sep
        ]
        response.body = body
        return response
