"""Asking clamd (Debian's clamav-daemon) about a file, over its UNIX socket (anti-malware).

The INSTREAM protocol: "zINSTREAM\\0", then chunks each prefixed with their
length (4 bytes, big-endian), then a zero length. clamd answers
"stream: OK" or "stream: <signature> FOUND".
"""

import socket
import struct

from django.conf import settings

CHUNK = 64 * 1024


class ScannerUnavailable(Exception):
    pass


def scan(data: bytes) -> str | None:
    """The name of the malware found, or None. Raises ScannerUnavailable when clamd
    cannot be asked (the upload is then refused: no file goes unscanned)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(settings.CLAMAV_TIMEOUT)
            sock.connect(settings.CLAMAV_SOCKET)
            sock.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), CHUNK):
                chunk = data[start : start + CHUNK]
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                part = sock.recv(4096)
                if not part:
                    break
                reply += part
    except OSError as exc:
        raise ScannerUnavailable(str(exc)) from None
    answer = reply.rstrip(b"\0").decode(errors="replace")
    if answer.endswith("OK"):
        return None
    if answer.endswith("FOUND"):
        return answer.removeprefix("stream:").removesuffix("FOUND").strip()
    raise ScannerUnavailable(answer)
