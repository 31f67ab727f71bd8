"""Who may call what: every persona against every endpoint (generated from the URL
patterns), personal tokens (issue, scope, expiry, revocation, TOTP roles), rate
limits, problem details, hostile input, and the schema with its offline documentation."""

import base64
import io
import json
import re
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import resolve, reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from kakunin.api import actions
from kakunin.api.models import Token, digest
from kakunin.api.tests.base import (
    BODIES,
    MATRIX,
    PERSONAS,
    ApiTestCase,
    add_record,
    api_url_names,
    make_finding,
    record_body,
)
from kakunin.assessments.models import Assessment
from kakunin.audit.models import Event
from kakunin.evidence.actions import add_evidence
from kakunin.inventory.tests.test_inventory import CSV
from kakunin.records import actions as records_actions
from kakunin.records.models import Kind
from testsupport.fixtures import (
    make_library,
    make_user,
)


class MatrixTestCase(ApiTestCase):
    def test_every_endpoint_is_in_the_matrix(self):
        self.assertEqual(api_url_names() - set(MATRIX), set(), "endpoints without a row")
        self.assertEqual(set(MATRIX) - api_url_names(), set(), "rows of endpoints that are gone")

    def test_every_operation_of_the_openapi_schema_is_in_the_matrix(self):
        """The schema's operations, too, are the matrix's (and so the isolation
        matrix's, kakunin/service/tests/test_isolation.py): none is left out."""
        schema = SchemaGenerator().get_schema(request=None, public=True)
        in_matrix = {(name, method) for name, cases in MATRIX.items() for method, *_ in cases}
        operations = set()
        for path, item in schema["paths"].items():
            name = "api:" + resolve(re.sub(r"\{[^}]+\}", "1", path)).url_name
            operations |= {
                (name, m) for m in item if m in {"get", "post", "put", "patch", "delete"}
            }
        self.assertGreater(len(operations), 30)
        self.assertEqual(operations - in_matrix, set(), "operations without a row")

    def test_it_gates_every_endpoint_for_every_persona(self):
        evidence = add_evidence(
            actor=self.bob, answer=self.answer("pw-composition"),
            upload=SimpleUploadedFile("規程.txt", "パスワード規程".encode()),
        )  # fmt: skip
        objects = {"s": self.system.pk, "a": self.assessment.pk, "item": "pw-composition",
                   "evidence": evidence.pk, "finding": make_finding(self.system).pk}  # fmt: skip
        etags = {}
        for kind in Kind.values:
            record = add_record(kind, self.system, self.bob)
            objects[f"record_{kind}"] = objects["record"] = record.pk
            etags[f"api:record_{kind}"] = f'"record-{record.pk}-{record.version}"'
        (attached,) = records_actions.add_files(
            actor=self.bob, record=record,
            files=[(SimpleUploadedFile("証明書.txt", "廃棄証明".encode()), "certificate")],
        )  # fmt: skip
        objects["record_file"] = attached.pk
        product, entry, _kept = make_library(self.bob)
        objects |= {"product": product.pk, "entry": entry.pk}
        etags["api:library_entry"] = f'"entry-{entry.pk}-{entry.version}"'
        for name, cases in MATRIX.items():
            for method, args, expected in cases:
                url = reverse(name, args=[objects[a] for a in args])
                for persona in PERSONAS:
                    with self.subTest(endpoint=name, method=method, persona=persona):
                        headers = {}
                        if method == "patch":
                            headers["If-Match"] = etags.get(name) or self.etag()
                        data = BODIES.get((name, method))
                        if name.startswith("api:record_add_"):
                            data = record_body(name.removeprefix("api:record_add_"))
                        if (name, method) == ("api:record_files", "post"):
                            data = {
                                "label": "other",
                                "file": SimpleUploadedFile("手順.txt", "手順書".encode()),
                            }
                        if (name, method) == ("api:evidence", "post"):
                            data = {"file": SimpleUploadedFile("規程.txt", b"policy")}
                        if (name, method) == ("api:inventory", "post"):
                            data = {
                                "file": SimpleUploadedFile("bom.csv", CSV.encode()),
                                "dry_run": "true",
                            }
                        savepoint = transaction.savepoint()
                        try:
                            r = self.call(persona, method, url, data, **headers)
                        finally:
                            transaction.savepoint_rollback(savepoint)
                        self.assertEqual(r.status_code, expected[persona], r.content[:300])

    def test_lists_hold_only_what_the_person_may_see(self):
        other = make_user("otto", "vendor", self.beta)
        _t, secret = actions.issue_token(
            actor=other, user=other, name="t", days=1, read_only=True, with_totp=False
        )
        self.secrets["otto"] = secret
        for persona, sees in [("bob", True), ("bella", False), ("otto", False), ("audrey", True)]:
            with self.subTest(persona=persona):
                systems = self.call(persona, "get", reverse("api:systems")).json()["results"]
                self.assertEqual([s["id"] for s in systems] == [self.system.pk], sees)
                listed = self.call(persona, "get", reverse("api:assessments")).json()["results"]
                self.assertEqual(bool(listed), sees)


class TokenTestCase(ApiTestCase):
    def test_the_command_prints_the_token_once_and_keeps_only_its_hash(self):
        out = io.StringIO()
        call_command("issue_token", "bob", "--days", "7", "--read-only", stdout=out)
        secret = out.getvalue().strip().splitlines()[-1]
        token = Token.objects.get(digest=digest(secret))
        self.assertTrue(token.read_only)
        self.assertFalse(Token.objects.filter(digest=secret).exists())
        self.assertNotIn(secret, str(list(Token.objects.values_list())))
        self.assertAlmostEqual(
            token.expires_at, timezone.now() + timedelta(days=7), delta=timedelta(minutes=1)
        )
        created = Event.objects.get(action="api_token.create", object_id=str(token.pk))
        self.assertEqual(created.changes["scope"], [None, "read"])
        self.assertNotIn(secret, str(Event.objects.values_list("changes", flat=True)))
        self.secrets["bob"] = secret
        self.assertEqual(self.call("bob", "get", reverse("api:systems")).status_code, 200)

    def test_the_command_refuses_what_it_must(self):
        for args, message in [
            (["nobody"], "いません"),
            (["bob", "--days", "366"], "1〜365"),
            (["bob", "--days", "0"], "1〜365"),
            (["rita"], "二要素認証"),  # a reviewer's token only after a TOTP login
        ]:
            with self.subTest(args=args), self.assertRaisesMessage(CommandError, message):
                call_command("issue_token", *args, stdout=io.StringIO())

    def test_a_read_only_token_reads_and_changes_nothing(self):
        _token, secret = actions.issue_token(
            actor=self.bob, user=self.bob, name="ci", days=1, read_only=True, with_totp=False
        )
        self.secrets["bob"] = secret
        self.assertEqual(self.call("bob", "get", self.answer_url()).status_code, 200)
        r = self.call("bob", "patch", self.answer_url(), {"text": "x"}, **{"If-Match": self.etag()})
        self.assertEqual(r.status_code, 403)
        self.assertIn("読み取り専用", r.json()["detail"])
        self.assertEqual(self.answer("pw-composition").text, "")

    def test_revoked_expired_and_disabled_stop_at_once(self):
        url = reverse("api:systems")
        self.assertEqual(self.call("bob", "get", url).status_code, 200)
        token = Token.objects.get(digest=digest(self.secrets["bob"]))
        actions.revoke_token(actor=self.bob, token=token)
        r = self.call("bob", "get", url)
        self.assertEqual(r.status_code, 401)
        self.assertEqual(r["Content-Type"], "application/problem+json")
        self.assertIn("取り消され", r.json()["detail"])

        Token.objects.filter(digest=digest(self.secrets["alice"])).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        self.assertEqual(self.call("alice", "get", url).status_code, 401)
        self.assertEqual(actions.record_expired(), 1)
        self.assertEqual(actions.record_expired(), 0)  # once

        self.assertEqual(self.call("audrey", "get", url).status_code, 200)
        self.audrey.is_active = False
        self.audrey.save()
        self.assertEqual(self.call("audrey", "get", url).status_code, 401)
        actions_seen = set(Event.objects.values_list("action", flat=True))
        self.assertLessEqual(
            {"api_token.create", "api_token.first_use", "api_token.revoke", "api_token.expire"},
            actions_seen,
        )

    def test_a_totp_role_needs_a_token_issued_after_a_totp_login(self):
        token = Token.objects.get(digest=digest(self.secrets["rita"]))
        self.assertEqual(self.call("rita", "get", reverse("api:systems")).status_code, 200)
        token.with_totp = False
        token.save()
        self.assertEqual(self.call("rita", "get", reverse("api:systems")).status_code, 401)

    def test_the_first_use_is_audited_once_with_its_address(self):
        for _ in range(3):
            self.call("bob", "get", reverse("api:systems"))
        token = Token.objects.get(digest=digest(self.secrets["bob"]))
        self.assertEqual(token.last_used_ip, "127.0.0.1")
        first = Event.objects.filter(action="api_token.first_use", object_id=str(token.pk))
        self.assertEqual(first.count(), 1)

    def test_a_token_is_never_taken_from_the_url_and_a_bad_header_is_401(self):
        secret = self.secrets["bob"]
        url = reverse("api:systems")
        for query in [f"?token={secret}", f"?access_token={secret}", f"?auth={secret}"]:
            with self.subTest(query=query):
                self.assertEqual(self.call("anonymous", "get", url + query).status_code, 401)
        for header in ["Bearer", f"Bearer {secret} extra", "Bearer ｋｋｎ", "Bearer kkn_wrong"]:
            with self.subTest(header=header):
                r = Client().get(url, headers={"Authorization": header})
                self.assertEqual(r.status_code, 401)
                self.assertEqual(r["Content-Type"], "application/problem+json")


class RateLimitTestCase(ApiTestCase):
    @override_settings(API_RATE="3/min")
    def test_each_token_has_its_own_limit_with_retry_after(self):
        url = reverse("api:systems")
        codes = [self.call("bob", "get", url).status_code for _ in range(4)]
        self.assertEqual(codes, [200, 200, 200, 429])
        r = self.call("bob", "get", url)
        self.assertEqual(r.status_code, 429)
        self.assertGreater(int(r["Retry-After"]), 0)
        self.assertEqual(r["Content-Type"], "application/problem+json")
        self.assertEqual(self.call("alice", "get", url).status_code, 200)  # another token


class SchemaTestCase(ApiTestCase):
    def test_the_schema_and_its_pages_come_from_kakunin_itself(self):
        r = self.call("bob", "get", reverse("api:schema") + "?format=json")
        self.assertEqual(r.status_code, 200)
        schema = r.json()
        self.assertIn("/api/v1/assessments/{id}/answers/{key}/", schema["paths"])
        client = Client()
        client.force_login(self.bob)
        for name, script in (
            ("api:docs", "/static/drf_spectacular_sidecar/"),
            ("api:redoc", reverse("api:redoc_bundle")),  # the sidecar's, logo made local
        ):
            html = client.get(reverse(name)).content.decode()
            self.assertNotIn("cdn.", html)
            self.assertNotIn("https://", html)
            self.assertIn(script, html)


class ProblemTestCase(ApiTestCase):
    def test_filters_refuse_bad_values_with_a_message_for_each(self):
        url = reverse("api:assessments")
        r = self.call("bob", "get", url + "?state=lost&system=x&updated_since=yesterday")
        self.assertEqual(r.status_code, 400)
        errors = r.json()["errors"]
        self.assertEqual(set(errors), {"state", "system", "updated_since"})
        self.assertIn("RFC 3339", errors["updated_since"][0])
        r = self.call("bob", "get", url + "?system=10561731886047775634345351329087488")
        self.assertEqual(r.status_code, 400)  # was a 500 (found by schemathesis)
        self.assertIn("system", r.json()["errors"])
        r = self.call("bob", "get", url + "?state=draft&updated_since=2020-01-01T00:00:00%2B09:00")
        self.assertEqual([a["id"] for a in r.json()["results"]], [self.assessment.pk])
        r = self.call("bob", "get", url + "?updated_since=2999-01-01T00:00:00Z")
        self.assertEqual(r.json()["results"], [])

    def test_the_frameworks_own_messages_come_in_the_users_language(self):
        url = reverse("api:record_add_log_review", args=[self.system.pk])
        body = record_body("log_review") | {"logs": [], "retention_months": "many"}
        for language, empty, number, login in [
            ("ja", "リストは空ではいけません。", "有効な整数を入力してください。",
             "認証情報が含まれていません。"),
            ("en", "This list may not be empty.", "A valid integer is required.",
             "Authentication credentials were not provided."),
        ]:  # fmt: skip
            with self.subTest(language=language):
                r = self.call("bob", "post", url, body, **{"Accept-Language": language})
                errors = r.json()["errors"]
                self.assertEqual((errors["logs"], errors["retention_months"]), ([empty], [number]))
                r = self.call("anonymous", "get", url, **{"Accept-Language": language})
                self.assertEqual(r.json()["detail"], login)
        # Django's own words on the web's forms stay Django's (not DRF's 「この項目は必須です」).
        self.client.force_login(self.bob)
        r = self.client.post(reverse("records:add", args=[self.system.pk, "log_review"]), {})
        self.assertIn("このフィールドは必須です", r.content.decode())

    def test_the_ward_lists_overdue_assessments_by_department(self):
        url = reverse("api:assessments")
        self.assertEqual(self.call("rita", "get", url + "?overdue=true").json()["results"], [])
        Assessment.objects.filter(pk=self.assessment.pk).update(
            due_date=timezone.localdate() - timedelta(days=1)
        )
        listed = self.call("rita", "get", url + f"?overdue=true&department={self.kodomo.pk}")
        self.assertEqual([a["id"] for a in listed.json()["results"]], [self.assessment.pk])
        other = self.call("rita", "get", url + f"?overdue=true&department={self.zeimu.pk}")
        self.assertEqual(other.json()["results"], [])

    def test_an_unknown_api_url_is_a_problem_and_a_page_stays_a_page(self):
        r = self.call("bob", "get", "/api/v1/nothing/")
        self.assertEqual(r.status_code, 404)
        self.assertEqual(r["Content-Type"], "application/problem+json")
        self.assertEqual(r.json()["status"], 404)
        self.client.force_login(self.bob)
        page = self.client.get("/nothing/")
        self.assertEqual(page.status_code, 404)
        self.assertIn("text/html", page["Content-Type"])


class HostileInputTestCase(ApiTestCase):
    """Issue 23.14: what the attack run sent that was a 500."""

    def test_a_deeply_nested_json_body_is_a_400_problem(self):
        body = b"[" * 50_000 + b"]" * 50_000
        answer = self.answer("pw-composition")
        r = Client().patch(
            self.answer_url(), body, content_type="application/json",
            headers={"Authorization": f"Bearer {self.secrets['bob']}",
                     "If-Match": f'"{answer.pk}-{answer.version}"'},
        )  # fmt: skip
        self.assertEqual(r.status_code, 400)
        self.assertEqual(r["Content-Type"], "application/problem+json")
        self.assertIn("入れ子が深すぎます", r.json()["detail"])

    def test_a_deeply_nested_sbom_is_refused_with_a_message(self):
        sbom = b'{"bomFormat": "CycloneDX", "specVersion": "1.5", "x": ' + b"[" * 50_000
        sbom += b"]" * 50_000 + b"}"
        upload = SimpleUploadedFile("bom.json", sbom, content_type="application/json")
        r = self.call("bob", "post", reverse("api:inventory", args=[self.system.pk]),
                      {"file": upload})  # fmt: skip
        self.assertEqual(r.status_code, 400)
        self.assertIn("入れ子が深すぎます", json.dumps(r.json(), ensure_ascii=False))
        self.client.force_login(self.bob)
        r = self.client.post(
            reverse("inventory:upload", args=[self.system.pk]),
            {"file": SimpleUploadedFile("bom.json", sbom)},
        )
        self.assertContains(r, "入れ子が深すぎます", status_code=400)

    def test_a_crafted_cursor_of_the_audit_trail_is_not_found(self):
        for position in ("abc", "9" * 30, "-1", "1.5"):
            cursor = base64.b64encode(f"p={position}".encode()).decode()
            with self.subTest(position=position):
                r = self.call("rita", "get", reverse("api:events") + f"?cursor={cursor}")
                self.assertEqual(r.status_code, 404)
                self.assertEqual(r["Content-Type"], "application/problem+json")
        good = base64.b64encode(b"p=5").decode()
        self.assertEqual(
            self.call("rita", "get", reverse("api:events") + f"?cursor={good}").status_code, 200
        )

    def test_a_page_size_that_is_not_one_whole_number_is_a_400(self):
        """Repeated, negative, zero or not a number: refused with the parameter named,
        never silently replaced by the default (schemathesis found it accepted)."""
        url = reverse("api:systems")
        for query in ("page_size=2&page_size=3", "page_size=-1", "page_size=0",
                      "page_size=abc", "page_size=１"):  # fmt: skip
            r = self.call("rita", "get", f"{url}?{query}")
            self.assertEqual(r.status_code, 400, query)
            self.assertIn("page_size", r.json()["errors"], query)
        r = self.call("rita", "get", f"{url}?page_size=1")
        self.assertEqual((r.status_code, len(r.json()["results"])), (200, 1))
