"""Every role against every view: who may see, who may change, who gets 404 or 403."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kakunin.evidence.actions import add_evidence
from kakunin.forms_xlsx.models import FormImport
from kakunin.test import BaseTestCase, make_user

PERSONAS = ["anonymous", "alice", "bob", "charlie", "dave", "rita", "adam", "audrey"]


def row(*codes):
    return dict(zip(PERSONAS, codes, strict=True))


#                          anon alice bob charlie dave rita adam audrey
EVERYONE = row(302, 200, 200, 200, 200, 200, 200, 200)
SEE_SYSTEM = row(302, 200, 200, 404, 404, 200, 200, 200)
EDIT_SYSTEM = row(302, 200, 403, 404, 404, 200, 403, 403)
EDIT_SYSTEM_POST = row(302, 302, 403, 404, 404, 302, 403, 403)
CREATE_SYSTEM = row(302, 200, 403, 403, 200, 200, 403, 403)
ANSWER_VENDOR_ITEM = row(302, 200, 200, 404, 404, 403, 403, 403)
ANSWER_POST = row(302, 302, 302, 404, 404, 403, 403, 403)
REVIEW = row(302, 200, 403, 404, 404, 200, 403, 403)  # DEPARTMENT_REVIEWS: the owner looks first
REVIEW_POST = row(302, 302, 403, 404, 404, 302, 403, 403)
DECIDE_POST = row(302, 403, 403, 404, 404, 302, 403, 403)
VENDOR_POST = row(302, 403, 302, 404, 404, 403, 403, 403)
ADMIN_ONLY = row(302, 404, 404, 404, 404, 404, 200, 404)
ADMIN_ONLY_POST = row(302, 404, 404, 404, 404, 404, 302, 404)
EDITORS_PAGE = row(302, 200, 403, 403, 200, 200, 403, 403)
AUDIT = row(302, 404, 404, 404, 404, 200, 200, 200)
ALERTS = row(302, 404, 404, 404, 404, 200, 200, 404)


class AccessMatrixTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        a, s = self.assessment.pk, self.system.pk
        u = make_user("victor", "vendor", self.beta).pk  # the target of the admin actions
        evidence = add_evidence(
            actor=self.bob,
            answer=self.answer("pw-composition"),
            upload=SimpleUploadedFile("policy.txt", "パスワード規程".encode()),
        )
        answer = {
            "pw-composition-status": "done",
            "pw-composition-text": "12桁",
            "pw-composition-version": "0",
        }
        ward_answer = {
            "terminal-physical-lock-status": "ward",
            "terminal-physical-lock-version": "1",
        }
        self.cases = [
            ("get", reverse("dashboards:home"), {}, EVERYONE),
            ("get", reverse("systems:index"), {}, EVERYONE),
            ("get", reverse("assessments:list"), {}, EVERYONE),
            ("get", reverse("notifications:index"), {}, EVERYONE),
            ("get", reverse("systems:create"), {}, CREATE_SYSTEM),
            ("get", reverse("systems:detail", args=[s]), {}, SEE_SYSTEM),
            ("get", reverse("systems:edit", args=[s]), {}, EDIT_SYSTEM),
            ("post", reverse("systems:edit", args=[s]), {"name": ""}, EDIT_SYSTEM),
            ("post", reverse("accounts:invite", args=[s]), {}, EDIT_SYSTEM_POST),
            ("post", reverse("accounts:request_access", args=[s]), {}, VENDOR_POST),
            ("get", reverse("accounts:access_requests"), {}, EDITORS_PAGE),
            ("get", reverse("assessments:detail", args=[a]), {}, SEE_SYSTEM),
            (
                "get",
                reverse("assessments:item", args=[a, "pw-composition"]),
                {},
                row(302, 302, 302, 404, 404, 302, 302, 302),
            ),
            (
                "get",
                reverse("assessments:history", args=[a, "terminal-physical-lock"]),
                {},
                SEE_SYSTEM,
            ),
            ("get", reverse("forms_xlsx:export", args=[a]), {}, SEE_SYSTEM),
            ("get", reverse("forms_xlsx:upload", args=[a]), {}, ANSWER_VENDOR_ITEM),
            (
                "post",
                reverse("forms_xlsx:upload", args=[a]),
                {},
                row(302, 400, 400, 404, 404, 403, 403, 403),
            ),
            (
                "hx-post",
                reverse("assessments:save_item", args=[a, "pw-composition"]),
                answer,
                row(401, 200, 200, 404, 404, 403, 403, 403),
            ),
            (
                "hx-post",
                reverse("assessments:save_item", args=[a, "terminal-physical-lock"]),
                ward_answer,
                row(401, 200, 403, 404, 404, 403, 403, 403),
            ),
            (
                "post",
                reverse("assessments:copy", args=[a, "pw-composition"]),
                {"source": "web-password-rules"},
                ANSWER_POST,
            ),
            (
                "post",
                reverse("assessments:evidence_add", args=[a, "pw-composition"]),
                {},
                ANSWER_POST,
            ),
            (
                "get",
                reverse("assessments:evidence_download", args=[a, evidence.pk]),
                {},
                SEE_SYSTEM,
            ),
            (
                "post",
                reverse("assessments:comment", args=[a, "pw-composition"]),
                {"body": "確認です"},
                row(302, 302, 302, 404, 404, 302, 403, 403),
            ),
            (
                "post",
                reverse("assessments:verdict", args=[a, "pw-composition"]),
                {"verdict": "ok"},
                REVIEW_POST,
            ),
            ("get", reverse("assessments:review", args=[a]), {}, REVIEW),
            ("post", reverse("assessments:submit", args=[a]), {}, ANSWER_POST),
            (
                "post",
                reverse("assessments:due_date", args=[a]),
                {"due_date": "2027-03-31"},
                EDIT_SYSTEM_POST,
            ),
            ("post", reverse("assessments:start_review", args=[a]), {}, REVIEW_POST),
            ("post", reverse("assessments:mark_ok", args=[a]), {}, REVIEW_POST),
            ("post", reverse("assessments:return", args=[a]), {}, DECIDE_POST),
            ("post", reverse("assessments:approve", args=[a]), {}, DECIDE_POST),
            ("post", reverse("assessments:new_revision", args=[a]), {}, EDIT_SYSTEM_POST),
            (
                "get",
                reverse("reports:assessment_pdf", args=[a]),
                {},
                row(302, 403, 403, 404, 404, 403, 403, 403),
            ),
            ("get", reverse("audit:events"), {}, AUDIT),
            ("get", reverse("monitoring:alerts"), {}, ALERTS),
            ("get", reverse("accounts:users"), {}, ADMIN_ONLY),
            ("get", reverse("accounts:user_create"), {}, ADMIN_ONLY),
            ("get", reverse("accounts:user_edit", args=[u]), {}, ADMIN_ONLY),
            ("get", reverse("accounts:review"), {}, ADMIN_ONLY),
            ("get", reverse("accounts:lockouts"), {}, ADMIN_ONLY),
            ("get", reverse("accounts:settings"), {}, ADMIN_ONLY),
            ("post", reverse("accounts:user_enable", args=[u]), {}, ADMIN_ONLY_POST),
            ("post", reverse("accounts:user_disable", args=[u]), {"reason": ""}, ADMIN_ONLY_POST),
            ("post", reverse("accounts:user_reset_password", args=[u]), {}, ADMIN_ONLY),
            ("get", reverse("accounts:organisations"), {}, ADMIN_ONLY),
        ]

    def login(self, persona: str):
        self.client.logout()
        if persona != "anonymous":
            self.client.force_login(getattr(self, persona))

    def test_it_gates_every_view_for_every_role(self):
        for method, url, data, expected in self.cases:
            for persona in PERSONAS:
                with self.subTest(persona=persona, method=method, url=url):
                    self.login(persona)
                    if method == "hx-post":
                        r = self.client.post(url, data, headers={"HX-Request": "true"})
                    else:
                        r = getattr(self.client, method)(url, data)
                    self.assertEqual(r.status_code, expected[persona])

    def test_anonymous_users_are_sent_to_the_login_page(self):
        r = self.client.get(reverse("systems:detail", args=[self.system.pk]))
        self.assertRedirects(r, reverse("account_login") + f"?next=/systems/{self.system.pk}/")

    def test_create_assessment_follows_the_edit_rule(self):
        url = reverse("systems:create_assessment", args=[self.system.pk])
        expected = row(302, 302, 403, 404, 404, 302, 403, 403)
        for year, persona in enumerate(PERSONAS, start=2030):
            with self.subTest(persona=persona):
                self.login(persona)
                r = self.client.post(
                    url, {"phase": "operation", "fiscal_year": year, "template": self.template.pk}
                )
                self.assertEqual(r.status_code, expected[persona])
                created = self.system.assessments.filter(fiscal_year=year).exists()
                self.assertEqual(created, persona in ("alice", "rita"))

    def test_lists_show_only_visible_systems(self):
        for persona, sees in [
            ("alice", True),
            ("bob", True),
            ("charlie", False),
            ("dave", False),
            ("audrey", True),
        ]:
            with self.subTest(persona=persona):
                self.login(persona)
                for url in [
                    reverse("systems:index"),
                    reverse("assessments:list"),
                ]:
                    r = self.client.get(url)
                    self.assertEqual(self.system.name in r.content.decode(), sees, url)

    def test_an_import_preview_belongs_to_its_uploader(self):
        staged = FormImport.objects.create(
            assessment=self.assessment, uploaded_by=self.bob, filename="f.xlsx", sha256="0" * 64, size=1,
            plan={"changes": [], "notes": []},
        )  # fmt: skip
        preview = reverse("forms_xlsx:preview", args=[self.assessment.pk, staged.pk])
        decide = reverse("forms_xlsx:decide", args=[self.assessment.pk, staged.pk])
        expected = row(302, 404, 200, 404, 404, 403, 403, 403)
        for persona in PERSONAS:
            with self.subTest(persona=persona):
                self.login(persona)
                self.assertEqual(self.client.get(preview).status_code, expected[persona])
        self.login("alice")
        self.assertEqual(self.client.post(decide, {"decision": "cancel"}).status_code, 404)
        self.login("bob")
        self.assertEqual(self.client.post(decide, {"decision": "cancel"}).status_code, 302)
