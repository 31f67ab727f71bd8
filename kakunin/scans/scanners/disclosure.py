"""version-hiding: no version in what the server says (headers, a 404 page, the answer
to a malformed request). error-disclosure: no stack traces or debug pages in errors."""

import re
import secrets

from kakunin.scans.policy import Finding, Outcome, Text, say

NAME = "disclosure"
CONTROLS = ["version-hiding", "error-disclosure"]
VERSION_HEADERS = (
    "server",
    "x-powered-by",
    "x-aspnet-version",
    "x-aspnetmvc-version",
    "x-generator",
    "x-runtime",
    "x-version",
)
PRODUCT_VERSION = re.compile(
    r"\b(nginx|apache|microsoft-iis|iis|tomcat|jetty|php|openssl|python|werkzeug|gunicorn|express|"
    r"django|rails|asp\.net|lighttpd|caddy|openresty|node\.js|jboss|wildfly|weblogic)[/ ]v?\d+(\.\d+)+",
    re.IGNORECASE,
)
DEBUG_PAGE = re.compile(
    r"Traceback \(most recent call last\)|Stack ?trace|at [a-z]+(\.[a-zA-Z_$]+)+\([A-Za-z]+\.java:\d+\)|"
    r"You're seeing this error because you have <code>DEBUG = True|Whoops, looks like something went wrong|"
    r"Fatal error</b>:|Warning</b>:.* on line|SQLSTATE\[|ORA-\d{5}|Microsoft OLE DB|"
    r"Server Error in '/' Application|java\.lang\.\w+Exception|NullPointerException|Exception Details:",
    re.IGNORECASE,
)


def probes(ctx):
    """The error answers: a missing page, a malformed request, an odd parameter."""
    missing = ctx.session.get(f"{ctx.base}/kakunin-{secrets.token_hex(6)}.html")
    malformed = ctx.session.send_bytes(
        ctx.base + "/", b"GET /%zz HTTP/1.1\r\nHost: \r\nX-Bad header\r\n\r\n"
    )
    odd = ctx.session.get(f"{ctx.base}/?id=%27%22%3C{secrets.token_hex(3)}")
    return [missing, malformed, odd]


def run(ctx) -> list[Finding]:
    errors = probes(ctx)
    responses = [p.response for p in ctx.pages[:5]] + errors
    return [_versions(responses), _debug(errors)]


def _versions(responses) -> Finding:
    leaks = []
    for r in responses:
        for name in VERSION_HEADERS:
            value = r.header(name)
            if value and (re.search(r"\d", value) or name != "server"):
                leaks.append(Text.of(f"{r.url}: {name}: {value}"))
        if match := PRODUCT_VERSION.search(r.text[:20000]):
            leaks.append(say("%(url)s（本文）: %(found)s", url=r.url, found=match.group(0)))
    evidence = [r.evidence() for r in responses]
    if leaks:
        return Finding(
            NAME,
            "version-hiding",
            Outcome.FAIL,
            say("バージョン等が外部に出力されています: ")
            + Text.of(" / ").join(list(dict.fromkeys(leaks))),
            evidence,
        )
    if all(r.status is None for r in responses):
        return Finding(
            NAME, "version-hiding", Outcome.UNKNOWN, say("応答を得られませんでした。"), evidence
        )
    return Finding(
        NAME,
        "version-hiding",
        Outcome.PASS,
        say("ヘッダ・エラー画面にバージョン情報はありません。"),
        evidence,
    )


def _debug(errors) -> Finding:
    evidence = [r.evidence() for r in errors]
    found = [
        f"{r.url}: {m.group(0)[:60]}" for r in errors if (m := DEBUG_PAGE.search(r.text[:50000]))
    ]
    if found:
        return Finding(
            NAME,
            "error-disclosure",
            Outcome.FAIL,
            say("詳細なエラー内容が表示されます: ") + Text.of(" / ".join(found)),
            evidence,
        )
    if all(r.status is None for r in errors):
        return Finding(
            NAME,
            "error-disclosure",
            Outcome.UNKNOWN,
            say("エラー応答を得られませんでした。"),
            evidence,
        )
    return Finding(
        NAME,
        "error-disclosure",
        Outcome.PASS,
        say("エラー画面にスタックトレース等はありません。"),
        evidence,
    )
