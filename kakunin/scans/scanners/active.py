"""Active checks, run only under a recorded authorisation, with its test account:

- 50: after logout, the old session cookie no longer opens a page;
- 43: the login message is the same for an unknown user and a wrong password;
- 45: after 10 wrong passwords, the right one is refused (the account stays
  locked afterwards; the summary says so).

They run in that order: once the account is locked, nothing else can log in.
"""

import re
import secrets
from http.cookies import SimpleCookie
from urllib.parse import urljoin, urlsplit

from kakunin.scans.crawl import parse
from kakunin.scans.policy import Finding, Outcome, say

NAME = "active"
CONTROLS = ["login-error-message", "account-lockout", "session-termination"]
ATTEMPTS = 10
TOKEN = re.compile(r"[A-Za-z0-9_\-+/=]{20,}")
TAGS = re.compile(r"<[^>]+>")


class Browser:
    """A cookie jar and the scan's session: just enough to log in through a form."""

    def __init__(self, ctx):
        self.ctx, self.cookies = ctx, {}

    def request(self, method, url, data=None, referer=None):
        headers = {"Referer": referer} if referer else {}
        r = self.ctx.session.request(
            method, url, data=data, cookies=dict(self.cookies), headers=headers
        )
        for header in r.header_all("set-cookie"):
            cookie = SimpleCookie()
            try:
                cookie.load(header)
            except Exception:  # noqa: S112 (a malformed cookie is simply not kept)
                continue
            for name, morsel in cookie.items():
                if morsel.value and not morsel["max-age"] == "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return r

    def get(self, url, follow=True):
        r = self.request("GET", url)
        hops = 0
        while follow and r.status in (301, 302, 303, 307, 308) and hops < 5:
            target = urljoin(url, r.header("location"))
            if (urlsplit(target).hostname or "").lower() not in self.ctx.session.allowed_hosts:
                break
            url, r, hops = target, self.request("GET", target), hops + 1
        return r

    def login(self, username: str, password: str):
        """Submit the login form. Returns (the response, the form page's URL)."""
        auth = self.ctx.authorisation
        page = self.get(auth.login_url)
        form = next((f for f in parse(page).forms if f.has_password), None)
        if form is None:
            raise LookupError("ログイン画面にパスワード入力欄が見つかりません。")
        data, user_field = {}, None
        for field in form.inputs:
            if field["type"] == "password":
                data[field["name"]] = password
            elif field["type"] in ("text", "email") and user_field is None:
                user_field = field["name"]
                data[user_field] = username
            elif field["type"] == "hidden":
                data[field["name"]] = field["value"]
        return self.request("POST", form.action, data=data, referer=page.url), page.url


def logged_in(r) -> bool:
    """Past the login: redirected somewhere, or a page without a password field."""
    if r.status in (301, 302, 303):
        return "login" not in r.header("location").lower()
    return r.status == 200 and not any(f.has_password for f in parse(r).forms)


def message_of(r) -> str:
    """The page's text without markup, tokens and what we typed, to compare messages."""
    text = TAGS.sub(" ", r.text)
    text = TOKEN.sub("", text)
    return " ".join(text.split())


def run(ctx) -> list[Finding]:
    auth = ctx.authorisation
    if auth is None or not auth.allows(ctx.target.url):
        return [
            Finding(
                NAME,
                control,
                Outcome.UNKNOWN,
                say("能動的な検査の許可がない（または期間外・対象外）ため実施していません。"),
            )
            for control in CONTROLS
        ]
    return [_logout_replay(ctx), _login_message(ctx), _lockout(ctx)]


def _logout_replay(ctx) -> Finding:
    browser = Browser(ctx)
    r, _form_url = browser.login(ctx.authorisation.username, ctx.authorisation.password)
    evidence = [r.evidence()]
    if not logged_in(r):
        return Finding(
            NAME,
            "session-termination",
            Outcome.UNKNOWN,
            say("検査用アカウントでログインできませんでした。"),
            evidence,
        )
    landing = urljoin(r.url, r.header("location")) if r.header("location") else r.url
    page = browser.get(landing)
    old = dict(browser.cookies)
    logout = next((f for f in parse(page).forms if "logout" in f.action.lower()), None)
    if logout is not None:
        data = {i["name"]: i["value"] for i in logout.inputs if i["type"] == "hidden"}
        out = browser.request("POST", logout.action, data=data, referer=page.url)
    elif ctx.authorisation.logout_url:
        out = browser.get(ctx.authorisation.logout_url)
    else:
        return Finding(
            NAME,
            "session-termination",
            Outcome.UNKNOWN,
            say("ログアウトの方法が見つかりません。"),
            evidence,
        )
    replay = Browser(ctx)
    replay.cookies = old
    again = replay.get(landing)
    evidence += [out.evidence(), again.evidence()]
    if logged_in(again) and again.status == 200:
        return Finding(
            NAME,
            "session-termination",
            Outcome.FAIL,
            say(
                "ログアウト後も古いセッション Cookie で画面が開けます（サーバ側でセッションが破棄されていません）。"
            ),
            evidence,
        )
    return Finding(
        NAME,
        "session-termination",
        Outcome.PASS,
        say("ログアウト後、古いセッション Cookie は使えません。"),
        evidence,
    )


def _login_message(ctx) -> Finding:
    wrong = "Wrong-" + secrets.token_hex(8)
    unknown, _ = Browser(ctx).login("kakunin-scan-" + secrets.token_hex(6), wrong)
    bad_password, _ = Browser(ctx).login(ctx.authorisation.username, wrong)
    a = message_of(unknown).replace(ctx.authorisation.username, "")
    b = message_of(bad_password).replace(ctx.authorisation.username, "")
    evidence = [unknown.evidence(), bad_password.evidence()]
    if unknown.status != bad_password.status or a != b:
        return Finding(
            NAME,
            "login-error-message",
            Outcome.FAIL,
            say("存在しないユーザIDと誤ったパスワードで、異なる応答を返します。"),
            evidence,
        )
    return Finding(
        NAME,
        "login-error-message",
        Outcome.PASS,
        say("存在しないユーザIDと誤ったパスワードで、同じメッセージを返します。"),
        evidence,
    )


def _lockout(ctx) -> Finding:
    auth = ctx.authorisation
    evidence = []
    for _ in range(ATTEMPTS):
        r, _ = Browser(ctx).login(auth.username, "Wrong-" + secrets.token_hex(8))
        evidence.append(r.evidence())
    r, _ = Browser(ctx).login(auth.username, auth.password)
    evidence.append(r.evidence())
    if logged_in(r):
        return Finding(
            NAME,
            "account-lockout",
            Outcome.FAIL,
            say(
                "%(n)s 回失敗した後も、正しいパスワードでログインできます（アカウントロックがありません）。",
                n=ATTEMPTS,
            ),
            evidence,
        )
    return Finding(
        NAME,
        "account-lockout",
        Outcome.PASS,
        say(
            "%(n)s 回失敗した後、正しいパスワードでもログインできません。検査用アカウントはロックされたままです。",
            n=ATTEMPTS,
        ),
        evidence,
    )
