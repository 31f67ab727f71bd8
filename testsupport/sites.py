"""The nginx configurations the scanner is tested and benchmarked against, each
with the verdicts it must get. One nginx serves them all, each on its own
loopback ports, with certificates from a throwaway CA.

The "hardened" site passes every passive check; each other site differs from it
in one way, and so fails (or cannot be checked on) the item that way concerns.
"""

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from kakunin.scans.engine import Target
from kakunin.scans.policy import Outcome
from testsupport.servers import Authority, Nginx, Silent, free_ports, temporary_directory, wait_for

P, F, R, U = Outcome.PASS, Outcome.FAIL, Outcome.REVIEW, Outcome.UNKNOWN

HARDENED = {
    "port-filtering": P,
    "version-hiding": P,
    "unpublished-files": P,
    "admin-interface-restriction": P,
    "password-masking": P,
    "session-id-transport": P,
    "cookie-flags": P,
    "xss": P,
    "clickjacking": P,
    "secrets-in-url": P,
    "error-disclosure": P,
    "https": P,
    "server-certificate": P,
    "tls-version": P,
}

PAGES = {
    "index.html": '<!doctype html><html lang="ja"><head><title>テスト</title></head><body>'
    '<a href="/about.html">概要</a> <a href="/login.html">ログイン</a> <a href="/files/report.txt">資料</a>'
    "</body></html>",
    "about.html": '<!doctype html><html lang="ja"><head><title>概要</title></head><body><a href="/">戻る</a></body></html>',
    "login.html": '<!doctype html><html lang="ja"><head><title>ログイン</title></head><body>'
    '<form method="post" action="/login"><input name="username" type="text">'
    '<input name="password" type="password"><button>ログイン</button></form></body></html>',
    "files/report.txt": "report\n",
    "trace.html": "<html><body><h1>Server Error</h1><pre>Traceback (most recent call last):\n"
    "  File \"/srv/app/views.py\", line 12, in index\nKeyError: 'id'</pre></body></html>",
}
EXPOSED = {".git/HEAD": "ref: refs/heads/main\n", ".env": "DATABASE_PASSWORD=secret\n"}
# An old-style application: the session ID in links, a login form that sends the
# password by GET, in a field that shows it.
LEGACY = {
    "index.html": '<!doctype html><html lang="ja"><head><title>旧システム</title></head><body>'
    '<a href="/menu.html;jsessionid=0A1B2C3D4E">メニュー</a> <a href="/login.html?PHPSESSID=abc123">ログイン</a>'
    "</body></html>",
    "login.html": '<!doctype html><html lang="ja"><head><title>ログイン</title></head><body>'
    '<form method="get" action="/login"><input name="userid" type="text">'
    '<input name="password" type="text"><button>ログイン</button></form></body></html>',
}


@dataclass
class Site:
    name: str
    about: str  # what differs from the hardened site
    expected: dict[str, Outcome]
    tls: str = "ssl_protocols TLSv1.2 TLSv1.3;"
    tokens: str = "server_tokens off;"
    frame: str = "add_header X-Frame-Options DENY always;"
    cookie: str = "sessionid=abc123; Path=/; Secure; HttpOnly; SameSite=Lax"
    http: str = "redirect"  # or "plain": the site itself on HTTP
    cert: dict = field(default_factory=dict)  # Authority.issue() arguments
    extra: str = ""
    root: str = "site"
    https_port: int = 0
    http_port: int = 0

    @property
    def url(self) -> str:
        return f"https://localhost:{self.https_port}/"

    def target(self, ca_bundle: str, **kwargs) -> Target:
        return Target(
            self.url,
            ports=[self.https_port, self.http_port],
            ca_bundle=ca_bundle,
            http_port=self.http_port,
            **kwargs,
        )


def sites() -> list[Site]:
    return [
        Site(
            "hardened",
            "TLS 1.2/1.3 のみ・server_tokens off・HSTS・X-Frame-Options・安全な Cookie",
            HARDENED,
        ),
        Site(
            "tls10",
            "TLS 1.0/1.1 も有効（ssl_ciphers DEFAULT:@SECLEVEL=0）",
            HARDENED | {"tls-version": F},
            tls="ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3; ssl_ciphers DEFAULT:@SECLEVEL=0;",
        ),
        Site(
            "server-tokens",
            "server_tokens on",
            HARDENED | {"version-hiding": F},
            tokens="server_tokens on;",
        ),
        Site(
            "autoindex",
            "/files/ で autoindex on",
            HARDENED | {"unpublished-files": F},
            extra="location /files/ { autoindex on; }",
        ),
        Site("no-xfo", "X-Frame-Options なし", HARDENED | {"clickjacking": F}, frame=""),
        Site(
            "cookie-no-secure",
            "Secure のない Cookie",
            HARDENED | {"cookie-flags": F},
            cookie="sessionid=abc123; Path=/; HttpOnly; SameSite=Lax",
        ),
        Site("http-plain", "HTTP でも転送せずに応答", HARDENED | {"https": F}, http="plain"),
        Site(
            "expired",
            "有効期限切れの証明書",
            HARDENED | {"server-certificate": F},
            cert={"days_from": -400, "days_to": -1},
        ),
        Site(
            "wrong-host",
            "別のホスト名の証明書",
            HARDENED | {"server-certificate": F},
            cert={"names": ("www.example.org",)},
        ),
        Site(
            "expiring",
            "残り10日の証明書",
            HARDENED | {"server-certificate": R},
            cert={"days_to": 10},
        ),
        Site(
            "debug-errors",
            "404 にスタックトレース",
            HARDENED | {"error-disclosure": F},
            extra="error_page 404 /trace.html;",
        ),
        Site(
            "exposed-files",
            "/.git/HEAD と /.env が公開",
            HARDENED | {"unpublished-files": F},
            root="exposed",
        ),
        Site(
            "legacy-app",
            "URL にセッションID、GET で送るパスワード、type=text のパスワード欄",
            HARDENED | {"password-masking": F, "session-id-transport": F, "secrets-in-url": F},
            root="legacy",
        ),
        Site(
            "hanging",
            "応答しない上流（proxy_pass）",
            # The handshake and the ports answer; nothing that needs an HTTP answer can be judged.
            {
                "port-filtering": P,
                "version-hiding": U,
                "unpublished-files": U,
                "admin-interface-restriction": U,
                "password-masking": U,
                "session-id-transport": U,
                "cookie-flags": U,
                "xss": U,
                "clickjacking": U,
                "secrets-in-url": U,
                "error-disclosure": U,
                "https": U,
                "server-certificate": P,
                "tls-version": P,
            },
            extra="location / { proxy_pass http://127.0.0.1:{silent}; proxy_read_timeout 300s; }",
        ),
    ]


def server_blocks(site: Site, cert: Path, key: Path, directory: Path, silent: int) -> str:
    https = f"""
server {{
    listen 127.0.0.1:{site.https_port} ssl;
    server_name localhost;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    {site.tls}
    {site.tokens}
    charset utf-8;
    root {directory / site.root};
    add_header Strict-Transport-Security "max-age=31536000" always;
    {site.frame}
    add_header Set-Cookie "{site.cookie}" always;
    {site.extra.replace("{silent}", str(silent))}
}}
"""
    if site.http == "plain":
        http = f"""
server {{
    listen 127.0.0.1:{site.http_port};
    server_tokens off;
    charset utf-8;
    root {directory / site.root};
}}
"""
    else:
        http = f"""
server {{
    listen 127.0.0.1:{site.http_port};
    server_tokens off;
    return 301 https://localhost:{site.https_port}$request_uri;
}}
"""
    return https + http


# A site with more pages than a scan crawls (the benchmark's: 20 pages crawled).
BIG = {"index.html": "<!doctype html><html lang=\"ja\"><head><title>大きなサイト</title></head><body>"
       + '<a href="/login.html">ログイン</a> ' + " ".join(f'<a href="/p{i}.html">{i}</a>' for i in range(1, 31)) + "</body></html>"}  # fmt: skip
BIG |= {
    f"p{i}.html": f'<!doctype html><html lang="ja"><head><title>{i}</title></head><body><a href="/">戻る</a></body></html>'
    for i in range(1, 31)
}


class SiteFarm:
    """Start every site (or those named, plus `extra` ones) on one nginx; stop() ends it."""

    def __init__(self, directory: Path, names=None, extra=()):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.ca = Authority(directory)

        roots = {
            "site": PAGES,
            "exposed": PAGES | EXPOSED,
            "legacy": PAGES | LEGACY,
            "big": PAGES | BIG,
        }
        for root, pages in roots.items():
            for name, text in pages.items():
                path = directory / root / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
        self.sites = {s.name: s for s in sites() if names is None or s.name in names}
        self.sites |= {s.name: s for s in extra}
        # Every port different: a site's HTTPS port must never be another's HTTP port.
        ports = iter(free_ports(2 * len(self.sites) + 1))
        self.silent = Silent(next(ports))
        blocks = []
        for site in self.sites.values():
            site.https_port, site.http_port = next(ports), next(ports)
            cert, key = self.ca.issue(site.name, **site.cert)
            blocks.append(server_blocks(site, cert, key, directory, self.silent.port))
        self.nginx = Nginx(directory, "".join(blocks))
        for site in self.sites.values():
            wait_for(site.https_port)

    def __getitem__(self, name: str) -> Site:
        return self.sites[name]

    def target(self, name: str, **kwargs) -> Target:
        return self.sites[name].target(str(self.ca.path), **kwargs)

    def stop(self):
        self.nginx.stop()
        self.silent.stop()


def farm_for(test_class, names=None, extra=()) -> SiteFarm:
    """A farm for a test class (from setUpClass): stopped, and its files removed, after it."""
    directory = temporary_directory("kakunin-sites-")
    farm = SiteFarm(directory, names=names, extra=extra)
    test_class.addClassCleanup(shutil.rmtree, directory, ignore_errors=True)
    test_class.addClassCleanup(farm.stop)
    return farm
