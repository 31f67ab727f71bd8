"""Every role against every view: who may see, who may change, who gets 404 or 403."""

from django.urls import reverse

from kakunin.forms_xlsx.models import FormImport
from kakunin.test import BaseTestCase, make_user

PERSONAS = ["anonymous", "alice", "bob", "charlie", "dave", "rita", "adam", "audrey"]


def row(*codes):
    return dict(zip(PERSONAS, codes, strict=True))


#                       anon alice bob charlie dave rita adam audrey
SEE_SYSTEM = row(302, 200, 200, 404, 404, 200, 200, 200)
EDIT_SYSTEM = row(302, 200, 403, 404, 404, 200, 403, 403)
ANSWER_VENDOR_ITEM = row(302, 200, 200, 404, 404, 200, 403, 403)
ANSWER_WARD_ITEM = row(302, 200, 403, 404, 404, 200, 403, 403)
EVERYONE = row(302, 200, 200, 200, 200, 200, 200, 200)
CREATE_SYSTEM = row(302, 200, 403, 403, 200, 200, 403, 403)
ADMIN_ONLY = row(302, 404, 404, 404, 404, 404, 200, 404)
ADMIN_ONLY_POST = row(302, 404, 404, 404, 404, 404, 302, 404)


class AccessMatrixTestCase(BaseTestCase):
    def setUp(self):
        a = self.assessment.pk
        s = self.system.pk
        u = make_user("victor", "vendor", self.beta).pk  # the target of the admin actions
        self.cases = [
            ("get", reverse("systems:index"), {}, EVERYONE),
            ("get", reverse("systems:create"), {}, CREATE_SYSTEM),
            ("get", reverse("systems:detail", args=[s]), {}, SEE_SYSTEM),
            ("get", reverse("systems:edit", args=[s]), {}, EDIT_SYSTEM),
            ("post", reverse("systems:edit", args=[s]), {"name": ""}, EDIT_SYSTEM),
            ("get", reverse("assessments:detail", args=[a]), {}, SEE_SYSTEM),
            ("get", reverse("assessments:item", args=[a, "pw-composition"]), {}, SEE_SYSTEM),
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
                row(302, 400, 400, 404, 404, 400, 403, 403),
            ),
            (
                "post",
                reverse("assessments:save_item", args=[a, "pw-composition"]),
                {
                    "pw-composition-status": "done",
                    "pw-composition-text": "12桁",
                    "pw-composition-version": "0",
                },
                ANSWER_VENDOR_ITEM,
            ),
            (
                "post",
                reverse("assessments:save_item", args=[a, "terminal-physical-lock"]),
                {"terminal-physical-lock-status": "ward", "terminal-physical-lock-version": "1"},
                ANSWER_WARD_ITEM,
            ),
            ("get", reverse("accounts:users"), {}, ADMIN_ONLY),
            ("get", reverse("accounts:user_create"), {}, ADMIN_ONLY),
            ("get", reverse("accounts:user_edit", args=[u]), {}, ADMIN_ONLY),
            ("post", reverse("accounts:user_enable", args=[u]), {}, ADMIN_ONLY_POST),
            ("post", reverse("accounts:user_disable", args=[u]), {"reason": ""}, ADMIN_ONLY_POST),
            (
                "post",
                reverse("accounts:user_reset_password", args=[u]),
                {},
                row(302, 404, 404, 404, 404, 404, 200, 404),
            ),
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
                    r = getattr(self.client, method)(url, data, headers={"HX-Request": "true"})
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
                r = self.client.get(reverse("systems:index"))
                self.assertEqual(self.system.name in r.content.decode(), sees)

    def test_an_import_preview_belongs_to_its_uploader(self):
        staged = FormImport.objects.create(
            assessment=self.assessment,
            uploaded_by=self.bob,
            filename="f.xlsx",
            sha256="0" * 64,
            size=1,
            plan={"changes": [], "notes": []},
        )
        preview = reverse("forms_xlsx:preview", args=[self.assessment.pk, staged.pk])
        decide = reverse("forms_xlsx:decide", args=[self.assessment.pk, staged.pk])
        expected = row(302, 404, 200, 404, 404, 404, 403, 403)
        for persona in PERSONAS:
            with self.subTest(persona=persona):
                self.login(persona)
                self.assertEqual(self.client.get(preview).status_code, expected[persona])
        self.login("alice")
        self.assertEqual(self.client.post(decide, {"decision": "cancel"}).status_code, 404)
        self.login("bob")
        self.assertEqual(self.client.post(decide, {"decision": "cancel"}).status_code, 302)
