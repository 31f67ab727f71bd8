"""What the crawled pages show: session IDs in URLs (session-id-transport), cookies
(cookie-flags), the charset (xss), framing (clickjacking), credentials in URLs
(secrets-in-url), password inputs (password-masking)."""

import re
from urllib.parse import parse_qsl, urlsplit

from kakunin.scans.crawl import PASSWORD_NAME
from kakunin.scans.policy import Finding, Outcome, Text, say

NAME = "pages"
CONTROLS = [
    "password-masking",
    "session-id-transport",
    "cookie-flags",
    "xss",
    "clickjacking",
    "secrets-in-url",
]
SESSION_PARAM = re.compile(
    r"^(jsessionid|phpsessid|sid|sessionid|session_id|session|aspsessionid\w*|cfid|cftoken)$",
    re.IGNORECASE,
)
PASSWORD_PARAM = re.compile(r"^(password|passwd|pass|pwd|secret)$", re.IGNORECASE)
SESSION_COOKIE = re.compile(r"sess|sid|token|auth|login", re.IGNORECASE)


def urls_of(ctx):
    """Every URL the site showed us: pages, their links and form targets, redirects."""
    for page in ctx.pages:
        yield page.url
        yield from page.links
        yield from (f.action for f in page.forms)
        if location := page.response.header("location"):
            yield location


def run(ctx) -> list[Finding]:
    evidence = [p.response.evidence() for p in ctx.pages[:10]]
    return [
        _session_in_url(ctx, evidence),
        _cookies(ctx, evidence),
        _charset(ctx, evidence),
        _framing(ctx, evidence),
        _credentials_in_url(ctx, evidence),
        _password_inputs(ctx, evidence),
    ]


def _session_in_url(ctx, evidence) -> Finding:
    found = set()
    for url in urls_of(ctx):
        if ";jsessionid=" in url.lower():
            found.add(url)
        found.update(url for k, _v in parse_qsl(urlsplit(url).query) if SESSION_PARAM.match(k))
    if found:
        return Finding(
            NAME,
            "session-id-transport",
            Outcome.FAIL,
            say("URL にセッションIDが含まれます: ") + Text.of(", ".join(sorted(found)[:5])),
            evidence,
        )
    return Finding(
        NAME,
        "session-id-transport",
        Outcome.PASS,
        say("URL にセッションIDは見当たりません（%(n)s ページ）。", n=len(ctx.pages)),
        evidence,
    )


FLAGS = ("Secure", "HttpOnly", "SameSite")


def _cookies(ctx, evidence) -> Finding:
    """cookie-flags. The summary names, cookie by cookie, the flags it really carries (it once
    said 「Secure・HttpOnly・SameSite」 of a cookie without Secure, over plain HTTP)."""
    fails: list[Text] = []
    reviews: list[Text] = []
    seen: dict[str, tuple[str, list[str]]] = {}
    for page in ctx.pages:
        for header in page.response.header_all("set-cookie"):
            name = header.split("=", 1)[0].strip()
            attrs = {a.strip().split("=")[0].lower() for a in header.split(";")[1:]}
            seen[name] = (header, [f for f in FLAGS if f.lower() in attrs])
            if ctx.https and "secure" not in attrs:
                fails.append(say("%(name)s: Secure なし", name=name))
            if "httponly" not in attrs:
                missing = say("%(name)s: HttpOnly なし", name=name)
                (fails if SESSION_COOKIE.search(name) else reviews).append(missing)
            if "samesite" not in attrs:
                reviews.append(say("%(name)s: SameSite なし", name=name))
    ev = [*evidence, {"set-cookie": [header for header, _flags in seen.values()]}]
    if fails:
        return Finding(
            NAME,
            "cookie-flags",
            Outcome.FAIL,
            say("Cookie の属性が不足しています: ") + say(", ").join(list(dict.fromkeys(fails))),
            ev,
        )
    if reviews:
        return Finding(
            NAME,
            "cookie-flags",
            Outcome.REVIEW,
            say("Cookie の属性を確認してください: ") + say(", ").join(list(dict.fromkeys(reviews))),
            ev,
        )
    if not seen:
        return Finding(
            NAME,
            "cookie-flags",
            Outcome.PASS,
            say("未ログインの画面では Cookie を発行していません。"),
            ev,
        )
    carried = say(", ").join(
        [Text.of(f"{name}（{'・'.join(flags)}）") for name, (_h, flags) in seen.items()]
    )
    summary = say("Cookie の属性: ") + carried + say("。")
    if not ctx.https:
        summary = summary + say("HTTP のため Secure は求めていません。")
    return Finding(NAME, "cookie-flags", Outcome.PASS, summary, ev)


def _html(ctx):
    return [p for p in ctx.pages if p.response.status == 200 and p.response.is_html]


def _every_html_page(ctx, evidence, control: str, ok, missing: Text, passed: Text) -> Finding:
    """Control `control` passes when every HTML page the crawl found is `ok`."""
    pages = _html(ctx)
    lacking = [p.url for p in pages if not ok(p.response)]
    if lacking:
        summary = missing + Text.of(": " + ", ".join(lacking[:3]))
        return Finding(NAME, control, Outcome.FAIL, summary, evidence)
    if not pages:
        return Finding(
            NAME, control, Outcome.UNKNOWN, say("HTML のページを取得できませんでした。"), evidence
        )
    return Finding(NAME, control, Outcome.PASS, passed, evidence)


def _charset(ctx, evidence) -> Finding:
    return _every_html_page(
        ctx, evidence, "xss",
        lambda r: "charset=" in r.header("content-type").lower(),
        say("Content-Type に charset がありません"),
        say("HTML の Content-Type に charset があります。"),
    )  # fmt: skip


def _framing(ctx, evidence) -> Finding:
    def protected(r) -> bool:
        xfo = r.header("x-frame-options").strip().upper()
        csp = r.header("content-security-policy").lower()
        return xfo in ("DENY", "SAMEORIGIN") or "frame-ancestors" in csp

    return _every_html_page(
        ctx, evidence, "clickjacking", protected,
        say("X-Frame-Options も CSP frame-ancestors もありません"),
        say("X-Frame-Options または CSP frame-ancestors があります。"),
    )  # fmt: skip


def _credentials_in_url(ctx, evidence) -> Finding:
    found = [
        say("%(url)s（GET で送信するパスワード入力）", url=f.action)
        for p in ctx.pages
        for f in p.forms
        if f.asks_password and f.method == "get"
    ]
    found += [
        Text.of(url)
        for url in urls_of(ctx)
        if any(PASSWORD_PARAM.match(k) for k, _v in parse_qsl(urlsplit(url).query))
    ]
    if found:
        return Finding(
            NAME,
            "secrets-in-url",
            Outcome.FAIL,
            say("URL にパスワード等が含まれます: ") + say(", ").join(list(dict.fromkeys(found))),
            evidence,
        )
    return Finding(
        NAME, "secrets-in-url", Outcome.PASS, say("URL にパスワード等は含まれません。"), evidence
    )


def _password_inputs(ctx, evidence) -> Finding:
    fields = [(p.url, i) for p in ctx.pages for f in p.forms for i in f.inputs]
    visible = [
        f"{url}: {i['name']}（type={i['type']}）"
        for url, i in fields
        if PASSWORD_NAME.search(i["name"])
        and i["type"] in ("text", "search", "email", "tel", "url")
    ]
    hidden = [url for url, i in fields if i["type"] == "password"]
    if visible:
        return Finding(
            NAME,
            "password-masking",
            Outcome.FAIL,
            say("パスワードが画面に表示される入力欄があります: ") + Text.of(", ".join(visible)),
            evidence,
        )
    if not hidden:
        return Finding(
            NAME,
            "password-masking",
            Outcome.UNKNOWN,
            say("パスワード入力欄が見つかりませんでした。"),
            evidence,
        )
    return Finding(
        NAME,
        "password-masking",
        Outcome.PASS,
        say("パスワード入力欄は type=password です。"),
        evidence,
    )
