"""What the crawled pages show: session IDs in URLs (47), cookies (48), the charset
(54), framing (57), credentials in URLs (58①), password inputs (42②)."""

import re
from urllib.parse import parse_qsl, urlsplit

from kakunin.scans.crawl import PASSWORD_NAME
from kakunin.scans.policy import Finding, Verdict

NAME = "pages"
ITEMS = [42, 47, 48, 54, 57, 58]
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
            47,
            Verdict.FAIL,
            "URL にセッションIDが含まれます: " + ", ".join(sorted(found)[:5]),
            evidence,
        )
    return Finding(
        NAME,
        47,
        Verdict.PASS,
        f"URL にセッションIDは見当たりません（{len(ctx.pages)} ページ）。",
        evidence,
    )


def _cookies(ctx, evidence) -> Finding:
    fails, reviews, seen = [], [], {}
    for page in ctx.pages:
        for header in page.response.header_all("set-cookie"):
            name = header.split("=", 1)[0].strip()
            attrs = {a.strip().split("=")[0].lower() for a in header.split(";")[1:]}
            seen[name] = header
            if ctx.https and "secure" not in attrs:
                fails.append(f"{name}: Secure なし")
            if "httponly" not in attrs:
                (fails if SESSION_COOKIE.search(name) else reviews).append(f"{name}: HttpOnly なし")
            if "samesite" not in attrs:
                reviews.append(f"{name}: SameSite なし")
    ev = [*evidence, {"set-cookie": list(seen.values())}]
    if fails:
        return Finding(
            NAME,
            48,
            Verdict.FAIL,
            "Cookie の属性が不足しています: " + ", ".join(dict.fromkeys(fails)),
            ev,
        )
    if reviews:
        return Finding(
            NAME,
            48,
            Verdict.REVIEW,
            "Cookie の属性を確認してください: " + ", ".join(dict.fromkeys(reviews)),
            ev,
        )
    if not seen:
        return Finding(
            NAME, 48, Verdict.PASS, "未ログインの画面では Cookie を発行していません。", ev
        )
    return Finding(
        NAME,
        48,
        Verdict.PASS,
        f"Cookie（{', '.join(seen)}）に Secure・HttpOnly・SameSite があります。",
        ev,
    )


def _html(ctx):
    return [p for p in ctx.pages if p.response.status == 200 and p.response.is_html]


def _every_html_page(ctx, evidence, item: int, ok, missing: str, passed: str) -> Finding:
    """Item `item` passes when every HTML page the crawl found is `ok`."""
    pages = _html(ctx)
    lacking = [p.url for p in pages if not ok(p.response)]
    if lacking:
        return Finding(NAME, item, Verdict.FAIL, f"{missing}: " + ", ".join(lacking[:3]), evidence)
    if not pages:
        return Finding(
            NAME, item, Verdict.UNKNOWN, "HTML のページを取得できませんでした。", evidence
        )
    return Finding(NAME, item, Verdict.PASS, passed, evidence)


def _charset(ctx, evidence) -> Finding:
    return _every_html_page(
        ctx, evidence, 54,
        lambda r: "charset=" in r.header("content-type").lower(),
        "Content-Type に charset がありません",
        "HTML の Content-Type に charset があります。",
    )  # fmt: skip


def _framing(ctx, evidence) -> Finding:
    def protected(r) -> bool:
        xfo = r.header("x-frame-options").strip().upper()
        csp = r.header("content-security-policy").lower()
        return xfo in ("DENY", "SAMEORIGIN") or "frame-ancestors" in csp

    return _every_html_page(
        ctx, evidence, 57, protected,
        "X-Frame-Options も CSP frame-ancestors もありません",
        "X-Frame-Options または CSP frame-ancestors があります。",
    )  # fmt: skip


def _credentials_in_url(ctx, evidence) -> Finding:
    found = [
        f"{f.action}（GET で送信するパスワード入力）"
        for p in ctx.pages
        for f in p.forms
        if f.asks_password and f.method == "get"
    ]
    found += [
        url
        for url in urls_of(ctx)
        if any(PASSWORD_PARAM.match(k) for k, _v in parse_qsl(urlsplit(url).query))
    ]
    if found:
        return Finding(
            NAME,
            58,
            Verdict.FAIL,
            "① URL にパスワード等が含まれます: " + ", ".join(dict.fromkeys(found)),
            evidence,
        )
    return Finding(NAME, 58, Verdict.PASS, "① URL にパスワード等は含まれません。", evidence)


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
            42,
            Verdict.FAIL,
            "② パスワードが画面に表示される入力欄があります: " + ", ".join(visible),
            evidence,
        )
    if not hidden:
        return Finding(
            NAME, 42, Verdict.UNKNOWN, "② パスワード入力欄が見つかりませんでした。", evidence
        )
    return Finding(NAME, 42, Verdict.PASS, "② パスワード入力欄は type=password です。", evidence)
