"""What the API's tests share: the personas, the expected status of each endpoint for
each of them, the bodies of records, and ApiTestCase."""

from django import forms
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from kakunin.api import actions
from kakunin.inventory.models import Component, Finding, Vulnerability
from kakunin.records import actions as records_actions
from kakunin.records.kinds import KINDS, LinesField
from kakunin.records.models import Kind
from kakunin.records.tests.test_records import YESTERDAY, valid
from testsupport.fixtures import (
    BaseTestCase,
    make_user,
)

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
# The answer library: alpha's people only (any other token: 404); approving, its administrator.
LIBRARY = row(401, 404, 200, 200, 404, 404, 404, 404, 404)
LIBRARY_ADD = row(401, 404, 201, 201, 404, 404, 404, 404, 404)
LIBRARY_APPROVE = row(401, 404, 403, 403, 404, 404, 404, 404, 404)
OWN_LIBRARY = row(401, 404, 200, 200, 200, 404, 404, 404, 404)  # every company its own
OWN_LIBRARY_ADD = row(401, 404, 201, 201, 201, 404, 404, 404, 404)
MATRIX |= {
    "api:library_products": [("get", [], OWN_LIBRARY), ("post", [], OWN_LIBRARY_ADD)],
    "api:library_product": [("get", ["product"], LIBRARY)],
    "api:library_entries": [("get", ["product"], LIBRARY), ("post", ["product"], LIBRARY_ADD)],
    "api:library_approve": [("post", ["product"], LIBRARY_APPROVE)],
    "api:library_entry": [("get", ["entry"], LIBRARY), ("patch", ["entry"], LIBRARY)],
}


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
    ("api:library_products", "post"): {"name": "新しい製品", "versions": "v1"},
    ("api:library_entries", "post"): {"control": "mfa", "status": "done", "text": "TOTPで認証"},
    ("api:library_entry", "patch"): {"text": "TLS1.3のみ"},
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
