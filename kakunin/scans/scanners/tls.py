"""tls-version: TLS 1.0 and 1.1 refused, TLS 1.2 or 1.3 accepted, no weak cipher suites.

Probed with the standard ssl module. Debian's OpenSSL needs @SECLEVEL=0 on the
probing client, or TLS 1.0/1.1 would look disabled when they are not.
"""

import socket
import ssl
import warnings

from kakunin.scans.policy import Finding, Outcome, say

NAME = "tls"
NEEDS_HTTP = False
CONTROLS = ["tls-version"]
VERSIONS = {
    "TLS 1.0": ssl.TLSVersion.TLSv1,
    "TLS 1.1": ssl.TLSVersion.TLSv1_1,
    "TLS 1.2": ssl.TLSVersion.TLSv1_2,
    "TLS 1.3": ssl.TLSVersion.TLSv1_3,
}
# Suites no server should accept; each probed alone over TLS 1.2 where this
# client's OpenSSL still knows them.
WEAK = {
    "3DES": "3DES",
    "RC4": "RC4",
    "NULL": "eNULL",
    "EXPORT": "EXP",
    "anonymous": "aNULL",
    "DES": "DES",
}


def handshake(ctx, version: ssl.TLSVersion, ciphers: str = "DEFAULT") -> tuple[bool | None, str]:
    """(True: accepted, False: refused, None: could not tell; what happened)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        context.minimum_version = context.maximum_version = version
    try:
        context.set_ciphers(f"{ciphers}:@SECLEVEL=0")
    except ssl.SSLError:
        return None, "this client cannot offer it"
    try:
        with socket.create_connection(
            (ctx.address, ctx.target.port), timeout=ctx.clock.timeout()
        ) as raw:
            with context.wrap_socket(raw, server_hostname=ctx.target.host) as tls:
                cipher = tls.cipher()
                return True, f"{tls.version()} {cipher[0] if cipher else ''}".strip()
    except (ssl.SSLError, ConnectionResetError, ssl.SSLEOFError) as exc:
        return False, f"refused ({type(exc).__name__}: {str(exc)[:120]})"
    except OSError as exc:
        return None, f"no answer ({type(exc).__name__})"


def run(ctx) -> list[Finding]:
    if not ctx.https:
        return [
            Finding(
                NAME,
                "tls-version",
                Outcome.UNKNOWN,
                say("HTTPS の対象ではないため、TLS は検査していません。"),
            )
        ]
    ctx.clock.pace()
    results = {label: handshake(ctx, version) for label, version in VERSIONS.items()}
    evidence = [
        {"handshake": label, "result": detail, "accepted": ok}
        for label, (ok, detail) in results.items()
    ]
    weak = []
    if results["TLS 1.2"][0]:
        for label, cipher in WEAK.items():
            ok, detail = handshake(ctx, ssl.TLSVersion.TLSv1_2, cipher)
            evidence.append({"handshake": f"TLS 1.2 {label}", "result": detail, "accepted": ok})
            if ok:
                weak.append(label)
    findings = [_versions(results, evidence), _sslv3()]
    if weak:
        findings.append(
            Finding(
                NAME,
                "tls-version",
                Outcome.FAIL,
                say("弱い暗号スイートを受け付けます: %(suites)s", suites=", ".join(weak)),
                evidence,
            )
        )
    return findings


def _versions(results, evidence) -> Finding:
    accepted = [label for label, (ok, _d) in results.items() if ok]
    if not accepted and any(ok is None for ok, _d in results.values()):
        return Finding(
            NAME,
            "tls-version",
            Outcome.UNKNOWN,
            say("TLS の接続を確認できませんでした。"),
            evidence,
        )
    old = [v for v in ("TLS 1.0", "TLS 1.1") if v in accepted]
    if old:
        return Finding(
            NAME,
            "tls-version",
            Outcome.FAIL,
            say(
                "%(versions)s を受け付けます（無効にする必要があります）。", versions="・".join(old)
            ),
            evidence,
        )
    if not ({"TLS 1.2", "TLS 1.3"} & set(accepted)):
        return Finding(
            NAME, "tls-version", Outcome.FAIL, say("TLS 1.2 / 1.3 で接続できません。"), evidence
        )
    return Finding(
        NAME,
        "tls-version",
        Outcome.PASS,
        say("受け付けるのは %(versions)s のみです。", versions="・".join(accepted)),
        evidence,
    )


def _sslv3() -> Finding:
    # Python's ssl cannot offer SSLv2/v3 at all; an external tool (sslyze) could.
    return Finding(
        NAME,
        "tls-version",
        Outcome.UNKNOWN,
        say("SSL 2.0 / 3.0 は標準の ssl モジュールでは検査できないため未確認です。"),
    )
