"""https: HTTPS on every page: plain HTTP answers 301 or 308 to HTTPS for the
crawled pages, and HTTPS responses carry HSTS."""

from urllib.parse import urlsplit

from kakunin.scans.policy import Finding, Outcome, Text, say

NAME = "https"
CONTROLS = ["https"]
PAGES = 5


def run(ctx) -> list[Finding]:
    if not ctx.https:
        return [
            Finding(
                NAME,
                "https",
                Outcome.FAIL,
                say("対象の URL が HTTPS ではありません。"),
                [p.response.evidence() for p in ctx.pages[:1]],
            )
        ]
    return [_redirects(ctx), _hsts(ctx)]


def _redirects(ctx) -> Finding:
    port = ctx.target.plain_port
    if port is None:
        return Finding(
            NAME,
            "https",
            Outcome.UNKNOWN,
            say("HTTP のポートが分からないため、リダイレクトを確認していません。"),
        )
    suffix = "" if port == 80 else f":{port}"
    evidence, problems, closed = [], [], 0
    for page in ctx.pages[:PAGES]:
        parts = urlsplit(page.url)
        url = f"http://{ctx.target.host}{suffix}{parts.path or '/'}{'?' + parts.query if parts.query else ''}"
        r = ctx.session.get(url)
        evidence.append(r.evidence())
        if r.status is None:
            closed += 1
        elif r.status in (301, 308) and r.header("location").startswith(
            f"https://{ctx.target.host}"
        ):
            continue
        elif r.status in (302, 303, 307) and r.header("location").startswith("https://"):
            problems.append(
                (
                    "review",
                    say(
                        "%(url)s は一時的なリダイレクト（%(status)s）です", url=url, status=r.status
                    ),
                )
            )
        else:
            problems.append(
                (
                    "fail",
                    say("%(url)s が HTTP のまま応答します（%(status)s）", url=url, status=r.status),
                )
            )
    summary = say("。").join(m for _, m in problems) + say("。")
    if any(kind == "fail" for kind, _ in problems):
        return Finding(NAME, "https", Outcome.FAIL, summary, evidence)
    if problems:
        return Finding(NAME, "https", Outcome.REVIEW, summary, evidence)
    if closed == len(evidence):
        return Finding(
            NAME, "https", Outcome.PASS, say("HTTP では応答しません（HTTPS のみ）。"), evidence
        )
    return Finding(
        NAME, "https", Outcome.PASS, say("HTTP は 301/308 で HTTPS へ転送されます。"), evidence
    )


def _hsts(ctx) -> Finding:
    evidence = [p.response.evidence() for p in ctx.pages[:PAGES]]
    missing = [
        p.url
        for p in ctx.pages[:PAGES]
        if p.response.status and not p.response.header("strict-transport-security")
    ]
    if missing:
        return Finding(
            NAME,
            "https",
            Outcome.FAIL,
            say("HSTS ヘッダがありません: ") + Text.of(", ".join(missing[:3])),
            evidence,
        )
    if not any(p.response.status for p in ctx.pages):
        return Finding(
            NAME, "https", Outcome.UNKNOWN, say("HTTPS の応答を得られませんでした。"), evidence
        )
    return Finding(NAME, "https", Outcome.PASS, say("HSTS ヘッダがあります。"), evidence)
