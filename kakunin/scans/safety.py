"""What a scan may touch, and how fast.

- Only the hosts registered for the system (and the extra hosts declared for it).
- Names are resolved first and the address is checked, then the connection goes
  to that very address: DNS cannot be used to slip past the check.
- Private addresses (RFC 1918, shared, unique local) are refused unless
  SCAN_ALLOW_PRIVATE (LGWAN); loopback unless SCAN_ALLOW_LOOPBACK (the tests);
  link-local, multicast and the other special addresses always.
- Every request has a timeout; the scan has a total time budget and a request rate.
"""

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from kakunin.scans.policy import Text, say


class Refused(Exception):
    """The scan may not go there; `text` says why, in the reader's language when shown
    (str() gives the fixed Japanese of the report)."""

    def __init__(self, text: Text):
        super().__init__(text.ja)
        self.text = text


class OutOfTime(Exception):
    """The scan's total time budget is spent."""


NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the IPv4 address is the last 32 bits
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: a site's own translators
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated ::a.b.c.d


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries, where it reaches that IPv4 host: mapped
    (::ffff:a.b.c.d), NAT64 (64:ff9b::a.b.c.d), 6to4 (2002:AABB:CCDD::) and the
    deprecated compatible form (::a.b.c.d). Teredo (2001::/32) is refused as special."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64 or (address in IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


# What SCAN_ALLOW_PRIVATE opens: the networks systems live on inside LGWAN (RFC 1918,
# the shared address space, unique local IPv6). Never link-local (cloud metadata at
# 169.254.169.254), unspecified, multicast, reserved or documentation addresses, nor
# loopback: Kakunin's own host (its Redis, its database) is SCAN_ALLOW_LOOPBACK's, the
# tests' alone.
PRIVATE_NETWORKS = [
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
]


def check_address(ip: str) -> None:
    address = ipaddress.ip_address(ip)
    if address.version == 6 and address in NAT64_LOCAL:
        # Where a site's own translator sends it is not known here (issue 23.14).
        raise Refused(say("特殊なアドレス %(ip)s への検査は許可されていません。", ip=ip))
    if address.version == 6 and (inner := embedded_ipv4(address)) is not None:
        # ::ffff:10.0.0.1, 64:ff9b::10.0.0.1 and 2002:a00:1:: all reach 10.0.0.1: the
        # IPv4 address it carries is what is checked (issue 23.14).
        address, ip = inner, f"{ip}（{inner}）"
    if address.is_loopback:
        if not settings.SCAN_ALLOW_LOOPBACK:
            raise Refused(say("ループバックアドレス %(ip)s への検査は許可されていません。", ip=ip))
        return
    if address.is_global and not address.is_multicast:
        return
    if any(address in network for network in PRIVATE_NETWORKS):
        if not settings.SCAN_ALLOW_PRIVATE:
            raise Refused(
                say(
                    "内部・特殊なアドレス %(ip)s への検査は許可されていません（SCAN_ALLOW_PRIVATE）。",
                    ip=ip,
                )
            )
        return
    # Link-local, unspecified, multicast, reserved, documentation: never.
    raise Refused(say("特殊なアドレス %(ip)s への検査は許可されていません。", ip=ip))


def resolve(host: str, port: int) -> str:
    """The one address the scan will use for this host, checked. Refused otherwise."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise Refused(
            say("ホスト名 %(host)s を解決できません（%(error)s）。", host=host, error=exc.strerror)
        ) from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for ip in addresses:  # every answer is checked: a rebinding name cannot mix in a bad one
        check_address(ip)
    ipv4 = [a for a in addresses if ":" not in a]
    return (ipv4 or addresses)[0]


@dataclass
class Limits:
    timeout: float
    budget: float
    interval: float
    max_pages: int
    max_depth: int
    max_body: int

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            timeout=settings.SCAN_TIMEOUT,
            budget=settings.SCAN_BUDGET,
            interval=settings.SCAN_REQUEST_INTERVAL,
            max_pages=settings.SCAN_MAX_PAGES,
            max_depth=settings.SCAN_MAX_DEPTH,
            max_body=settings.SCAN_MAX_BODY,
        )


class Clock:
    """The scan's time budget and request rate, shared by its checks (thread-safe)."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.deadline = time.monotonic() + limits.budget
        self._next = 0.0
        self._lock = threading.Lock()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def timeout(self) -> float:
        """The time one network step may take: the per-request limit, or what is left."""
        left = self.remaining()
        if left <= 0:
            raise OutOfTime("検査の制限時間を超えました。")
        return min(self.limits.timeout, left)

    def pace(self) -> None:
        """Wait for our turn: at most one request every `interval` seconds."""
        with self._lock:
            now = time.monotonic()
            wait = self._next - now
            self._next = max(now, self._next) + self.limits.interval
        if wait > 0:
            time.sleep(min(wait, max(self.remaining(), 0)))
        self.timeout()


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a URL: what "the same site" means here."""
    parts = urlsplit(url)
    return (
        parts.scheme,
        (parts.hostname or "").lower(),
        parts.port or (443 if parts.scheme == "https" else 80),
    )
