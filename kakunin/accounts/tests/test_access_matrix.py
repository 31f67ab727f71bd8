"""Every role against every view: who may see, who may change, who gets 404 or 403.

The matrix is checked against the URL patterns: a view Kakunin serves without a
row here fails the test, so a new view cannot be left out (18 of 63 once were).
Each request runs in a savepoint that is rolled back, so that one persona's
change (a target removed, a transition) does not decide the next one's answer.
"""

from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import Http404
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from kakunin.accounts.models import UserSession
from kakunin.api.actions import issue_token
from kakunin.assessments.actions import create_assessment
from kakunin.catalog import actions as catalog_actions
from kakunin.evidence.actions import add_evidence
from kakunin.forms_xlsx.models import DefinitionImport, FormImport
from kakunin.inventory.models import (
    Component,
    Finding,
    InventoryImport,
    Response,
    Vulnerability,
)
from kakunin.library.models import LibraryImport
from kakunin.monitoring.models import Alert, Heartbeat
from kakunin.notifications.models import Notification
from kakunin.records.models import Record, RecordFile
from kakunin.reports import annual
from kakunin.reports.models import AnnualReport, PdfJob
from kakunin.scans.models import Authorisation
from kakunin.systems.models import AccessRequest
from testsupport import municipal_form
from testsupport.fixtures import (
    PASSWORD,
    BaseTestCase,
    make_library,
    make_scan,
    make_system,
    make_user,
)

# bella works for Alpha, the system's vendor, but was never given the system.
PERSONAS = ["anonymous", "alice", "bob", "bella", "charlie", "dave", "rita", "adam", "audrey"]


def row(*codes):
    return dict(zip(PERSONAS, codes, strict=True))


#                     anon alice bob bella charlie dave rita adam audrey
EVERYONE = row(302, 200, 200, 200, 200, 200, 200, 200, 200)
EVERYONE_POST = row(302, 302, 302, 302, 302, 302, 302, 302, 302)
NO_LOGIN_NEEDED = row(200, 200, 200, 200, 200, 200, 200, 200, 200)
SEE_SYSTEM = row(302, 200, 200, 404, 404, 404, 200, 200, 200)
SEE_SYSTEM_REDIRECT = row(302, 302, 302, 404, 404, 404, 302, 302, 302)
EDIT_SYSTEM = row(302, 200, 403, 404, 404, 404, 200, 403, 403)
EDIT_SYSTEM_POST = row(302, 302, 403, 404, 404, 404, 302, 403, 403)
EDIT_SYSTEM_FORM_ERROR = row(302, 400, 403, 404, 404, 404, 400, 403, 403)
CREATE_SYSTEM = row(302, 200, 403, 403, 403, 200, 200, 403, 403)
MEMBER_POST = row(302, 403, 302, 404, 404, 404, 403, 403, 403)
# The vendor and the owning department write answers; reviewers never do.
ANSWER = row(302, 200, 200, 404, 404, 404, 403, 403, 403)
ANSWER_POST = row(302, 302, 302, 404, 404, 404, 403, 403, 403)
SEE_SYSTEM_HX = row(401, 200, 200, 404, 404, 404, 200, 200, 200)
ANSWER_HX = row(401, 200, 200, 404, 404, 404, 403, 403, 403)
ANSWER_FORM_ERROR = row(302, 400, 400, 404, 404, 404, 403, 403, 403)
WARD_ITEM_HX = row(401, 200, 403, 404, 404, 404, 403, 403, 403)
COMMENT_POST = row(302, 302, 302, 404, 404, 404, 302, 403, 403)
REVIEW = row(302, 200, 403, 404, 404, 404, 200, 403, 403)  # DEPARTMENT_REVIEWS: a first look
REVIEW_POST = row(302, 302, 403, 404, 404, 404, 302, 403, 403)
DECIDE_POST = row(302, 403, 403, 404, 404, 404, 302, 403, 403)
APPROVED_ONLY = row(302, 403, 403, 404, 404, 404, 403, 403, 403)  # the PDF of a draft
UPLOADER = row(302, 404, 200, 404, 404, 404, 403, 403, 403)
UPLOADER_POST = row(302, 404, 302, 404, 404, 404, 403, 403, 403)
ACCESS_REQUESTS = row(302, 200, 403, 403, 403, 200, 200, 403, 403)
DECIDE_ACCESS_REQUEST = row(302, 302, 404, 404, 404, 404, 302, 404, 404)
ADMIN_ONLY = row(302, 404, 404, 404, 404, 404, 404, 200, 404)
ADMIN_ONLY_POST = row(302, 404, 404, 404, 404, 404, 404, 302, 404)
AUDIT = row(302, 404, 404, 404, 404, 404, 200, 200, 200)
AUDIT_POST = row(302, 404, 404, 404, 404, 404, 302, 302, 302)
ALERTS = row(302, 404, 404, 404, 404, 404, 200, 200, 404)
ALERTS_POST = row(302, 404, 404, 404, 404, 404, 302, 302, 404)
# The answer library: alpha's people (bob, bella) only; approving, its administrator.
LIBRARY = row(302, 404, 200, 200, 404, 404, 404, 404, 404)
OWN_LIBRARY = row(302, 404, 200, 200, 200, 404, 404, 404, 404)  # every company its own
LIBRARY_POST = row(302, 404, 302, 302, 404, 404, 404, 404, 404)
LIBRARY_APPROVE = row(302, 404, 403, 403, 404, 404, 404, 404, 404)
LIBRARY_BUILD = row(302, 404, 200, 404, 404, 404, 404, 404, 404)  # bella: not the system's
FILL = row(302, 403, 200, 404, 404, 404, 403, 403, 403)
LIBRARY_UPLOAD = row(302, 404, 400, 404, 404, 404, 404, 404, 404)  # bob: no file sent
LIBRARY_STAGED = row(302, 404, 200, 404, 404, 404, 404, 404, 404)  # who uploaded it
NOT_FOUND = row(404, 404, 404, 404, 404, 404, 404, 404, 404)
NOBODY_HERE = row(302, 404, 404, 404, 404, 404, 404, 404, 404)
# One's own PDF (made by the worker), of a document one may still see.
OWN_PDF = row(302, 200, 404, 404, 404, 404, 404, 404, 404)
OWN_SESSION_POST = row(302, 302, 404, 404, 404, 404, 404, 404, 404)
# The password typed again issues a token; reviewers and administrators have TOTP, and
# no code was given.
ISSUE_TOKEN = row(302, 200, 200, 200, 200, 200, 400, 400, 200)
EOL_DATA = row(302, 403, 403, 403, 403, 403, 200, 403, 403)
GONE = row(410, 410, 410, 410, 410, 410, 410, 410, 410)
# The forms: the ward's staff and the auditors read them; reviewers and administrators
# load, tag and publish (a published version refuses, with a message: 302).
READ_FORMS = row(302, 200, 404, 404, 404, 200, 200, 200, 200)
MANAGE_FORMS = row(302, 403, 404, 404, 404, 403, 200, 200, 403)
MANAGE_FORMS_POST = row(302, 403, 404, 404, 404, 403, 302, 302, 403)
SERVICE_FORM = row(302, 403, 404, 404, 404, 403, 403, 403, 403)
UPLOAD_FORMS = row(302, 404, 404, 404, 404, 404, 200, 200, 404)
# The municipalities one works for: a vendor person those that gave them a system (bella
# and charlie have none here), the ward's staff their own.
SWITCH = row(302, 302, 302, 404, 404, 302, 302, 302, 302)
RITAS_UPLOAD = row(302, 404, 404, 404, 404, 404, 200, 404, 404)

# URL name -> [(method, args, data, expected)]. Args name the objects set up below.
MATRIX = {
    "home": [("get", [], {}, row(302, 302, 302, 302, 302, 302, 302, 302, 302))],
    "healthz": [("get", [], {}, NO_LOGIN_NEEDED)],
    "set_language": [("post", [], {"language": "ja"}, EVERYONE_POST)],
    "notifications:index": [("get", [], {}, EVERYONE)],
    "notifications:read": [("post", ["notification"], {}, EVERYONE_POST)],
    "notifications:read_all": [("post", [], {}, EVERYONE_POST)],
    "dashboards:home": [("get", [], {}, EVERYONE)],
    "reports:assessment_pdf": [("post", ["a"], {}, APPROVED_ONLY)],
    "reports:pdf_job": [("get", ["alices_pdf"], {}, OWN_PDF)],
    "reports:pdf_download": [("get", ["alices_pdf"], {}, OWN_PDF)],
    "reports:annual_pdf": [("post", ["s", "year"], {}, SEE_SYSTEM_REDIRECT)],
    "accounts:users": [("get", [], {}, ADMIN_ONLY)],
    "accounts:user_create": [("get", [], {}, ADMIN_ONLY)],
    "accounts:user_edit": [("get", ["victor"], {}, ADMIN_ONLY)],
    "accounts:user_disable": [("post", ["victor"], {"reason": ""}, ADMIN_ONLY_POST)],
    "accounts:user_enable": [("post", ["victor"], {}, ADMIN_ONLY_POST)],
    "accounts:user_reset_password": [("post", ["victor"], {}, ADMIN_ONLY)],
    "accounts:organisations": [("get", [], {}, ADMIN_ONLY)],
    "accounts:review": [("get", [], {}, ADMIN_ONLY)],
    "accounts:lockouts": [("get", [], {}, ADMIN_ONLY)],
    "accounts:unlock": [("post", [], {}, ADMIN_ONLY_POST)],
    "accounts:settings": [("get", [], {}, ADMIN_ONLY)],
    # The municipality's directory: its administrators; no OpenID Connect here (404).
    "directory:settings": [("get", [], {}, ADMIN_ONLY), ("post", [], {}, ADMIN_ONLY)],
    "directory:probe": [("post", [], {}, ADMIN_ONLY)],
    "directory:oidc_start": [("get", ["code"], {}, NOT_FOUND)],
    "directory:oidc_login": [("post", ["provider"], {}, NOT_FOUND)],
    "directory:oidc_callback": [("get", ["provider"], {}, NOT_FOUND)],
    "directory:no_connections": [("get", [], {}, NOT_FOUND)],
    "directory:no_signup": [("get", [], {}, NOT_FOUND)],
    "directory:no_password_set": [("get", [], {}, NOT_FOUND)],
    "selfcheck:page": [("get", [], {}, ADMIN_ONLY)],
    "selfcheck:run": [("post", [], {}, ADMIN_ONLY_POST)],
    # Only the first administrator made as `admin`, until they name themself.
    "accounts:choose_identity": [("get", [], {}, NOBODY_HERE)],
    "accounts:sessions": [("get", [], {}, EVERYONE)],
    "accounts:end_session": [("post", ["alices_session"], {}, OWN_SESSION_POST)],
    "tokens:index": [("get", [], {}, EVERYONE)],
    "service:municipalities": [("get", [], {}, EVERYONE)],
    "service:switch": [("post", ["municipality"], {}, SWITCH)],
    # The service's operator's (kakunin/service/tests/test_operator.py): no one here.
    "service:operator": [("get", [], {}, NOBODY_HERE)],
    "service:suspend": [("post", ["municipality"], {}, NOBODY_HERE)],
    "tokens:issue": [
        (
            "post",
            [],
            {"name": "CI", "days": "30", "read_only": "on", "password": PASSWORD},
            ISSUE_TOKEN,
        )
    ],
    "tokens:revoke": [("post", ["alices_token"], {}, OWN_SESSION_POST)],
    "accounts:end_other_sessions": [("post", [], {}, EVERYONE_POST)],
    "systems:invite": [("post", ["s"], {}, EDIT_SYSTEM_POST)],
    "systems:request_access": [("post", ["s"], {}, MEMBER_POST)],
    "invitations:open": [("get", [], {}, NO_LOGIN_NEEDED)],
    "invitations:accept": [("get", [], {}, GONE)],
    "invitations:requests": [("get", [], {}, ACCESS_REQUESTS)],
    # A request of a system the user may not manage is a 404, never a 403 (it exists).
    "invitations:decide": [("post", ["access_request"], {}, DECIDE_ACCESS_REQUEST)],
    "systems:index": [("get", [], {}, EVERYONE)],
    "systems:create": [("get", [], {}, CREATE_SYSTEM)],
    "systems:detail": [("get", ["s"], {}, SEE_SYSTEM)],
    "systems:edit": [
        ("get", ["s"], {}, EDIT_SYSTEM),
        ("post", ["s"], {"name": ""}, EDIT_SYSTEM),
    ],
    "assessments:create": [("post", ["s"], {}, EDIT_SYSTEM_POST)],
    "systems:add_member": [("post", ["s"], {"user": "bella"}, EDIT_SYSTEM_POST)],
    "systems:remove_member": [("post", ["s", "bob"], {}, EDIT_SYSTEM_POST)],
    "scans:system": [("get", ["s"], {}, SEE_SYSTEM)],
    "scans:add_target": [("post", ["s"], {}, EDIT_SYSTEM_FORM_ERROR)],
    "scans:add_authorisation": [("post", ["s"], {}, EDIT_SYSTEM_FORM_ERROR)],
    "scans:run": [("post", ["s"], {"authorisation": "999999"}, EDIT_SYSTEM_POST)],
    "scans:remove_target": [("post", ["target"], {}, EDIT_SYSTEM_POST)],
    "scans:revoke_authorisation": [("post", ["authorisation"], {}, EDIT_SYSTEM_POST)],
    "scans:detail": [("get", ["scan"], {}, SEE_SYSTEM)],
    "scans:progress": [("get", ["scan"], {}, SEE_SYSTEM)],
    "scans:report": [("get", ["scan"], {}, SEE_SYSTEM)],
    "assessments:list": [("get", [], {}, EVERYONE)],
    "assessments:detail": [("get", ["a"], {}, SEE_SYSTEM)],
    "assessments:submit": [("post", ["a"], {}, ANSWER_POST)],
    "assessments:due_date": [("post", ["a"], {"due_date": "2027-03-31"}, EDIT_SYSTEM_POST)],
    "reviews:review": [("get", ["a"], {}, REVIEW)],
    "reviews:start_review": [("post", ["a"], {}, REVIEW_POST)],
    "reviews:mark_ok": [("post", ["a"], {}, REVIEW_POST)],
    "reviews:return": [("post", ["a"], {}, DECIDE_POST)],
    "reviews:approve": [("post", ["a"], {}, DECIDE_POST)],
    "reviews:new_revision": [("post", ["a"], {}, EDIT_SYSTEM_POST)],
    "assessments:item": [("get", ["a", "vendor_item"], {}, SEE_SYSTEM_REDIRECT)],
    "assessments:section": [
        ("get", ["a", "section"], {}, SEE_SYSTEM_REDIRECT),
        ("hx-get", ["a", "section"], {}, SEE_SYSTEM_HX),
    ],
    "assessments:save_item": [
        ("hx-post", ["a", "vendor_item"], "vendor_answer", ANSWER_HX),
        ("hx-post", ["a", "ward_item"], "ward_answer", WARD_ITEM_HX),
    ],
    "assessments:copy": [
        ("post", ["a", "vendor_item"], {"source": "web-password-rules"}, ANSWER_POST)
    ],
    "assessments:confirm": [("post", ["a", "vendor_item"], {}, ANSWER_POST)],
    "assessments:history": [("get", ["a", "ward_item"], {}, SEE_SYSTEM)],
    "evidence:add": [("post", ["a", "vendor_item"], {}, ANSWER_POST)],
    "reviews:comment": [("post", ["a", "vendor_item"], {"body": "確認です"}, COMMENT_POST)],
    "reviews:verdict": [("post", ["a", "vendor_item"], {"verdict": "ok"}, REVIEW_POST)],
    "evidence:download": [("get", ["a", "evidence"], {}, SEE_SYSTEM)],
    "evidence:remove": [("post", ["a", "evidence"], {}, ANSWER_POST)],
    "forms_xlsx:export": [("get", ["a"], {}, SEE_SYSTEM)],
    "forms_xlsx:upload": [
        ("get", ["a"], {}, ANSWER),
        ("post", ["a"], {}, ANSWER_FORM_ERROR),
    ],
    "forms_xlsx:preview": [("get", ["a", "staged"], {}, UPLOADER)],
    "forms_xlsx:decide": [("post", ["a", "staged"], {"decision": "cancel"}, UPLOADER_POST)],
    "audit:events": [("get", [], {}, AUDIT)],
    "audit:export": [("get", [], {}, AUDIT)],
    "audit:verify": [("post", [], {}, AUDIT_POST)],
    "monitoring:alerts": [("get", [], {}, ALERTS)],
    "monitoring:acknowledge": [("post", ["alert"], {}, ALERTS_POST)],
    # The inventory is kept like the answers: the vendor and the owning department.
    "inventory:system": [("get", ["s"], {}, SEE_SYSTEM)],
    "inventory:add": [("get", ["s"], {}, ANSWER)],
    "inventory:edit": [("get", ["s", "component"], {}, ANSWER)],
    "inventory:remove": [("post", ["s", "component"], {}, ANSWER_POST)],
    "inventory:upload": [("get", ["s"], {}, ANSWER)],
    "inventory:preview": [("get", ["s", "inventory_import"], {}, UPLOADER)],
    "inventory:decide": [
        ("post", ["s", "inventory_import"], {"decision": "cancel"}, UPLOADER_POST)
    ],
    "inventory:template": [("get", [], {}, EVERYONE)],
    "inventory:eol": [("get", [], {}, EOL_DATA)],
    "inventory:feeds": [("get", [], {}, EOL_DATA)],
    "inventory:vulnerabilities": [("get", [], {}, EVERYONE)],
    "inventory:respond": [("get", ["s", "finding"], {}, ANSWER)],
    "inventory:response_evidence": [("get", ["s", "vulnerability_response"], {}, SEE_SYSTEM)],
    # The records of the operating years and the yearly report: kept like the answers,
    # commented by whoever works on the system, judged and approved by the ward.
    "records:system": [("get", ["s"], {}, SEE_SYSTEM)],
    "records:add": [("get", ["s", "admin_review"], {}, ANSWER)],
    "records:detail": [("get", ["s", "record"], {}, SEE_SYSTEM)],
    "records:edit": [("get", ["s", "record"], {}, ANSWER)],
    "records:withdraw": [("post", ["s", "record"], {"reason": "誤り"}, ANSWER_POST)],
    "records:comment": [("post", ["s", "record"], {"body": "確認"}, COMMENT_POST)],
    "records:download": [("get", ["s", "record", "record_file"], {}, SEE_SYSTEM)],
    "records:ismap": [("get", [], {}, EOL_DATA)],
    "reports:schedule": [("get", [], {}, EOL_DATA)],
    "reports:annual_list": [("get", ["s"], {}, SEE_SYSTEM)],
    "reports:annual": [("get", ["s", "year"], {}, SEE_SYSTEM)],
    "reports:annual_start": [("post", ["s", "next_year"], {}, ANSWER_POST)],
    "reports:annual_step": [
        ("post", ["s", "year", "submit"], {}, ANSWER_POST),
        ("post", ["s", "year", "start_review"], {}, REVIEW_POST),
        ("post", ["s", "year", "return"], {"note": "x"}, DECIDE_POST),
        ("post", ["s", "year", "approve"], {}, DECIDE_POST),
    ],
    "reports:annual_verdict": [
        ("post", ["s", "year"], {"section": "software", "verdict": "ok"}, REVIEW_POST)
    ],
    "reports:annual_comment": [
        ("post", ["s", "year"], {"section": "software", "body": "x"}, COMMENT_POST)
    ],
    "reports:annual_export": [("get", ["s", "year", "json"], {}, SEE_SYSTEM)],
    "catalog:list": [("get", [], {}, READ_FORMS)],
    "catalog:detail": [("get", ["form"], {}, READ_FORMS)],
    "catalog:compare": [("get", ["form", "form"], {}, READ_FORMS)],
    "catalog:oscal": [("get", ["form"], {}, READ_FORMS)],
    # The municipality's own form; the service's is read, never changed, by any of them.
    "catalog:item": [
        ("get", ["own_form", "vendor_item"], {}, MANAGE_FORMS),
        ("get", ["form", "vendor_item"], {}, SERVICE_FORM),
    ],
    "catalog:publish": [
        ("post", ["own_form"], {}, MANAGE_FORMS_POST),
        ("post", ["form"], {}, SERVICE_FORM),
    ],
    "catalog:high": [
        ("post", ["own_form"], {}, MANAGE_FORMS_POST),
        ("post", ["form"], {}, SERVICE_FORM),
    ],
    "catalog:new_version": [("post", ["form"], {}, MANAGE_FORMS_POST)],
    "form_definitions:upload": [("get", [], {}, UPLOAD_FORMS)],
    "form_definitions:preview": [("get", ["definition"], {}, RITAS_UPLOAD)],
    "library:index": [("get", [], {}, OWN_LIBRARY)],
    "library:product": [("get", ["product"], {}, LIBRARY)],
    "library:edit_product": [("get", ["product"], {}, LIBRARY)],
    "library:new_entry": [("get", ["product"], {}, LIBRARY)],
    "library:approve": [("post", ["product"], {}, LIBRARY_APPROVE)],
    "library:build": [("get", ["product", "a"], {}, LIBRARY_BUILD)],
    "library:entry": [("get", ["entry"], {}, LIBRARY)],
    "library:add_file": [("post", ["entry"], {}, LIBRARY_POST)],
    "library:download": [("get", ["entry_file"], {}, LIBRARY)],
    "library:remove_file": [("post", ["entry_file"], {}, LIBRARY_POST)],
    "library:fill": [("get", ["a"], {}, FILL)],
    "library:upload": [("post", ["product", "a"], {}, LIBRARY_UPLOAD)],
    "library:staged": [("get", ["library_import"], {}, LIBRARY_STAGED)],
}


def kakunin_url_names() -> set[str]:
    """Every named URL that Kakunin's own pages serve (allauth's are its own; the REST
    API's, api:*, have their own matrix, by token: kakunin/api/tests/test_access.py)."""

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(filter(None, [namespace, p.namespace]))
                yield from walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.callback.__module__.startswith("kakunin."):
                yield ":".join(filter(None, [namespace, p.name]))

    return {n for n in walk(get_resolver().url_patterns, "") if not n.startswith("api:")}


class MatrixWorld(BaseTestCase):
    """One of everything a view can be asked about, named for the matrix's args, and
    the personas logged in by name (the language test opens every page through it)."""

    def setUp(self):
        super().setUp()
        self.bella = make_user("bella", "vendor", self.alpha)
        self.victor = make_user("victor", "vendor", self.beta)  # the target of admin actions
        evidence = add_evidence(
            actor=self.bob,
            answer=self.answer("pw-composition"),
            upload=SimpleUploadedFile("policy.txt", "パスワード規程".encode()),
        )
        scan = make_scan(self.system, {"tls-version": "pass"})
        target = self.system.scan_targets.get()
        now = timezone.now()
        authorisation = Authorisation.objects.create(
            system=self.system, authorised_by="情報政策課 課長", valid_from=now,
            valid_until=now + timezone.timedelta(days=1), login_url="https://www.example.lg.jp/login",
            username="test", password="x", recorded_by=self.alice,
        )  # fmt: skip
        staged = FormImport.objects.create(
            assessment=self.assessment, uploaded_by=self.bob, filename="f.xlsx", sha256="0" * 64,
            size=1, plan={"changes": [], "notes": []},
        )  # fmt: skip
        request = AccessRequest.objects.create(
            system=self.system, organisation=self.alpha, requested_by=self.bob,
            full_name="鈴木 次郎", email="jiro@alpha.example", reason="交代",
        )  # fmt: skip
        notification = Notification.objects.create(
            user=self.alice, kind="approved", subject="x", body="x"
        )
        alices_token, _secret = issue_token(
            actor=self.alice, user=self.alice, name="CI", days=30, read_only=True, with_totp=False
        )
        session = UserSession.objects.create(
            user=self.alice, session_key="x" * 32, created_at=now, last_seen_at=now
        )
        alert = Alert.objects.create(kind="lockout", key="lockout:1", message="x")
        Heartbeat.objects.create(name="worker", at=now)
        component = Component.objects.create(
            system=self.system, kind="os", product="RHEL", version="9.4"
        )
        vulnerability = Vulnerability.objects.create(
            ident="CVE-2024-0001", source="nvd", digest="x"
        )
        finding = Finding.objects.create(
            component=component, vulnerability=vulnerability, first_seen=now
        )
        vulnerability_response = Response.objects.create(
            finding=finding, kind="fixed", by=self.bob, at=now,
            evidence=add_evidence(actor=self.bob, upload=SimpleUploadedFile("fix.txt", b"fixed")),
        )  # fmt: skip
        inventory_import = InventoryImport.objects.create(
            system=self.system, uploaded_by=self.bob, filename="bom.json", sha256="0" * 64,
            plan={"origin": "sbom", "added": [], "changed": [], "removed": [], "fingerprint": ""},
        )  # fmt: skip
        year = annual.reporting_year()
        report = AnnualReport.objects.create(
            system=self.system, fiscal_year=year, created_by=self.bob
        )
        alices_pdf = PdfJob.objects.create(
            report=report, requested_by=self.alice, language="ja", state="done",
            data=b"%PDF-1.7", size=8, pages=1,
        )  # fmt: skip
        kept = Record.objects.create(
            system=self.system, kind="certification", date=timezone.localdate(), data={},
            entered_by=self.bob, updated_by=self.bob,
        )  # fmt: skip
        record_file = RecordFile.objects.create(
            record=kept, label="certificate",
            evidence=add_evidence(actor=self.bob, upload=SimpleUploadedFile("cert.txt", b"ISMS")),
        )  # fmt: skip
        product, entry, entry_file = make_library(self.bob)
        library_import = LibraryImport.objects.create(
            product=product, uploaded_by=self.bob, filename="f.xlsx", sha256="0" * 64, plan=[]
        )
        own_form = catalog_actions.new_version(actor=self.rita, template=self.template)
        catalog_actions.publish(actor=self.rita, template=own_form)
        definition = DefinitionImport.objects.create(
            uploaded_by=self.rita, filename="midori.xlsx", sha256="0" * 64,
            data=municipal_form.build(), options={"key": "midori", "version": "1"},
        )  # fmt: skip
        self.objects = {
            "code": "131016", "provider": "m131016",
            "record": kept.pk, "record_file": record_file.pk, "year": year, "alices_pdf": alices_pdf.pk,
            "next_year": year + 1, "admin_review": "admin_review", "submit": "submit",
            "start_review": "start_review", "return": "return", "approve": "approve", "json": "json",
            "a": self.assessment.pk, "s": self.system.pk, "victor": self.victor.pk,
            "bob": self.bob.pk, "bella": self.bella.pk, "evidence": evidence.pk,
            "scan": scan.pk, "target": target.pk, "authorisation": authorisation.pk,
            "staged": staged.pk, "access_request": request.pk, "notification": notification.pk,
            "alices_session": session.pk, "alices_token": alices_token.pk, "alert": alert.pk, "component": component.pk,
            "inventory_import": inventory_import.pk, "finding": finding.pk,
            "vulnerability_response": vulnerability_response.pk,
            "vendor_item": "pw-composition", "section": 5, "ward_item": "terminal-physical-lock",
            "form": self.template.pk, "definition": definition.pk, "municipality": "131016", "own_form": own_form.pk,
            "product": product.pk, "entry": entry.pk, "entry_file": entry_file.pk,
            "library_import": library_import.pk,
        }  # fmt: skip
        self.data = {
            "vendor_answer": {
                "pw-composition-status": "done",
                "pw-composition-text": "12桁",
                "pw-composition-version": "0",
            },
            "ward_answer": {
                "terminal-physical-lock-status": "ward",
                "terminal-physical-lock-version": "1",
            },
        }

    def login(self, persona: str):
        self.client.logout()
        if persona != "anonymous":
            self.client.force_login(getattr(self, persona))

    def request(self, method, url, data):
        if isinstance(data, str):
            data = self.data[data]
        data = {k: self.objects.get(v, v) if k == "user" else v for k, v in data.items()}
        savepoint = transaction.savepoint()
        try:
            if method == "hx-post":
                return self.client.post(url, data, headers={"HX-Request": "true"})
            if method == "hx-get":
                return self.client.get(url, data, headers={"HX-Request": "true"})
            return getattr(self.client, method)(url, data)
        finally:
            transaction.savepoint_rollback(savepoint)


class AccessMatrixTestCase(MatrixWorld):
    def test_every_view_is_in_the_matrix(self):
        missing = kakunin_url_names() - set(MATRIX)
        self.assertEqual(missing, set(), "views without a row in the access matrix")
        self.assertEqual(set(MATRIX) - kakunin_url_names(), set(), "rows of views that are gone")

    def test_it_gates_every_view_for_every_role(self):
        for name, cases in MATRIX.items():
            for method, args, data, expected in cases:
                url = reverse(name, args=[self.objects[a] for a in args])
                for persona in PERSONAS:
                    with self.subTest(persona=persona, view=name, method=method):
                        self.login(persona)
                        r = self.request(method, url, data)
                        self.assertEqual(r.status_code, expected[persona])

    def test_anonymous_users_are_sent_to_the_login_page(self):
        r = self.client.get(reverse("systems:detail", args=[self.system.pk]))
        self.assertRedirects(r, reverse("account_login") + f"?next=/systems/{self.system.pk}/")

    def test_create_assessment_follows_the_edit_rule(self):
        url = reverse("assessments:create", args=[self.system.pk])
        for year, persona in enumerate(PERSONAS, start=2030):
            with self.subTest(persona=persona):
                self.login(persona)
                r = self.client.post(
                    url, {"phase": "operation", "fiscal_year": year, "template": self.template.pk}
                )
                self.assertEqual(r.status_code, EDIT_SYSTEM_POST[persona])
                created = self.system.assessments.filter(fiscal_year=year).exists()
                self.assertEqual(created, persona in ("alice", "rita"))

    def test_lists_show_only_visible_systems(self):
        for persona, sees in [
            ("alice", True),
            ("bob", True),
            ("bella", False),
            ("charlie", False),
            ("dave", False),
            ("audrey", True),
        ]:
            with self.subTest(persona=persona):
                self.login(persona)
                for url in [reverse("systems:index"), reverse("assessments:list")]:
                    r = self.client.get(url)
                    self.assertEqual(self.system.name in r.content.decode(), sees, url)

    def test_the_rule_for_one_system_agrees_with_the_list_rule(self):
        """access.can_see_system (one loaded system, the detail pages) and
        System.objects.visible_to (lists, querysets) are the same rule."""
        from django.contrib.auth.models import AnonymousUser

        from kakunin import access
        from kakunin.systems.models import System

        other = make_system(self.zeimu, [self.beta], created_by=self.dave, name="税務システム")
        former = make_system(self.kodomo, [self.alpha], created_by=self.alice, name="旧システム")
        former.vendors.clear()  # bob's company no longer serves it; his membership stays
        gone = make_user("gone", "vendor", self.alpha)
        self.system.memberships.create(user=gone)
        gone.is_active = False
        gone.save()
        homeless = make_user("homeless", "vendor", None)
        people = [AnonymousUser(), gone, homeless] + [getattr(self, p) for p in PERSONAS[1:]]
        assessments = {self.system.pk: self.assessment.pk}
        for system in (other, former):
            assessments[system.pk] = create_assessment(
                actor=self.rita, system=system, template=self.template, phase="initial"
            ).pk
        seen = 0
        for user in people:
            for pk in (self.system.pk, other.pk, former.pk):
                with self.subTest(user=str(user), system=pk):
                    expected = access.visible_systems(user).filter(pk=pk).exists()
                    self.assertEqual(
                        access.can_see_system(user, System.objects.get(pk=pk)), expected
                    )
                    # An assessment's page asks it inside its own query (the membership).
                    asked = SimpleNamespace(user=user)
                    try:
                        access.get_assessment_for_user(asked, assessments[pk])
                    except Http404:
                        found = False
                    else:
                        found = True
                    self.assertEqual(found, expected)
                    seen += expected
        self.assertGreater(seen, 5)

    def test_an_access_request_of_another_department_is_not_revealed(self):
        """It answered 403 (so it exists) before; now as if there were none."""
        request = AccessRequest.objects.get()
        self.login("dave")
        url = reverse("invitations:decide", args=[request.pk])
        self.assertEqual(self.client.post(url, {"decision": "approve"}).status_code, 404)
        self.assertEqual(self.client.post(url.replace(str(request.pk), "999999")).status_code, 404)
        request.refresh_from_db()
        self.assertEqual(request.state, "pending")
