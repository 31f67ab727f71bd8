"""A small, bounded crawl of the registered site: pages, their links and forms."""

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from kakunin.scans.http import Response, Session
from kakunin.scans.safety import OutOfTime, Refused, origin

SIDE_EFFECTS = re.compile(r"log-?out|sign-?out|delete|remove|destroy", re.IGNORECASE)
PASSWORD_NAME = re.compile(r"pass|pwd", re.IGNORECASE)


@dataclass
class Form:
    action: str
    method: str
    inputs: list[dict] = field(default_factory=list)  # {"name", "type"}

    @property
    def has_password(self) -> bool:
        return any(i["type"] == "password" for i in self.inputs)

    @property
    def asks_password(self) -> bool:
        """A password field, or a field named like one whatever its type."""
        return self.has_password or any(PASSWORD_NAME.search(i["name"]) for i in self.inputs)


class PageParser(HTMLParser):
    def __init__(self, base: str):
        super().__init__(convert_charrefs=True)
        self.base = base
        self.links: list[str] = []
        self.forms: list[Form] = []
        self.inputs_outside: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.base, a["href"]))
        elif tag == "form":
            action = urljoin(self.base, a.get("action") or self.base)
            self.forms.append(Form(action, (a.get("method") or "get").lower()))
        elif tag == "input":
            field_ = {
                "name": a.get("name", ""),
                "type": (a.get("type") or "text").lower(),
                "value": a.get("value", ""),
            }
            (self.forms[-1].inputs if self.forms else self.inputs_outside).append(field_)

    def handle_endtag(self, tag):
        pass


@dataclass
class Page:
    url: str
    response: Response
    links: list[str]
    forms: list[Form]
    depth: int


def parse(response: Response) -> PageParser:
    parser = PageParser(response.url)
    if response.is_html:
        try:
            parser.feed(response.text)
        except (AssertionError, ValueError):
            pass  # malformed HTML: what was read so far is kept
    return parser


def crawl(session: Session, start: str, max_pages: int, max_depth: int) -> list[Page]:
    site = origin(start)
    seen, pages = {start}, list[Page]()
    queue = deque([(start, 0)])
    while queue and len(pages) < max_pages:
        url, depth = queue.popleft()
        try:
            response, _chain = session.follow(url)
        except (OutOfTime, Refused):
            break  # the checks report the time out or the refusal themselves
        if response.error and not pages and response.status is None:
            pages.append(Page(url, response, [], [], depth))
            break
        if not pages:
            site = origin(response.url)  # where the start URL led (http:// to https://, say)
        parsed = parse(response)
        pages.append(Page(response.url, response, parsed.links, parsed.forms, depth))
        if depth >= max_depth:
            continue
        for link in parsed.links:
            link = urldefrag(link).url
            parts = urlsplit(link)
            # Polite: GET only, and never a link that looks like it does something.
            if SIDE_EFFECTS.search(parts.path):
                continue
            # The registered site only: same scheme, host and port.
            if origin(link) == site and link not in seen:
                seen.add(link)
                queue.append((link, depth + 1))
    return pages
