"""admin-interface-restriction: common administration paths that answer from outside: a warning (要確認),
since only the ward can say whether the address filter lets this scanner in."""

import secrets
from urllib.parse import urlsplit

from kakunin.scans.policy import Finding, Outcome, say

NAME = "admin"
CONTROLS = ["admin-interface-restriction"]
PATHS = ["/admin/", "/administrator/", "/wp-admin/", "/wp-login.php", "/phpmyadmin/", "/pma/", "/manager/html",
         "/adminer.php", "/console/", "/webadmin/", "/admin/login/"]  # fmt: skip


def like_missing(r, missing) -> bool:
    """The answer any unknown path gets here: the site's own "not found", or the
    login page every address leads to when one is not logged in."""
    if missing.status != 200:
        return False
    return (
        urlsplit(r.url).path == urlsplit(missing.url).path or r.body[:2000] == missing.body[:2000]
    )


def run(ctx) -> list[Finding]:
    missing, _chain = ctx.session.follow(f"{ctx.base}/kakunin-{secrets.token_hex(6)}/", limit=2)
    reachable, evidence = [], [missing.evidence()]
    for path in PATHS:
        r, _chain = ctx.session.follow(ctx.base + path, limit=2)
        if r.status in (200, 401) and not like_missing(r, missing):
            reachable.append(f"{path}（{r.status}）")
            evidence.append(r.evidence())
    if reachable:
        return [
            Finding(
                NAME,
                "admin-interface-restriction",
                Outcome.REVIEW,
                say(
                    "管理用と思われる画面が外部から応答します: %(paths)s。アクセス元の制限を確認してください。",
                    paths=", ".join(reachable),
                ),
                evidence,
            )
        ]
    return [
        Finding(
            NAME,
            "admin-interface-restriction",
            Outcome.PASS,
            say("よく使われる管理用パス（%(n)s 件）は外部から応答しません。", n=len(PATHS)),
            evidence,
        )
    ]
