"""Issue 23.8: every page and every mail, in each language, shows no words of the other
language outside data.

Data is what people and files put into Kakunin (names, answers, the checklist's own
text, records): every string the database holds, except the codes of choices, which
are never meant to be shown. Pages come from the access matrix, which is held to
cover every URL pattern, each opened by a persona the matrix lets in; mails from every
kind of notification and every mail allauth sends.

In English: no Japanese character outside data. In Japanese: no code shown where its
words belong (a choice's value, a snake_case key), and no English sentence.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

from django import forms
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.db import models
from django.urls import reverse
from django.utils import translation

from kakunin.accounts.tests.test_access_matrix import MATRIX, PERSONAS, MatrixWorld
from kakunin.audit.models import Event
from kakunin.inventory.models import Component
from kakunin.notifications.actions import notify
from kakunin.notifications.messages import render
from kakunin.notifications.models import Kind as NotificationKind
from kakunin.notifications.models import OutgoingMail
from kakunin.records.kinds import KINDS
from kakunin.records.models import Kind
from kakunin.records.tests.test_records import valid
from kakunin.reports.actions import comment_section
from kakunin.reports.models import AnnualReport

# Japanese words: kana and kanji. Punctuation (（）・) is typography, not words.
JAPANESE = re.compile(r"[\u3040-\u309f\u30a1-\u30fa\u30fc-\u30ff\u3400-\u9fff]+")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
WORD = re.compile(r"\b[a-z][a-z]+\b")
# Four English words in a row, as a sentence is written.
SENTENCE = re.compile(r"\b[A-Za-z][a-z]+(?:[ ,]+[a-z]{2,}){3,}\b")
# Shown as they are in either language: names of things, not words of a language.
EITHER = {"日本語", "English", "Kakunin", "確認"}
# Technical words a Japanese page uses as they are (Japanese IT writing does).
TECHNICAL = {
    "cookie", "csrftoken", "sessionid", "https", "http", "type", "password", "json", "pdf",
    "xlsx", "csv", "txt", "docx", "png", "jpeg", "nginx", "gunicorn", "huey", "redis", "clamd",
    "totp", "id", "no", "url", "api", "sbom", "cpe", "purl", "cvss", "nvd", "jvn", "ismap", "liu",
    "bearer", "kkn", "etag", "curl", "swagger", "redoc", "openapi", "healthz", "kakunin",
}  # fmt: skip


class Visible(HTMLParser):
    """The text a person reads in `language`: text nodes and the attributes read out or
    shown. Not code (<code>, <kbd>: typed as it is), nor what is marked as written in
    another language (lang="ja" around the Japanese form's own words on an English page:
    screen readers then read it as Japanese)."""

    SHOWN = {"title", "aria-label", "placeholder", "alt"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}  # fmt: skip
    SKIPPED = {"script", "style", "template", "code", "kbd"}

    def __init__(self, language: str):
        super().__init__()
        self.language, self.parts, self.open = language, [], []

    def skipping(self) -> bool:
        for tag, lang in reversed(self.open):
            if tag in self.SKIPPED:
                return True
            if lang:
                return not lang.startswith(self.language)
        return False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag not in self.VOID:
            self.open.append((tag, values.get("lang")))
        if self.skipping():
            return
        for name in self.SHOWN & set(values):
            self.parts.append(values[name] or "")
        if tag == "input" and values.get("type") in ("submit", "button"):
            self.parts.append(values.get("value") or "")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                del self.open[i:]
                return

    def handle_data(self, data):
        if not self.skipping():
            self.parts.append(data)

    @classmethod
    def text(cls, html: str, language: str) -> str:
        parser = cls(language)
        parser.feed(html)
        return "\n".join(p for p in parser.parts if p.strip())


def choice_codes() -> set[str]:
    """Every value of a choice: in a model, or in a record kind's form."""
    codes = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or []:
                codes.add(str(value))
    for form in KINDS.values():
        for field in form.base_fields.values():
            if isinstance(field, forms.ChoiceField) and not hasattr(field, "queryset"):
                for value, _label in field.choices:
                    codes.add(str(value))
    return {c for c in codes if re.fullmatch(r"[a-z][a-z0-9_]*", c)}


def data_strings(codes: set[str]) -> list[str]:
    """Every string the database holds (codes aside), longest first."""
    found = set()

    def walk(value):
        if isinstance(value, str):
            if value.strip() and value not in codes:
                found.add(value.strip())
                found.update(line.strip() for line in value.splitlines() if line.strip())
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)

    for model in apps.get_models():
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
            and not f.choices
        ]
        if fields:
            for row in model.objects.values_list(*fields):
                walk(list(row))
    return sorted(found, key=len, reverse=True)


class Leaks:
    def __init__(self, codes: set[str], data: list[str]):
        self.codes, self.data = codes - TECHNICAL, data

    def strip(self, text: str) -> str:
        """The text with the data taken out (an ASCII value as a whole word only: "risk"
        in the data must not cut "residual_risks" in two)."""
        for value in self.data:
            if value.isascii():
                if len(value) > 1 and value in text:
                    text = re.sub(rf"(?<![\w.-]){re.escape(value)}(?![\w-])", " ", text)
            else:
                text = text.replace(value, " ")
        return text

    def english_page(self, text: str) -> list[str]:
        text = self.strip(text)
        return sorted({m for m in JAPANESE.findall(text) if m not in EITHER})

    def japanese_page(self, text: str) -> list[str]:
        text = self.strip(text)
        found = set(SNAKE.findall(text))
        found |= {w for w in WORD.findall(text) if w in self.codes}
        found |= {s for s in SENTENCE.findall(text) if s.lower().split()[0] not in TECHNICAL}
        return sorted(found)


class LanguageLeaksTestCase(MatrixWorld):
    def setUp(self):
        super().setUp()
        # What the leaks were found in: records of every kind (their codes and keys on
        # their pages and in the audit trail), an SBOM's components, a report's sections,
        # a notification made in Japanese for someone now reading in English.
        self.client.force_login(self.bob)
        for kind in Kind.values:
            r = self.client.post(reverse("records:add", args=[self.system.pk, kind]), valid(kind))
            self.assertEqual(r.status_code, 302, kind)
        for kind in ("middleware", "library", "os", "database"):
            Component.objects.create(
                system=self.system, kind=kind, origin="sbom", product=f"p-{kind}", version="1"
            )
        report = AnnualReport.objects.get()
        comment_section(actor=self.bob, report=report, section="admin_account_reviews", body="x")
        notify(
            [self.alice], "submitted", {"actor": "Bob", "assessment": self.assessment, "round": 1}
        )

    def leaks(self) -> Leaks:
        codes = choice_codes()
        return Leaks(codes, data_strings(codes))

    def speak(self, persona: str, language: str) -> None:
        user = getattr(self, persona)
        user.language = language
        user.save(update_fields=["language"])
        self.login(persona)

    def test_every_page_in_each_language(self):
        leaks, pages, problems = self.leaks(), 0, []
        for name, cases in MATRIX.items():
            for method, args, data, expected in cases:
                if method not in ("get", "hx-get"):
                    continue
                persona = next((p for p in PERSONAS[1:] if expected[p] == 200), None)
                if persona is None:
                    continue
                url = reverse(name, args=[self.objects[a] for a in args])
                for language in ("ja", "en"):
                    self.speak(persona, language)
                    r = self.request(method, url, data)
                    if not r["Content-Type"].startswith("text/html"):
                        continue
                    pages += 1
                    text = Visible.text(r.content.decode(), language)
                    check = leaks.english_page if language == "en" else leaks.japanese_page
                    if found := check(text):
                        problems.append(f"{name} ({language}, {persona}): {found}")
        # The auditor's page, once for each kind of event recorded (the newest page alone
        # holds only what this test's own requests recorded).
        for action in Event.objects.order_by("action").values_list("action", flat=True).distinct():
            for language in ("ja", "en"):
                self.speak("rita", language)
                r = self.client.get(reverse("audit:events"), {"action": action})
                text = Visible.text(r.content.decode(), language)
                check = leaks.english_page if language == "en" else leaks.japanese_page
                if found := check(text):
                    problems.append(f"audit:events?action={action} ({language}): {found}")
        self.assertGreater(pages, 80)
        self.assertEqual(problems, [], "\n".join(problems))

    def test_the_public_pages_in_each_language(self):
        leaks, problems = self.leaks(), []
        for name in ("account_login", "account_reset_password"):
            for language in ("ja", "en"):
                self.client.logout()
                self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
                text = Visible.text(self.client.get(reverse(name)).content.decode(), language)
                check = leaks.english_page if language == "en" else leaks.japanese_page
                if found := check(text):
                    problems.append(f"{name} ({language}): {found}")
        self.assertEqual(problems, [], "\n".join(problems))

    def test_every_mail_in_each_language(self):
        leaks, problems = self.leaks(), []
        folder = Path(settings.BASE_DIR) / "templates" / "notifications" / "email"
        kinds = sorted(p.name.removesuffix("_subject.txt") for p in folder.glob("*_subject.txt"))
        # Every kind of notification, and the mails to an address (invitations) besides.
        self.assertLess(set(NotificationKind.values), set(kinds))
        for kind in kinds:
            for language in ("ja", "en"):
                with translation.override(language):
                    context = {
                        "actor": self.bob.full_name,
                        "assessment": str(self.assessment),
                        "system": self.system.name,
                        "round": 2,
                        "note": "",
                        "url": "/",
                        "due": "2027-03-31",
                        "n": 2,
                        "names": "CI, SBOM",
                        "why": "password_changed",
                        "name": "Hanako Sato",
                        "inviter": self.alice.full_name,
                        "department": str(self.system.department),
                        "organisation": "Alpha Inc.",
                        "username": "bob",
                        "expires": "2027-03-31 10:00",
                        "link": "http://127.0.0.1:8000/invite/#code",
                        "page": "http://127.0.0.1:8000/invite/",
                        "code": "code",
                    }
                subject, body = render(kind, context, language)
                check = leaks.english_page if language == "en" else leaks.japanese_page
                if found := check(f"{subject}\n{body}"):
                    problems.append(f"{kind} ({language}): {found}")
        # allauth's mail: the password reset code (an address without an account gets none).
        for language in ("ja", "en"):
            self.bob.language = language
            self.bob.save(update_fields=["language"])
            for address in (self.bob.email,):
                mail.outbox.clear()
                OutgoingMail.objects.all().delete()
                self.client.logout()
                self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
                self.client.post(reverse("account_reset_password"), {"email": address})
                sent = [f"{m.subject}\n{m.body}" for m in OutgoingMail.objects.all()]
                sent += [f"{m.subject}\n{m.body}" for m in mail.outbox]
                with self.subTest(language=language, address=address):
                    self.assertEqual(len(sent), 1)
                    self.assertIn(settings.SITE_NAME, sent[0])
                    self.assertNotIn("Hello from", sent[0])
                    self.assertNotIn("です!", sent[0])
                check = leaks.english_page if language == "en" else leaks.japanese_page
                if found := check(sent[0]):
                    problems.append(f"password reset to {address} ({language}): {found}")
        self.assertEqual(problems, [], "\n".join(problems))
