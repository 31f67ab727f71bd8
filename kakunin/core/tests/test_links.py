"""Every link and form target on the main pages works, for every role.

The 「No.N と同じ回答にする」 button once posted to
/assessments/2/<built-in method copy of dict object at 0x…> (the template read
`row.urls.copy` as dict.copy) and the user saw nothing. This walks what each page
offers: every link and hx-get is fetched, every form and hx-post is posted with the
values the page gave it, inside a savepoint that is rolled back. Nothing a page
offers may answer 404 or 500; a link may not answer an error at all.
"""

import json
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from kakunin.assessments.actions import submit
from kakunin.evidence.actions import add_evidence
from kakunin.reviews import actions as review
from testsupport.fixtures import BaseTestCase, fill_everything, make_scan

PERSONAS = ["alice", "bob", "charlie", "dave", "rita", "adam", "audrey"]
# Posting these would end the walk's own session or switch its language.
NOT_POSTED = ("/auth/logout/", "/i18n/setlang/", "/sessions/end-others/")


class Targets(HTMLParser):
    """Links (GET) and form targets (POST, with the values the page put in them)."""

    def __init__(self):
        super().__init__()
        self.links: set[str] = set()
        self.posts: list[tuple[str, dict]] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name in ("href", "hx-get"):
            if a.get(name):
                self.links.add(a[name])
        if a.get("hx-post") and tag != "form":
            self.posts.append((a["hx-post"], json.loads(a.get("hx-vals") or "{}")))
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._form = (a.get("action") or a.get("hx-post") or "", {})
            self.posts.append(self._form)
        elif tag == "form" and a.get("action"):
            self.links.add(a["action"])
        if self._form is None:
            return
        data = self._form[1]
        kind = (a.get("type") or "text").lower()
        if tag == "input" and a.get("name") and kind not in ("file", "submit", "button"):
            if kind not in ("radio", "checkbox") or "checked" in a:
                data[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and (self._select not in data or "selected" in a):
            data[self._select] = a.get("value") or ""
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            data[self._textarea] = ""

    def handle_data(self, text):
        if self._form is not None and self._textarea:
            self._form[1][self._textarea] += text

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def internal(url: str, page: str) -> str | None:
    """The path a browser on `page` would request for `url` (None: another site, or
    only a fragment of this page)."""
    parts = urlsplit(urljoin(page, url))
    if parts.scheme or parts.netloc or url.startswith("#"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


class LinksTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        fill_everything(self.assessment, self.bob)
        add_evidence(
            actor=self.bob,
            answer=self.answer("pw-composition"),
            upload=SimpleUploadedFile("規程.txt", "パスワード規程".encode()),
        )
        submit(actor=self.bob, assessment=self.assessment)
        review.start_review(actor=self.rita, assessment=self.assessment)
        review.set_verdict(
            actor=self.rita, answer=self.answer("pw-composition"), verdict="fix", comment="詳しく"
        )
        review.return_assessment(actor=self.rita, assessment=self.assessment)
        self.scan = make_scan(self.system, {"tls-version": "fail", "cookie-flags": "pass"})

    def main_pages(self) -> list[str]:
        a, s = self.assessment.pk, self.system.pk
        return [
            reverse("dashboards:home"),
            reverse("systems:index"),
            reverse("systems:detail", args=[s]),
            reverse("scans:system", args=[s]),
            reverse("scans:detail", args=[self.scan.pk]),
            reverse("assessments:list"),
            reverse("assessments:detail", args=[a]),
            reverse("reviews:review", args=[a]),
            reverse("forms_xlsx:upload", args=[a]),
            reverse("notifications:index"),
            reverse("accounts:sessions"),
            reverse("invitations:requests"),
            reverse("audit:events"),
            reverse("monitoring:alerts"),
            reverse("accounts:users"),
            reverse("accounts:user_edit", args=[self.bob.pk]),
            reverse("accounts:organisations"),
            reverse("accounts:review"),
            reverse("accounts:lockouts"),
            reverse("accounts:settings"),
        ]

    def test_no_link_or_form_on_the_main_pages_leads_nowhere(self):
        for persona in PERSONAS:
            user = getattr(self, persona)
            self.client.force_login(user)
            links, posts = set(), {}
            for page in self.main_pages():
                r = self.client.get(page)
                if r.status_code != 200:
                    continue  # not this role's page (the access matrix checks which)
                parser = Targets()
                parser.feed(r.content.decode())
                links |= {u for u in (internal(link, page) for link in parser.links) if u}
                for url, data in parser.posts:
                    target = internal(url or page, page)
                    if target and not target.startswith(NOT_POSTED):
                        posts.setdefault((target, json.dumps(data, sort_keys=True)), (page, data))
            for url in sorted(links):
                with self.subTest(persona=persona, link=url):
                    r = self.client.get(url)
                    self.assertLess(r.status_code, 400, f"{url} answers {r.status_code}")
            for (url, _key), (page, data) in sorted(posts.items()):
                with self.subTest(persona=persona, post=url, on=page):
                    savepoint = transaction.savepoint()
                    try:
                        r = self.client.post(url, data, headers={"HX-Request": "true"})
                    finally:
                        transaction.savepoint_rollback(savepoint)
                    self.assertNotIn(r.status_code, (404, 500), f"{url} answers {r.status_code}")
                    self.client.force_login(user)
