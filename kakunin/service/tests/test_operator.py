"""The service's operator: registers, suspends and watches municipalities by their
figures, and reads none of their data, on any page or API endpoint."""

import io
import re
from functools import partial

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from kakunin.accounts.models import Role, User
from kakunin.accounts.tests.test_access_matrix import MATRIX, MatrixWorld
from kakunin.api import actions as api_actions
from kakunin.api.tests.base import add_record
from kakunin.audit.models import Event
from kakunin.records.models import Kind
from kakunin.service.tests.test_isolation import api_calls, page, undone
from kakunin.systems.models import System
from kakunin.tenants.models import Municipality
from testsupport.fixtures import BaseTestCase, enrol_totp

SYSTEM_MARK, PERSON_MARK = "千代田の機密システム", "機密の氏名"


def operator() -> User:
    out = io.StringIO()
    call_command("create_operator", "--username", "ops.tanaka", "--email",
                 "tanaka@asp.example", "--full-name", "田中 一郎", stdout=out)  # fmt: skip
    user = User.objects.get(username="ops.tanaka")
    assert user.must_change_password  # (changed at the first login; done here)
    User.objects.filter(pk=user.pk).update(must_change_password=False)
    user.refresh_from_db()
    enrol_totp(user)
    return user


class OperatorPagesTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.ops = operator()
        self.client.force_login(self.ops)

    def test_the_command_issues_an_operator_in_no_municipality(self):
        self.assertEqual((self.ops.role, self.ops.municipality), (Role.OPERATOR, None))
        self.assertTrue(self.ops.needs_mfa)
        # A municipality's administrator cannot issue one.
        self.client.force_login(self.adam)
        r = self.client.post(reverse("accounts:user_create"), {
            "username": "ops2", "full_name": "運営 二郎", "email": "ops2@asp.example",
            "role": "operator"})  # fmt: skip
        self.assertFalse(User.objects.filter(username="ops2").exists())
        self.assertEqual(r.status_code, 200)

    def test_it_lists_every_municipality_with_figures_and_no_names(self):
        self.assertRedirects(
            self.client.get("/"), reverse("service:operator"), fetch_redirect_response=False
        )
        page = self.client.get(reverse("service:operator"))
        self.assertContains(page, "千代田区")
        self.assertContains(page, "131016")
        body = page.content.decode()
        for secret in (self.system.name, self.alice.full_name, self.alpha.name, "12桁"):
            self.assertNotIn(secret, body)

    def test_it_registers_a_municipality_and_says_what_is_wrong(self):
        url = reverse("service:operator")
        before = (Municipality.objects.count(), User.objects.count())
        for data, message in (
            ({"code": "131033", "name": "港区", "admin_email": "a@minato.example"}, "検査数字"),
            ({"code": "131016", "name": "千代田区", "admin_email": "a@minato.example"}, "登録済み"),
            ({"code": "131032", "name": "港区", "admin_email": self.alice.email}, "別の利用者"),
        ):
            with self.subTest(data=data):
                self.assertContains(self.client.post(url, data), message, status_code=400)
        self.assertEqual((Municipality.objects.count(), User.objects.count()), before)
        r = self.client.post(
            url, {"code": "131032", "name": "港区", "admin_email": "a@minato.example"}
        )
        self.assertContains(r, "団体を登録しました")
        password = re.search(r'one-time-password">([^<]+)<', r.content.decode()).group(1)
        admin = User.objects.get(email="a@minato.example")
        self.assertTrue(admin.check_password(password))
        self.assertEqual(admin.municipality.code, "131032")
        event = Event.objects.get(action="municipality.create")
        self.assertEqual(event.actor, self.ops)

    def test_it_suspends_and_resumes_a_municipality(self):
        url = reverse("service:suspend", args=["131016"])
        self.client.post(url)
        self.assertTrue(Municipality.objects.get(code="131016").is_suspended)
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(reverse("systems:index")).status_code, 403)
        self.client.force_login(self.ops)
        self.client.post(url)
        self.assertFalse(Municipality.objects.get(code="131016").is_suspended)
        actions = list(
            Event.objects.filter(action__startswith="municipality.").values_list(
                "action", flat=True
            )
        )
        self.assertEqual(sorted(actions), ["municipality.resume", "municipality.suspend"])

    def test_nobody_else_reaches_the_operators_pages(self):
        for person in (self.alice, self.bob, self.rita, self.adam, self.audrey):
            with self.subTest(person=person.username):
                self.client.force_login(person)
                self.assertEqual(self.client.get(reverse("service:operator")).status_code, 404)
                r = self.client.post(reverse("service:suspend", args=["131016"]))
                self.assertEqual(r.status_code, 404)
        self.assertFalse(Municipality.objects.get(code="131016").is_suspended)


class OperatorSeesNoDataTestCase(MatrixWorld):
    """Every page and every API endpoint, asked by the operator about a municipality's
    objects: none of its systems' or people's names, none of its data changed."""

    def setUp(self):
        super().setUp()
        self.ops = operator()
        for number, system in enumerate(System.objects.order_by("pk")):
            System.objects.filter(pk=system.pk).update(name=f"{SYSTEM_MARK}{number}")
        for person in User.objects.exclude(pk=self.ops.pk):
            User.objects.filter(pk=person.pk).update(full_name=f"{PERSON_MARK}{person.pk}")
        self.chiyoda = Municipality.objects.get(code="131016")

    def shows(self, body: bytes) -> bool:
        return SYSTEM_MARK.encode() in body or PERSON_MARK.encode() in body

    def test_no_page_shows_or_changes_a_municipalitys_data(self):
        self.client.force_login(self.ops)
        leaks, answered = [], 0
        for name, cases in MATRIX.items():
            for method, args, data, _expected in cases:
                url = reverse(name, args=[self.objects[a] for a in args])
                if isinstance(data, str):
                    data = self.data[data]
                r, body, changed = undone(
                    self.chiyoda, partial(page, self.client, method, url, data)
                )
                answered += r.status_code == 200
                if self.shows(body) or changed:
                    leaks.append((name, method, r.status_code))
        self.assertEqual(leaks, [])
        self.assertGreater(answered, 10, "the operator is signed in: pages answer, empty")

    def test_no_api_endpoint_shows_or_changes_a_municipalitys_data(self):
        _token, secret = api_actions.issue_token(
            actor=self.ops, user=self.ops, name="ops", days=1, read_only=False, with_totp=True
        )
        objects = self.objects | {"item": "pw-composition"}
        for kind in Kind.values:
            objects[f"record_{kind}"] = add_record(kind, self.system, self.bob).pk
        leaks, asked, answered = [], 0, 0
        for name, method, call in api_calls(Client(), objects):
            r, body, changed = undone(self.chiyoda, partial(call, secret))
            asked += 1
            answered += r.status_code == 200
            if self.shows(body) or changed:
                leaks.append((name, method, r.status_code))
        self.assertEqual(leaks, [])
        self.assertGreater(asked, 30)
        self.assertGreater(answered, 5, "the token works: lists answer, empty")
