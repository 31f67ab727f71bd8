"""The REST API: personal tokens (issue, scope, expiry, revocation, TOTP roles), the
same access gate as the web for every persona and every endpoint (generated from the
URL patterns), optimistic concurrency on answers (ETag / If-Match), problem details,
rate limits, CSRF for session callers, the schema and its offline documentation."""

import base64
import io
import json
from datetime import timedelta

from cyclonedx.model.component import ComponentType
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from kakunin.api import actions
from kakunin.api.models import Token, digest
from kakunin.assessments.models import Assessment, Verdict
from kakunin.audit.models import Event
from kakunin.evidence.actions import add_evidence
from kakunin.evidence.models import Evidence
from kakunin.inventory.models import Component, Finding, Vulnerability
from kakunin.inventory.tests.test_inventory import CSV, cyclonedx
from kakunin.records import actions as records_actions
from kakunin.records.kinds import KINDS, LinesField
from kakunin.records.models import Kind, Record
from kakunin.records.tests.test_records import NEXT_YEAR, TOMORROW, YESTERDAY, valid
from kakunin.reviews.actions import set_verdict
from testsupport.fixtures import (
    BaseTestCase,
    approve_on,
    fill_everything,
    make_scan,
    make_system,
    make_user,
)
from testsupport.servers import EICAR, Clamd

PERSONAS = ["anonymous", "alice", "bob", "bella", "charlie", "dave", "rita", "adam", "audrey"]


def row(*codes):
    return dict(zip(PERSONAS, codes, strict=True))


#                 anon alice bob bella charlie dave rita adam audrey
ANY_USER = row(401, 200, 200, 200, 200, 200, 200, 200, 200)
SEE_SYSTEM = row(401, 200, 200, 404, 404, 404, 200, 200, 200)
ANSWER = row(401, 200, 200, 404, 404, 404, 403, 403, 403)
DOCS = row(401, 200, 200, 200, 200, 200, 200, 200, 200)
PUBLIC_FILE = row(200, 200, 200, 200, 200, 200, 200, 200, 200)  # a static file, rewritten
# The assessment is a draft with items unanswered: who may take the step gets 409.
SUBMIT = row(401, 409, 409, 404, 404, 404, 403, 403, 403)
START_REVIEW = row(401, 409, 403, 404, 404, 404, 409, 403, 403)  # DEPARTMENT_REVIEWS
DECIDE = row(401, 403, 403, 404, 404, 404, 409, 403, 403)
AUDIT = row(401, 404, 404, 404, 404, 404, 200, 200, 200)
COMMENT = row(401, 201, 201, 404, 404, 404, 201, 403, 403)
VERDICT = row(401, 409, 403, 404, 404, 404, 409, 403, 403)  # not under review yet
UPLOAD = row(401, 201, 201, 404, 404, 404, 403, 403, 403)
OPERATIONS = row(401, 200, 200, 404, 404, 404, 403, 403, 403)  # dry_run: nothing applied

# Every API endpoint: (method, URL arguments, expected by persona).
MATRIX = {
    "api:schema": [("get", [], DOCS)],
    "api:docs": [("get", [], DOCS)],
    "api:redoc": [("get", [], DOCS)],
    "api:redoc_bundle": [("get", [], PUBLIC_FILE)],
    "api:systems": [("get", [], ANY_USER)],
    "api:system": [("get", ["s"], SEE_SYSTEM)],
    "api:system_scans": [("get", ["s"], SEE_SYSTEM)],
    "api:components": [("get", ["s"], SEE_SYSTEM)],
    "api:findings": [("get", ["s"], SEE_SYSTEM)],
    "api:records": [("get", ["s"], SEE_SYSTEM)],
    "api:annual_reports": [("get", ["s"], SEE_SYSTEM)],
    "api:finding_response": [("post", ["s", "finding"], UPLOAD)],
    "api:inventory": [("post", ["s"], OPERATIONS)],
    "api:assessments": [("get", [], ANY_USER)],
    "api:assessment": [("get", ["a"], SEE_SYSTEM)],
    "api:answer": [("get", ["a", "item"], SEE_SYSTEM), ("patch", ["a", "item"], ANSWER)],
    "api:submit": [("post", ["a"], SUBMIT)],
    "api:start_review": [("post", ["a"], START_REVIEW)],
    "api:return": [("post", ["a"], DECIDE)],
    "api:approve": [("post", ["a"], DECIDE)],
    "api:events": [("get", [], AUDIT)],
    "api:comments": [("get", ["a", "item"], SEE_SYSTEM), ("post", ["a", "item"], COMMENT)],
    "api:verdict": [("put", ["a", "item"], VERDICT)],
    "api:evidence": [("get", ["a", "item"], SEE_SYSTEM), ("post", ["a", "item"], UPLOAD)],
    "api:evidence_file": [("get", ["a", "evidence"], SEE_SYSTEM)],
    "api:record_withdraw": [("post", ["s", "record"], OPERATIONS)],
    "api:record_files": [("post", ["s", "record"], UPLOAD)],
    "api:record_file": [("get", ["s", "record", "record_file"], SEE_SYSTEM)],
    "api:record_comments": [
        ("get", ["s", "record"], SEE_SYSTEM),
        ("post", ["s", "record"], COMMENT),
    ],
}
ADD = row(401, 201, 201, 404, 404, 404, 403, 403, 403)
for _kind in Kind.values:  # each kind of record at its own address
    MATRIX[f"api:record_add_{_kind}"] = [("post", ["s"], ADD)]
    MATRIX[f"api:record_{_kind}"] = [
        ("get", ["s", f"record_{_kind}"], SEE_SYSTEM),
        ("patch", ["s", f"record_{_kind}"], OPERATIONS),
    ]


# What each write sends in the matrix.
BODIES = {
    ("api:answer", "patch"): {"text": "12桁以上"},
    ("api:comments", "post"): {"body": "記号は使えますか？"},
    ("api:verdict", "put"): {"verdict": "ok"},
    ("api:finding_response", "post"): {"kind": "planned", "date": "2027-03-31"},
    ("api:record_withdraw", "post"): {"reason": "重複して登録したため"},
    ("api:record_comments", "post"): {"body": "復元テストの手順書も添えてください。"},
    **{(f"api:record_{kind}", "patch"): {"date": YESTERDAY} for kind in Kind.values},
}


def record_body(kind: str) -> dict:
    """The web's valid form of each kind (records.tests.valid), as the API takes it: a
    list typed one entry a line is a list of objects, numbers and yes/no are JSON's."""
    form_class = KINDS[kind]
    out: dict = {}
    for name, value in valid(kind).items():
        field = form_class.base_fields[name]
        if isinstance(field, LinesField):
            value = field.to_python(value)
        elif isinstance(field, forms.IntegerField):
            value = int(value)
        elif isinstance(field, forms.BooleanField):
            value = value == "on"
        out[name] = value
    return out


def add_record(kind: str, system, actor, **changes):
    form = KINDS[kind]({**valid(kind), **changes}, system=system)
    assert form.is_valid(), form.errors
    return records_actions.add_record(actor=actor, system=system, form=form)


def make_finding(system, ident="CVE-2024-0001"):
    component = Component.objects.create(system=system, kind="os", product="RHEL", version="9.4")
    vulnerability = Vulnerability.objects.create(
        ident=ident, source="nvd", digest="x", severity="high"
    )
    return Finding.objects.create(
        component=component, vulnerability=vulnerability, first_seen=timezone.now()
    )


def api_url_names() -> set[str]:
    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, ":".join(filter(None, [namespace, p.namespace])))
            elif isinstance(p, URLPattern):
                yield ":".join(filter(None, [namespace, p.name]))

    return {n for n in walk(get_resolver().url_patterns, "") if n.startswith("api:")}


class ApiTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.bella = make_user("bella", "vendor", self.alpha)
        self.secrets = {}
        for persona in PERSONAS[1:]:
            user = getattr(self, persona)
            _token, secret = actions.issue_token(
                actor=user, user=user, name="test", days=30, read_only=False, with_totp=True
            )
            self.secrets[persona] = secret

    def call(self, persona, method, url, data=None, **headers):
        if persona != "anonymous":
            headers["Authorization"] = f"Bearer {self.secrets.get(persona, persona)}"
        client = Client(enforce_csrf_checks=True)
        if isinstance(data, dict) and "file" in data:  # an upload: multipart/form-data
            return getattr(client, method)(url, data, headers=headers)
        return getattr(client, method)(url, data, content_type="application/json", headers=headers)

    def answer_url(self, key="pw-composition"):
        return reverse("api:answer", args=[self.assessment.pk, key])

    def etag(self, key="pw-composition"):
        return f'"{self.answer(key).pk}-{self.answer(key).version}"'


class MatrixTestCase(ApiTestCase):
    def test_every_endpoint_is_in_the_matrix(self):
        self.assertEqual(api_url_names() - set(MATRIX), set(), "endpoints without a row")
        self.assertEqual(set(MATRIX) - api_url_names(), set(), "rows of endpoints that are gone")

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


class AnswerTestCase(ApiTestCase):
    def test_an_update_needs_the_etag_it_read(self):
        r = self.call("bob", "get", self.answer_url())
        etag = r["ETag"]
        r = self.call("bob", "patch", self.answer_url(), {"status": "done", "text": "12桁"})
        self.assertEqual(r.status_code, 428)
        self.assertEqual(r.json()["status"], 428)
        r = self.call("bob", "patch", self.answer_url(), {"status": "done", "text": "12桁"},
                      **{"If-Match": etag})  # fmt: skip
        self.assertEqual(r.status_code, 200, r.content)
        self.assertNotEqual(r["ETag"], etag)
        answer = self.answer("pw-composition")
        self.assertEqual((answer.status, answer.text), ("done", "12桁"))
        self.assertEqual(answer.revisions.first().source, "api")
        # Someone else's edit in between: the old ETag no longer fits.
        r = self.call("alice", "patch", self.answer_url(), {"text": "上書き"}, **{"If-Match": etag})
        self.assertEqual(r.status_code, 412)
        self.assertIn("読み直して", r.json()["detail"])
        self.assertEqual(self.answer("pw-composition").text, "12桁")

    def test_bad_input_is_a_clear_problem_and_changes_nothing(self):
        cases = [
            ({"status": "maybe"}, "status"),
            ({"target_date": "tomorrow"}, "target_date"),
            ({"status": "na", "text": ""}, ""),  # 該当なし needs a reason
            ({"text": "x" * 10_001}, ""),
            ({"txet": "a misspelt field is not dropped without a word"}, "txet"),
            ({"text": "\x00"}, "text"),
        ]
        for data, field in cases:
            with self.subTest(data=str(data)[:40]):
                r = self.call("bob", "patch", self.answer_url(), data, **{"If-Match": self.etag()})
                self.assertEqual(r.status_code, 400, r.content)
                body = r.json()
                self.assertEqual(r["Content-Type"], "application/problem+json")
                self.assertTrue(body["detail"])
                if field:
                    self.assertIn(field, body["errors"])
        self.assertEqual(self.answer("pw-composition").version, 0)
        r = Client().patch(
            self.answer_url(), "{not json", content_type="application/json",
            headers={"Authorization": f"Bearer {self.secrets['bob']}", "If-Match": self.etag()},
        )  # fmt: skip
        self.assertEqual(r.status_code, 400)

    def test_a_session_needs_the_csrf_token_as_the_web_does(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.bob)
        self.assertEqual(client.get(self.answer_url()).status_code, 200)
        r = client.patch(self.answer_url(), {"text": "x"}, content_type="application/json",
                         headers={"If-Match": self.etag()})  # fmt: skip
        self.assertEqual(r.status_code, 403)
        self.assertIn("CSRF", r.json()["detail"])
        client.get(reverse("assessments:detail", args=[self.assessment.pk]))
        token = client.cookies["csrftoken"].value
        r = client.patch(self.answer_url(), {"text": "x"}, content_type="application/json",
                         headers={"If-Match": self.etag(), "X-CSRFToken": token})  # fmt: skip
        self.assertEqual(r.status_code, 200, r.content)


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


class StepTestCase(ApiTestCase):
    def step(self, persona, name, data=None):
        return self.call(persona, "post", reverse(f"api:{name}", args=[self.assessment.pk]), data)

    def test_an_assessment_goes_through_its_steps_as_on_the_web(self):
        r = self.step("bob", "submit")
        self.assertEqual(r.status_code, 409)
        body = r.json()
        self.assertEqual(r["Content-Type"], "application/problem+json")
        self.assertIn("未完了", body["detail"])
        self.assertTrue(body["problems"])  # item by item
        fill_everything(self.assessment, self.bob)
        r = self.step("bob", "submit")
        self.assertEqual((r.status_code, r.json()["state"]), (200, "submitted"), r.content)
        self.assertEqual(self.step("bob", "submit").status_code, 403)  # not twice
        self.assertEqual(self.step("rita", "start_review").json()["state"], "in_review")
        r = self.step("rita", "approve")
        self.assertEqual(r.status_code, 409)
        self.assertIn("No.", r.json()["problems"][0])
        self.assertEqual(self.step("rita", "return", {"note": "x"}).status_code, 409)  # none to fix
        set_verdict(
            actor=self.rita,
            answer=self.answer("pw-composition"),
            verdict=Verdict.FIX,
            comment="桁数は？",
        )
        r = self.step("rita", "return", {"note": "\u202e逆"})
        self.assertEqual(r.status_code, 400)  # the web's rule: no bidi controls
        r = self.step("rita", "return", {"note": "No.5 の桁数を確認してください"})
        self.assertEqual((r.status_code, r.json()["state"]), (200, "returned"), r.content)
        self.assessment.refresh_from_db()
        self.assertEqual(self.assessment.return_note, "No.5 の桁数を確認してください")
        actions_recorded = list(
            Event.objects.filter(action__startswith="assessment.").values_list("action", flat=True)
        )
        self.assertIn("assessment.return", actions_recorded)


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


class AuditTrailTestCase(ApiTestCase):
    def test_auditors_page_through_the_trail_newest_first_with_its_hashes(self):
        url = reverse("api:events")
        r = self.call("audrey", "get", url)
        self.assertEqual(r.status_code, 200)
        events = r.json()["results"]
        seqs = [e["seq"] for e in events]
        self.assertEqual(seqs, sorted(seqs, reverse=True))
        newest = Event.objects.order_by("-seq").first()
        self.assertEqual(
            (events[0]["hash"], events[0]["prev_hash"]), (newest.hash, newest.prev_hash)
        )
        r = self.call("audrey", "get", url + "?action=api_token.create")
        self.assertEqual({e["action"] for e in r.json()["results"]}, {"api_token.create"})
        self.assertEqual(len(r.json()["results"]), len(PERSONAS) - 1)
        r = self.call("audrey", "get", url + "?since=tomorrow")
        self.assertEqual(r.status_code, 400)
        self.assertIn("since", r.json()["errors"])
        self.assertEqual(self.call("audrey", "post", url, {}).status_code, 405)


class CommentAndVerdictTestCase(ApiTestCase):
    def comments_url(self):
        return reverse("api:comments", args=[self.assessment.pk, "pw-composition"])

    def verdict_url(self):
        return reverse("api:verdict", args=[self.assessment.pk, "pw-composition"])

    def test_the_thread_and_the_verdict_follow_the_web_rules(self):
        r = self.call("bob", "post", self.comments_url(), {"body": "記号は使えますか？"})
        self.assertEqual(r.status_code, 201, r.content)
        for bad in [{"body": ""}, {"body": "x" * 4001}, {"body": "\u202e逆"}, {}, {"body": ["x"]}]:
            with self.subTest(bad=str(bad)[:30]):
                r = self.call("bob", "post", self.comments_url(), bad)
                self.assertEqual(r.status_code, 400, r.content)
                self.assertEqual(r["Content-Type"], "application/problem+json")
        thread = self.call("rita", "get", self.comments_url()).json()
        self.assertEqual(
            [(c["author"], c["body"]) for c in thread], [("bob", "記号は使えますか？")]
        )

        self.assertEqual(
            self.call("rita", "put", self.verdict_url(), {"verdict": "ok"}).status_code, 409
        )
        fill_everything(self.assessment, self.bob)
        self.assertEqual(
            self.call("bob", "post", reverse("api:submit", args=[self.assessment.pk])).status_code,
            200,
        )
        self.call("rita", "post", reverse("api:start_review", args=[self.assessment.pk]))
        r = self.call("rita", "put", self.verdict_url(), {"verdict": "fix"})
        self.assertEqual(r.status_code, 409)  # 要修正 needs a comment
        self.assertIn("コメント", r.json()["detail"])
        r = self.call(
            "rita", "put", self.verdict_url(), {"verdict": "fix", "comment": "12桁にしてください"}
        )
        self.assertEqual((r.status_code, r.json()["verdict"]), (200, "fix"), r.content)
        self.assertEqual(
            self.call("rita", "put", self.verdict_url(), {"verdict": "maybe"}).status_code, 400
        )
        thread = self.call("bob", "get", self.comments_url()).json()
        self.assertEqual(thread[-1]["body"], "12桁にしてください")
        self.assertTrue(Event.objects.filter(action="answer.verdict").exists())


class EvidenceTestCase(ApiTestCase):
    def url(self):
        return reverse("api:evidence", args=[self.assessment.pk, "pw-composition"])

    def upload(self, name, data, persona="bob"):
        return self.call(persona, "post", self.url(), {"file": SimpleUploadedFile(name, data)})

    def test_an_upload_is_kept_listed_and_downloaded_as_on_the_web(self):
        r = self.upload("規程.pdf", b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
        self.assertEqual(r.status_code, 201, r.content)
        kept = r.json()
        self.assertEqual((kept["filename"], kept["kind"]), ("規程.pdf", "pdf"))
        listed = self.call("rita", "get", self.url()).json()
        self.assertEqual([f["id"] for f in listed], [kept["id"]])
        url = reverse("api:evidence_file", args=[self.assessment.pk, kept["id"]])
        r = self.call("audrey", "get", url)
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.content.startswith(b"%PDF"))
        self.assertIn("attachment", r["Content-Disposition"])
        self.assertTrue(Event.objects.filter(action="evidence.download").exists())
        self.assertEqual(self.call("charlie", "get", url).status_code, 404)

    @override_settings(EVIDENCE_MAX_BYTES=1000)
    def test_each_bad_upload_is_refused_with_the_webs_message_and_nothing_kept(self):
        for name, data, message in [
            ("big.txt", b"x" * 1001, "大きすぎます"),
            ("empty.txt", b"", "空"),
            ("tool.exe", b"MZ\x90\x00" + b"\0" * 60, "だけを添付できます"),
            ("report.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "一致しません"),
        ]:
            with self.subTest(name=name):
                r = self.upload(name, data)
                self.assertEqual(r.status_code, 400, r.content)
                self.assertEqual(r["Content-Type"], "application/problem+json")
                self.assertIn(message, r.json()["detail"])
        r = self.call("bob", "post", self.url(), {"text": "no file"})
        self.assertEqual(r.status_code, 415)  # not multipart
        self.assertFalse(Evidence.objects.exists())


class MalwareTestCase(ApiTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clamd = Clamd()

    @classmethod
    def tearDownClass(cls):
        cls.clamd.stop()
        super().tearDownClass()

    def test_an_infected_upload_is_refused_and_recorded(self):
        url = reverse("api:evidence", args=[self.assessment.pk, "pw-composition"])
        with override_settings(CLAMAV_SOCKET=str(self.clamd.socket)):
            r = self.call("bob", "post", url, {"file": SimpleUploadedFile("eicar.txt", EICAR)})
            self.assertEqual(r.status_code, 400)
            self.assertIn("ウイルスが検出された", r.json()["detail"])
            clean = self.call("bob", "post", url, {"file": SimpleUploadedFile("ok.txt", b"policy")})
            self.assertEqual(clean.status_code, 201)
        self.assertEqual(Evidence.objects.count(), 1)
        self.assertTrue(Event.objects.filter(action="evidence.malware").exists())


class DataViewTestCase(ApiTestCase):
    def test_ward_staff_reading_another_departments_data_is_recorded_as_on_the_web(self):
        for name, args in [
            ("api:system", [self.system.pk]),
            ("api:assessment", [self.assessment.pk]),
        ]:
            with self.subTest(endpoint=name):
                before = Event.objects.filter(action="data.view").count()
                self.call("alice", "get", reverse(name, args=args))  # her own department's
                self.call("bob", "get", reverse(name, args=args))  # the vendor's own
                self.assertEqual(Event.objects.filter(action="data.view").count(), before)
                self.call("rita", "get", reverse(name, args=args))
                views = Event.objects.filter(action="data.view")
                self.assertEqual(views.count(), before + 1)
                self.assertEqual(views.latest("seq").actor, self.rita)


class ScanTestCase(ApiTestCase):
    def test_a_systems_scans_come_with_their_results(self):
        scan = make_scan(self.system, {61: "fail", 59: "pass"})
        r = self.call("bob", "get", reverse("api:system_scans", args=[self.system.pk]))
        self.assertEqual(r.status_code, 200)
        scans = r.json()["results"]
        self.assertEqual([s["id"] for s in scans], [scan.pk])
        verdicts = {(x["item_number"], x["verdict"]) for x in scans[0]["results"]}
        self.assertEqual(verdicts, {(61, "fail"), (59, "pass")})


class InventoryTestCase(ApiTestCase):
    def test_a_pipeline_sends_its_sbom_at_each_release(self):
        url = reverse("api:inventory", args=[self.system.pk])
        bom = cyclonedx(
            [("openssl", "3.0.13", ComponentType.LIBRARY), ("zlib", "1.3", ComponentType.LIBRARY)]
        )
        r = self.call(
            "bob", "post", url, {"file": SimpleUploadedFile("bom.json", bom), "dry_run": "true"}
        )
        self.assertEqual(r.json(), {"added": 2, "changed": 0, "removed": 0, "applied": False})
        self.assertFalse(Component.objects.exists())
        r = self.call("bob", "post", url, {"file": SimpleUploadedFile("bom.json", bom)})
        self.assertEqual((r.status_code, r.json()["applied"]), (201, True), r.content)
        listed = self.call("rita", "get", reverse("api:components", args=[self.system.pk])).json()[
            "results"
        ]
        self.assertEqual(
            sorted((c["product"], c["version"]) for c in listed),
            [("openssl", "3.0.13"), ("zlib", "1.3")],
        )
        newer = cyclonedx([("openssl", "3.0.14", ComponentType.LIBRARY)])
        r = self.call("bob", "post", url, {"file": SimpleUploadedFile("bom.json", newer)})
        self.assertEqual(r.json(), {"added": 1, "changed": 0, "removed": 2, "applied": True})
        self.assertTrue(Event.objects.filter(action="inventory.import").exists())

    def test_a_bad_file_is_refused_with_the_webs_reasons_and_nothing_changes(self):
        url = reverse("api:inventory", args=[self.system.pk])
        for name, data, message in [
            ("bom.json", b'{"bomFormat": "Nope"}', "CycloneDX"),
            ("bom.json", b"{not json", "JSON"),
            ("list.txt", b"hello", "txt"),
        ]:
            with self.subTest(data=data[:20]):
                r = self.call("bob", "post", url, {"file": SimpleUploadedFile(name, data)})
                self.assertEqual(r.status_code, 400, r.content)
                self.assertIn(message, str(r.json()["errors"]))
        with override_settings(INVENTORY_IMPORT_MAX_BYTES=100):
            r = self.call(
                "bob", "post", url, {"file": SimpleUploadedFile("list.csv", CSV.encode())}
            )
            self.assertIn("大きすぎます", r.json()["detail"])
        self.assertFalse(Component.objects.exists())


class VulnerabilityTestCase(ApiTestCase):
    def test_the_vendor_answers_a_finding_with_the_webs_rules(self):
        finding = make_finding(self.system)
        url = reverse("api:finding_response", args=[self.system.pk, finding.pk])
        for data, field in [
            ({"kind": "fixed"}, "date"),
            ({"kind": "fixed", "date": "2026-12-01"}, "fixed_version"),
            ({"kind": "not_affected"}, "reason"),
            ({"kind": "maybe"}, "kind"),
            ({"kind": "planned", "date": "someday"}, "date"),
        ]:
            with self.subTest(data=data):
                r = self.call("bob", "post", url, data)
                self.assertEqual(r.status_code, 400, r.content)
                self.assertIn(field, r.json()["errors"])
        r = self.call("bob", "post", url, {"kind": "fixed", "date": "2026-12-01", "fixed_version": "9.5",
                                           "file": SimpleUploadedFile("changelog.txt", b"updated to 9.5")})  # fmt: skip
        self.assertEqual(r.status_code, 201, r.content)
        listed = self.call("rita", "get", reverse("api:findings", args=[self.system.pk])).json()[
            "results"
        ]
        self.assertEqual(listed[0]["vulnerability"], "CVE-2024-0001")
        self.assertEqual([x["kind"] for x in listed[0]["responses"]], ["fixed"])
        self.assertTrue(Event.objects.filter(action="vulnerability.respond").exists())
        self.assertEqual(Evidence.objects.count(), 1)


class RecordsTestCase(ApiTestCase):
    def add_url(self, kind):
        return reverse(f"api:record_add_{kind}", args=[self.system.pk])

    def record_url(self, record):
        return reverse(f"api:record_{record.kind}", args=[self.system.pk, record.pk])

    def test_a_vendor_adds_each_kind_and_keeps_what_the_web_form_keeps(self):
        self.client.force_login(self.bob)
        for kind in Kind.values:
            with self.subTest(kind=kind):
                r = self.call("bob", "post", self.add_url(kind), record_body(kind))
                self.assertEqual(r.status_code, 201, r.content)
                record = Record.objects.get(pk=r.json()["id"])
                self.assertEqual(r["ETag"], f'"record-{record.pk}-1"')
                by_web = add_record(kind, self.system, self.alice)
                self.assertEqual(record.data, by_web.data)
                self.assertEqual((record.date, record.until), (by_web.date, by_web.until))
                self.assertEqual(record.entered_by, self.bob)
                self.assertTrue(
                    Event.objects.filter(action="record.add", object_id=str(record.pk)).exists()
                )
                # The web shows and edits it as one of its own.
                edit = reverse("records:edit", args=[self.system.pk, record.pk])
                self.assertIn(str(record.date), self.client.get(edit).content.decode())
        admin = Record.objects.filter(kind="admin_review", entered_by=self.bob).get()
        self.assertEqual(admin.data["accounts"][0]["holder"], "佐藤 花子")

    def test_a_correction_needs_the_etag_it_read_and_keeps_every_version(self):
        record = add_record("vuln_assessment", self.system, self.bob,
                            remediation_status="planned", remediation_due=NEXT_YEAR,
                            remediated_on="")  # fmt: skip
        url = self.record_url(record)
        etag = self.call("bob", "get", url)["ETag"]
        change = {"remediation_status": "done", "remediated_on": YESTERDAY,
                  "remediation_due": None}  # fmt: skip
        self.assertEqual(self.call("bob", "patch", url, change).status_code, 428)
        r = self.call("bob", "patch", url, change, **{"If-Match": etag})
        self.assertEqual(r.status_code, 200, r.content)
        record.refresh_from_db()
        self.assertEqual(record.version, 2)
        self.assertEqual(record.data["remediation_status"], "done")
        self.assertIsNone(record.data["remediation_due"])  # null cleared it
        self.assertEqual(record.data["performer"], "診断株式会社")  # left out: kept
        self.assertEqual(record.versions.count(), 2)
        event = Event.objects.get(action="record.update", object_id=str(record.pk))
        self.assertEqual(event.changes["remediation_status"], ["planned", "done"])
        # alice read it before bob's change: her ETag no longer fits.
        r = self.call("alice", "patch", url, {"performer": "上書き"}, **{"If-Match": etag})
        self.assertEqual(r.status_code, 412)
        self.assertIn("記録を変更しました", r.json()["detail"])
        record.refresh_from_db()
        self.assertEqual((record.version, record.data["performer"]), (2, "診断株式会社"))

    def test_bad_input_names_its_field_and_keeps_nothing(self):
        body = record_body("admin_review")
        accounts = body["accounts"]
        cases = [
            ({"reviewr": "typo"}, "reviewr", "受け付けません"),
            ({"date": TOMORROW}, "date", "未来の日付"),
            ({"date": "きのう"}, "date", ""),
            ({"accounts": "sysadmin01, 佐藤 花子"}, "accounts", ""),  # a list, not lines
            ({"accounts": []}, "accounts", ""),
            ({"accounts": [*accounts, {"account": "root", "holder": "管理者"}]}, "accounts",
             "3件目: 「管理者」は人の名前ではありません"),
            ({"accounts": [{"account": "root"}]}, "accounts", "holder"),  # entry 0 names it
            ({"accounts": [{"account": "a", "holder": "佐藤", "role": "x"}]}, "accounts", ""),
            ({"accounts": [{"account": "a\x00", "holder": "佐藤"}]}, "accounts", ""),
            ({"accounts": [{"account": "a", "holder": "佐藤"}] * 201}, "accounts", ""),
            ({"removed": [{"account": "old", "day": "令和99年"}]}, "removed", "日付として読めません"),
            ({"result": "\u202e反転"}, "result", ""),
            ({"next_review": YESTERDAY}, "next_review", "点検日より後"),
            ({"reviewer": ["山田"]}, "reviewer", ""),
        ]  # fmt: skip
        for change, field, message in cases:
            with self.subTest(change=str(change)[:60]):
                r = self.call("bob", "post", self.add_url("admin_review"), body | change)
                self.assertEqual(r.status_code, 400, r.content)
                self.assertEqual(r["Content-Type"], "application/problem+json")
                problem = r.json()
                self.assertTrue(problem["detail"])
                self.assertIn(field, problem["errors"])
                self.assertIn(message, str(problem["errors"][field]))
        cloud = record_body("cloud") | {"registration": "liu", "number": "C21-0001-1"}
        r = self.call("bob", "post", self.add_url("cloud"), cloud)
        self.assertIn("L で始まります", str(r.json()["errors"]["number"]))
        self.assertFalse(Record.objects.exists())
        self.assertFalse(Event.objects.filter(action__startswith="record.").exists())

    def test_a_record_is_reached_only_at_its_own_kinds_address(self):
        record = add_record("backup", self.system, self.bob)
        wrong = reverse("api:record_cloud", args=[self.system.pk, record.pk])
        self.assertEqual(self.call("bob", "get", wrong).status_code, 404)
        r = self.call("bob", "patch", wrong, {"region": "大阪"},
                      **{"If-Match": f'"record-{record.pk}-1"'})  # fmt: skip
        self.assertEqual(r.status_code, 404)
        self.assertEqual(self.call("bob", "get", self.record_url(record)).status_code, 200)

    def test_a_scan_is_cited_only_from_the_records_own_system(self):
        mine = make_scan(self.system, {61: "pass"})
        body = record_body("vuln_assessment") | {"scan": mine.pk}
        r = self.call("bob", "post", self.add_url("vuln_assessment"), body)
        self.assertEqual(r.status_code, 201, r.content)
        self.assertEqual(r.json()["scan"], mine.pk)
        theirs = make_scan(self.other_system(), {61: "pass"}, url="https://other.example.lg.jp/")
        r = self.call("bob", "post", self.add_url("vuln_assessment"), body | {"scan": theirs.pk})
        self.assertEqual(r.status_code, 400)
        self.assertIn("scan", r.json()["errors"])

    def other_system(self):
        return make_system(self.zeimu, [self.beta], created_by=self.rita)

    def test_withdrawn_it_leaves_the_list_and_is_no_longer_corrected(self):
        record = add_record("log_review", self.system, self.bob)
        withdraw = reverse("api:record_withdraw", args=[self.system.pk, record.pk])
        r = self.call("bob", "post", withdraw, {"reason": ""})
        self.assertEqual(r.status_code, 400)
        self.assertIsNone(Record.objects.get().withdrawn_at)
        r = self.call("bob", "post", withdraw, {"reason": "重複"})
        self.assertEqual(r.status_code, 200, r.content)
        self.assertEqual(r.json()["withdraw_reason"], "重複")
        listed = reverse("api:records", args=[self.system.pk])
        self.assertEqual(self.call("bob", "get", listed).json()["count"], 1)
        self.assertEqual(self.call("bob", "get", listed + "?withdrawn=false").json()["count"], 0)
        r = self.call("bob", "patch", self.record_url(record), {"findings": "x"},
                      **{"If-Match": f'"record-{record.pk}-1"'})  # fmt: skip
        self.assertEqual(r.status_code, 403)
        files = reverse("api:record_files", args=[self.system.pk, record.pk])
        r = self.call("bob", "post", files,
                      {"label": "other", "file": SimpleUploadedFile("a.txt", b"x")})  # fmt: skip
        self.assertEqual(r.status_code, 403)
        self.assertTrue(Event.objects.filter(action="record.withdraw").exists())

    def test_files_follow_the_kinds_labels_and_the_webs_checks(self):
        record = add_record("disposal", self.system, self.bob)
        url = reverse("api:record_files", args=[self.system.pk, record.pk])
        photo = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
        r = self.call("bob", "post", url,
                      {"label": "before", "file": SimpleUploadedFile("前.png", photo)})  # fmt: skip
        self.assertEqual(r.status_code, 201, r.content)
        attached = r.json()
        self.assertEqual((attached["label"], attached["filename"]), ("before", "前.png"))
        review = add_record("admin_review", self.system, self.bob)
        r = self.call("bob", "post", reverse("api:record_files", args=[self.system.pk, review.pk]),
                      {"label": "before", "file": SimpleUploadedFile("前.png", photo)})  # fmt: skip
        self.assertEqual(r.status_code, 400)
        self.assertIn("付けられる区分", str(r.json()["errors"]["label"]))
        r = self.call("bob", "post", url,
                      {"label": "other", "file": SimpleUploadedFile("a.exe", b"MZ\x90\x00")})  # fmt: skip
        self.assertEqual(r.status_code, 400)
        self.assertIn("file", r.json()["errors"])
        detail = self.call("audrey", "get", self.record_url(record)).json()
        self.assertEqual([f["id"] for f in detail["files"]], [attached["id"]])
        download = reverse("api:record_file", args=[self.system.pk, record.pk, attached["id"]])
        r = self.call("audrey", "get", download)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(b"".join(r.streaming_content) if r.streaming else r.content, photo)

    def test_the_ward_and_the_vendor_talk_about_a_record(self):
        record = add_record("certification", self.system, self.bob)
        url = reverse("api:record_comments", args=[self.system.pk, record.pk])
        r = self.call("rita", "post", url, {"body": "更新後の証明書を添えてください。"})
        self.assertEqual(r.status_code, 201, r.content)
        r = self.call("bob", "post", url, {"body": "\u202e"})
        self.assertEqual(r.status_code, 400)
        listed = self.call("bob", "get", url).json()
        self.assertEqual([(c["author"], c["body"]) for c in listed],
                         [("rita", "更新後の証明書を添えてください。")])  # fmt: skip

    def test_the_records_of_the_operating_years_are_listed(self):
        kept = Record.objects.create(
            system=self.system, kind="certification", date=timezone.localdate(),
            data={"name": "ISMS"}, entered_by=self.bob, updated_by=self.bob,
        )  # fmt: skip
        r = self.call("audrey", "get", reverse("api:records", args=[self.system.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertEqual([(x["id"], x["kind"], x["data"]) for x in r.json()["results"]],
                         [(kept.pk, "certification", {"name": "ISMS"})])  # fmt: skip


class AnnualReportTestCase(ApiTestCase):
    def test_the_register_pulls_each_yearly_reports_state(self):
        from kakunin.reports import actions as report_actions
        from kakunin.reports.annual import reporting_year

        year = reporting_year()
        approve_on(self.assessment)  # in operation, so the year's report is owed
        report = report_actions.start_report(actor=self.bob, system=self.system, fiscal_year=year)
        url = reverse("api:annual_reports", args=[self.system.pk])
        listed = self.call("audrey", "get", url).json()["results"]
        self.assertEqual([(r["id"], r["fiscal_year"], r["state"]) for r in listed],
                         [(report.pk, year, "draft")])  # fmt: skip
        self.assertEqual(self.call("charlie", "get", url).status_code, 404)


class SystemTestCase(ApiTestCase):
    def test_a_system_comes_with_its_profile_and_which_items_apply(self):
        r = self.call("bob", "get", reverse("api:system", args=[self.system.pk]))
        body = r.json()
        self.assertEqual((body["name"], body["serves_web"]), (self.system.name, True))
        self.assertEqual((body["live_on"], body["operation_start"]), (None, None))
        rows = {row["item"]: row for row in body["applicability"]}
        self.assertEqual(len(rows), 83)
        applies = self.assessment.applicability()
        for answer in self.assessment.answers.select_related("item"):
            self.assertEqual(rows[answer.item.key]["applies"], applies[answer.item.pk].applies)
        self.assertTrue(all(row["reasons"] for row in rows.values()))


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
