"""unpublished-files: no directory listings on the crawled folders, and none of a small,
polite list of files that should never be public."""

import secrets
from urllib.parse import urlsplit

from kakunin.scans.policy import Finding, Outcome, say

NAME = "files"
CONTROLS = ["unpublished-files"]
LISTING = (
    "<title>Index of /",
    "<h1>Index of /",
    "Directory listing for /",
    "[To Parent Directory]",
    "Parent Directory</a>",
)
# (path, what its content shows when it is really there)
SENSITIVE = [
    ("/.git/HEAD", "ref: refs/"),
    ("/.git/config", "[core]"),
    ("/.env", "="),
    ("/.htaccess", ""),
    ("/.svn/entries", ""),
    ("/.DS_Store", "Bud1"),
    ("/server-status", "Server Status"),
    ("/server-info", "Server Information"),
    ("/phpinfo.php", "PHP Version"),
    ("/info.php", "PHP Version"),
    ("/index.php.bak", ""),
    ("/index.html.bak", ""),
    ("/web.config", "<configuration"),
    ("/WEB-INF/web.xml", "<web-app"),
    ("/backup.zip", "PK"),
    ("/database.sql", "CREATE TABLE"),
]
COMMON_DIRS = [
    "/static/",
    "/images/",
    "/img/",
    "/css/",
    "/js/",
    "/uploads/",
    "/files/",
    "/backup/",
    "/data/",
]


def baseline(ctx):
    """What a missing page looks like here (some sites answer 200 to anything)."""
    return ctx.session.get(f"{ctx.base}/kakunin-{secrets.token_hex(6)}")


def is_there(response, marker: str, missing) -> bool:
    if response.status != 200 or not response.body:
        return False
    if missing.status == 200 and response.body[:2000] == missing.body[:2000]:
        return False  # the site's own "not found" page
    return marker.encode() in response.body[:20000] if marker else True


def run(ctx) -> list[Finding]:
    missing = baseline(ctx)
    folders = {urlsplit(p.url).path.rsplit("/", 1)[0] + "/" for p in ctx.pages} | set(COMMON_DIRS)
    evidence, listings, exposed = [missing.evidence()], [], []
    for folder in sorted(folders)[:20]:
        r = ctx.session.get(ctx.base + folder)
        if r.status == 200 and any(marker in r.text[:5000] for marker in LISTING):
            listings.append(folder)
            evidence.append(r.evidence())
    for path, marker in SENSITIVE:
        r = ctx.session.get(ctx.base + path)
        if is_there(r, marker, missing):
            exposed.append(path)
            evidence.append(r.evidence())
    problems = []
    if listings:
        problems.append(
            say("ディレクトリの一覧が表示されます: %(paths)s", paths=", ".join(listings))
        )
    if exposed:
        problems.append(
            say("公開不要なファイルが取得できます: %(paths)s", paths=", ".join(exposed))
        )
    if problems:
        return [
            Finding(NAME, "unpublished-files", Outcome.FAIL, say("。").join(problems), evidence)
        ]
    return [
        Finding(
            NAME,
            "unpublished-files",
            Outcome.PASS,
            say(
                "一覧表示なし（%(folders)s フォルダ）、公開不要なファイルなし（%(files)s 件を確認）。",
                folders=len(folders),
                files=len(SENSITIVE),
            ),
            evidence,
        )
    ]
