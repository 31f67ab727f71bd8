"""server-certificate: a certificate that raises no warning: a valid chain (system trust store,
or the CA bundle the ward configures), the right host name, not expired (a
warning under 30 days); key size and signature algorithm reported."""

import datetime
import socket
import ssl

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.conf import settings

from kakunin.core.times import local
from kakunin.scans.policy import Finding, Outcome, Text, say

NAME = "certificate"
NEEDS_HTTP = False
CONTROL = "server-certificate"
CONTROLS = [CONTROL]
WEAK_SIGNATURES = ("md5", "sha1")


def _connect(ctx, context: ssl.SSLContext):
    raw = socket.create_connection((ctx.address, ctx.target.port), timeout=ctx.clock.timeout())
    return context.wrap_socket(raw, server_hostname=ctx.target.host)


def key_kind(key) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}"
    return type(key).__name__.removesuffix("PublicKey")


def fetch(ctx) -> x509.Certificate:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with _connect(ctx, context) as tls:
        return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))


def verify(ctx) -> tuple[bool, str]:
    """Whether a browser-like client accepts the chain and the name."""
    bundle = ctx.target.ca_bundle or settings.SCAN_CA_BUNDLE or None
    context = ssl.create_default_context(cafile=bundle)
    try:
        with _connect(ctx, context):
            return True, "検証成功（チェーン・ホスト名）"
    except ssl.SSLCertVerificationError as exc:
        return False, f"{exc.verify_message}（code {exc.verify_code}）"


def run(ctx) -> list[Finding]:
    if not ctx.https:
        return [
            Finding(NAME, CONTROL, Outcome.FAIL, say("HTTPS ではないため、証明書がありません。"))
        ]
    ctx.clock.pace()
    try:
        cert = fetch(ctx)
    except (OSError, ssl.SSLError, ValueError) as exc:
        return [
            Finding(
                NAME,
                CONTROL,
                Outcome.UNKNOWN,
                say("証明書を取得できませんでした（%(error)s）。", error=type(exc).__name__),
            )
        ]
    ok, detail = verify(ctx)
    now = datetime.datetime.now(datetime.UTC)
    expires = cert.not_valid_after_utc
    key = cert.public_key()
    key_size = getattr(key, "key_size", 0)
    algorithm = cert.signature_hash_algorithm.name if cert.signature_hash_algorithm else "unknown"
    evidence = [
        {
            "subject": cert.subject.rfc4514_string(),
            "issuer": cert.issuer.rfc4514_string(),
            "not_before": cert.not_valid_before_utc.isoformat(),
            "not_after": expires.isoformat(),
            "key": f"{key_kind(key)} {key_size}",
            "signature_hash": algorithm,
            "verification": detail,
            "host": ctx.target.host,
            "at": now.isoformat(timespec="seconds"),
        }
    ]
    problems, warnings = [], []
    if not ok:
        problems.append(say("ブラウザで警告が出ます: ") + Text.of(detail))
    if expires < now:
        problems.append(say("有効期限切れ（%(date)s）", date=local(expires, "%Y-%m-%d")))
    elif expires - now < datetime.timedelta(days=settings.SCAN_CERT_WARNING_DAYS):
        warnings.append(
            say(
                "有効期限まで%(days)s日（%(date)s）",
                days=(expires - now).days,
                date=local(expires, "%Y-%m-%d"),
            )
        )
    if (isinstance(key, rsa.RSAPublicKey) and key_size < 2048) or (
        isinstance(key, ec.EllipticCurvePublicKey) and key_size < 256
    ):
        problems.append(say("鍵長が不足（%(bits)s bit）", bits=key_size))
    if algorithm.lower() in WEAK_SIGNATURES:
        problems.append(say("弱い署名アルゴリズム（%(algorithm)s）", algorithm=algorithm))
    facts = say(
        "鍵 %(key)s bit、署名 %(algorithm)s、有効期限 %(date)s",
        key=evidence[0]["key"],
        algorithm=algorithm,
        date=local(expires, "%Y-%m-%d"),
    )
    if problems:
        summary = say("、").join(problems) + say("。") + facts
        return [Finding(NAME, CONTROL, Outcome.FAIL, summary, evidence)]
    if warnings:
        summary = say("、").join(warnings) + say("。") + facts
        return [Finding(NAME, CONTROL, Outcome.REVIEW, summary, evidence)]
    return [Finding(NAME, CONTROL, Outcome.PASS, say("警告の出ない証明書です。") + facts, evidence)]
