"""The proof of the first lock: every page of Kakunin, asked by every persona of one
municipality (each role, a vendor person who serves both, the anonymous visitor)
about the objects of another, shows none of them and changes none of them.

The list of pages is the access matrix's, which a test holds to every URL pattern
Kakunin serves: a new page is covered without anyone remembering it here. The other
municipality's objects are the matrix's own, moved to 港区 after they were made
(a system's data follows its system), with names that show if they leak."""

from functools import partial
from unittest import mock

from django.apps import apps
from django.db import connection, models, transaction
from django.db.models import Count, Max
from django.test import Client
from django.urls import reverse

from kakunin import access
from kakunin.accounts.tests.test_access_matrix import MATRIX, PERSONAS, MatrixWorld
from kakunin.api import actions as api_actions
from kakunin.api.tests.base import BODIES, add_record, record_body
from kakunin.api.tests.base import MATRIX as API_MATRIX
from kakunin.assessments.models import Answer, AnswerScope, Assessment
from kakunin.catalog.models import Control, Template
from kakunin.library import actions as library_actions
from kakunin.library.models import Entry
from kakunin.notifications.models import Notification
from kakunin.records.models import Kind
from kakunin.systems.models import AccessRequest, System
from kakunin.tenants.active import ScopedManager, activated
from kakunin.tenants.models import Municipality
from testsupport.fixtures import enrol_totp, make_system, make_user

MARKER = "港区の機密システム"


def municipality_data(municipality) -> list:
    """Every scoped model's rows of one municipality: how many, and the newest change."""
    found = []
    for model in apps.get_models():
        path = getattr(model, "MUNICIPALITY_PATH", None)
        if path is None:
            continue
        rows = model._default_manager.filter(**{path: municipality})
        fields = {f.name for f in model._meta.concrete_fields}
        newest = [f for f in ("updated_at", "published_at", "state") if f in fields]
        summary = rows.aggregate(n=Count("pk"), **{f: Max(f) for f in newest})
        found.append((model._meta.label, sorted(summary.items())))
    return found


def undone(municipality, ask) -> tuple:
    """ask()'s response, its body, and whether it changed the municipality's data;
    then everything it did is rolled back."""
    savepoint = transaction.savepoint()
    try:
        before = municipality_data(municipality)
        response = ask()
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response, body, municipality_data(municipality) != before
    finally:
        transaction.savepoint_rollback(savepoint)


def api_calls(client, objects: dict):
    """Every operation of the API's matrix about `objects`: (name, method, and a call
    taking the token's secret, None for none)."""
    for name, cases in API_MATRIX.items():
        for method, args, _expected in cases:
            url = reverse(name, args=[objects[a] for a in args])
            data = BODIES.get((name, method))
            if name.startswith("api:record_add_"):
                data = record_body(name.removeprefix("api:record_add_"))
            yield name, method, partial(_call, getattr(client, method), url, data)


def _call(send, url, data, secret):
    headers = {"If-Match": '"0-0"'}
    if secret is not None:
        headers["Authorization"] = f"Bearer {secret}"
    return send(url, data, content_type="application/json", headers=headers)


def page(client, method: str, url: str, data):
    """A request as the access matrix makes it (an htmx one for "hx-get", "hx-post")."""
    if method.startswith("hx-"):
        return getattr(client, method[3:])(url, data, headers={"HX-Request": "true"})
    return getattr(client, method)(url, data)


class TwoMunicipalitiesWorld(MatrixWorld):
    def setUp(self):
        super().setUp()
        self.minato = Municipality.objects.create(code="131032", name="港区")
        for number, system in enumerate(System.objects.order_by("pk")):
            System.objects.filter(pk=system.pk).update(
                municipality=self.minato, name=f"{MARKER}{number}"
            )
        Template.objects.filter(municipality__isnull=False).update(municipality=self.minato)
        # bob serves both; 千代田区 keeps a system of its own, where he works now.
        make_system(self.kodomo, [self.alpha], created_by=self.alice, name="千代田の別システム")
        Notification.objects.all().delete()  # (told while the systems were 千代田区's)
        # bob filled 港区's assessment from alpha's library, whose entry has changed since:
        # his library's pages (its history, what is behind) know 港区's system.
        entry = Entry.objects.get(pk=self.objects["entry"])
        assessment = Assessment.objects.get(pk=self.objects["a"])
        library_actions.fill(actor=self.bob, assessment=assessment, product=entry.product,
                             scope=AnswerScope.VENDOR_ITEMS, entries=[entry.pk])  # fmt: skip
        library_actions.save_entries(actor=self.bob, product=entry.product, source="test",
                                     changes=[(entry.control, {"status": "done", "text": "TLS1.3"})])  # fmt: skip
        library_actions.approve(actor=self.bob, entries=[entry])


class WebIsolationMatrixTestCase(TwoMunicipalitiesWorld):
    def test_no_page_shows_or_changes_another_municipalitys_data(self):
        leaks, asked = self.leaks(MATRIX)
        self.assertEqual(leaks, [], "responses that show or change 港区's data")
        self.assertGreater(asked, 500)

    def test_the_matrix_fails_when_one_scope_is_removed(self):
        """The scope of what the access-request pages read taken away (their models left
        unscoped by mistake): the pages show 港区's requests. (Either model alone is
        not enough: the access rules check the system's municipality too, a third
        guard.) On PostgreSQL the second lock, row-level security, still holds."""
        invitation_pages = {n: c for n, c in MATRIX.items() if n.startswith("invitations:")}
        original = ScopedManager.get_queryset

        def forgetful(manager):
            if manager.model in (AccessRequest, System):
                return models.Manager.get_queryset(manager)
            return original(manager)

        with mock.patch.object(ScopedManager, "get_queryset", forgetful):
            leaks, _asked = self.leaks(invitation_pages)
        if connection.vendor == "postgresql":
            self.assertEqual(leaks, [], "row-level security holds without the scope")
        else:
            self.assertNotEqual(leaks, [], "the matrix sees the missing scope")
        # With the scope back, none.
        self.assertEqual(self.leaks(invitation_pages)[0], [])

    def leaks(self, matrix) -> tuple[list, int]:
        """Every page of `matrix` asked by every persona of 千代田区 about 港区's objects:
        (what showed or changed 港区's data, how many were asked)."""
        leaks, asked = [], 0
        for name, cases in matrix.items():
            for method, args, data, _expected in cases:
                url = reverse(name, args=[self.objects[a] for a in args])
                for persona in PERSONAS:
                    self.login(persona)
                    shown, changed = self.ask(method, url, data)
                    asked += 1
                    if shown or changed:
                        leaks.append((name, method, persona, shown, changed))
        return leaks, asked

    def ask(self, method, url, data) -> tuple[bool, bool]:
        """(B's data shown, B's data changed) for one request, then undone."""
        if isinstance(data, str):
            data = self.data[data]
        data = {k: self.objects.get(v, v) if k == "user" else v for k, v in data.items()}
        _r, body, changed = undone(self.minato, lambda: page(self.client, method, url, data))
        return MARKER.encode() in body, changed


class ApiIsolationMatrixTestCase(TwoMunicipalitiesWorld):
    """The same proof over the API: every endpoint (the API's matrix, which a test
    holds to the URL patterns and to the OpenAPI schema's operations), called with a
    token of each persona of 千代田区 (bob's works there) about 港区's objects."""

    def test_no_endpoint_shows_or_changes_another_municipalitys_data(self):
        objects = self.objects | {"item": "pw-composition"}
        with activated(self.minato):
            for kind in Kind.values:
                objects[f"record_{kind}"] = add_record(kind, self.system, self.bob).pk
        # 港区's answers hold the mark too: an answer that leaks shows.
        Answer.objects.filter(assessment__system__municipality=self.minato).update(text=MARKER)
        chiyoda = Municipality.default()
        secrets = {}
        for persona in PERSONAS[1:]:
            person = getattr(self, persona)
            with activated(chiyoda):
                _token, secrets[persona] = api_actions.issue_token(
                    actor=person, user=person, name="t", days=1, read_only=False, with_totp=True
                )
        leaks, asked = [], 0
        for name, method, call in api_calls(Client(), objects):
            for persona in PERSONAS:
                r, body, changed = undone(self.minato, partial(call, secrets.get(persona)))
                asked += 1
                if MARKER.encode() in body or changed:
                    leaks.append((name, method, persona, r.status_code))
        self.assertEqual(leaks, [], "responses that show or change 港区's data")
        self.assertGreater(asked, 300)


LIBRARY_MARK = "アルファ社の社外秘の回答"


class LibraryIsolationTestCase(TwoMunicipalitiesWorld):
    """Alpha's answer library is alpha's: every page and every API operation, asked by
    every persona who is not alpha's (each role of 千代田区, 港区's staff, the other
    company, the operator) about every object, never shows an entry it did not put in
    their assessments. An entry filled nowhere holds the mark."""

    def setUp(self):
        super().setUp()
        entry = Entry.objects.get(pk=self.objects["entry"])
        library_actions.save_entries(actor=self.bob, product=entry.product, source="test", changes=[
            (Control.objects.get(key="mfa"), {"status": "done", "text": LIBRARY_MARK})])  # fmt: skip
        self.mori = make_user("mori", "reviewer", municipality=self.minato)
        self.mika = make_user("mika", "department", municipality=self.minato)
        self.olga = make_user("olga", "operator")
        for person in (self.mori, self.olga):
            enrol_totp(person)

    OTHERS = [
        "anonymous",
        "alice",
        "charlie",
        "dave",
        "rita",
        "adam",
        "audrey",
        "mori",
        "mika",
        "olga",
    ]

    def shown(self) -> list:
        found = []
        for name, cases in MATRIX.items():
            for method, args, data, _expected in cases:
                url = reverse(name, args=[self.objects[a] for a in args])
                if isinstance(data, str):
                    data = self.data[data]
                data = {k: self.objects.get(v, v) if k == "user" else v for k, v in data.items()}
                for persona in self.OTHERS:
                    self.login(persona)
                    _r, body, _c = undone(
                        self.minato, partial(page, self.client, method, url, data)
                    )
                    if LIBRARY_MARK.encode() in body:
                        found.append((name, persona))
        return found

    def test_no_page_shows_the_library_to_anyone_but_its_company(self):
        self.assertEqual(self.shown(), [])
        # Its own people do see it.
        self.login("bob")
        product = reverse("library:product", args=[self.objects["product"]])
        self.assertContains(self.client.get(product), LIBRARY_MARK)

    def test_no_api_operation_shows_the_library_to_anyone_but_its_company(self):
        objects = self.objects | {"item": "pw-composition"}
        with activated(self.minato):
            for kind in Kind.values:
                objects[f"record_{kind}"] = add_record(kind, self.system, self.bob).pk
        secrets = {}
        for persona in ["alice", "charlie", "dave", "rita", "adam", "audrey", "mori", "mika"]:
            person = getattr(self, persona)
            with activated(person.municipality or Municipality.default()):
                _token, secrets[persona] = api_actions.issue_token(
                    actor=person, user=person, name="t", days=1, read_only=False, with_totp=True
                )
        found = []
        for name, method, call in api_calls(Client(), objects):
            for persona, secret in [("anonymous", None), *secrets.items()]:
                _r, body, _c = undone(self.minato, partial(call, secret))
                if LIBRARY_MARK.encode() in body:
                    found.append((name, method, persona))
        self.assertEqual(found, [])

    def test_the_matrix_fails_when_the_consent_check_is_removed(self):
        """The gate's check that a library object is the person's own company's taken
        away: the other company's person reads alpha's library."""
        with mock.patch.object(access, "library_of", lambda user, queryset: queryset):
            self.assertIn(("library:product", "charlie"), self.shown())
