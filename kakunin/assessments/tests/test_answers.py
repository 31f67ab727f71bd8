import re
from unittest import mock

from django.urls import reverse

from kakunin import access
from kakunin.assessments import page, sheet
from kakunin.assessments.models import AnswerRevision
from kakunin.audit.models import Event
from kakunin.notifications.models import Notification
from testsupport.fixtures import BaseTestCase

HX = {"HX-Request": "true"}


class SaveAnswerTestCase(BaseTestCase):
    def url(self, key: str) -> str:
        return reverse("assessments:save_item", args=[self.assessment.pk, key])

    def post(self, key: str, status="", text="", version=None, **kw):
        if version is None:
            version = self.answer(key).version
        data = {f"{key}-status": status, f"{key}-text": text, f"{key}-version": version}
        return self.client.post(self.url(key), data, **kw)

    def test_it_saves_inline_and_returns_the_item_with_progress(self):
        self.client.force_login(self.bob)
        r = self.post("pw-composition", "done", "12文字以上・英大小数字必須", headers=HX)
        self.assertEqual(r.status_code, 200)
        # Saving as one types: only out-of-band pieces, never the text box itself.
        self.assertNotContains(r, "<textarea")
        self.assertContains(r, 'id="state-pw-composition"')
        self.assertContains(r, "保存しました")
        self.assertContains(r, 'id="version-pw-composition" hx-swap-oob="true"')
        self.assertContains(r, 'id="progress-total" class="progress" hx-swap-oob="true"')
        answer = self.answer("pw-composition")
        self.assertEqual((answer.status, answer.text), ("done", "12文字以上・英大小数字必須"))
        self.assertEqual(answer.updated_by, self.bob)
        self.assertEqual(answer.version, 1)

    def test_an_autosave_builds_its_one_row_and_asks_the_gate_once(self):
        """Saving as one types redraws one row and the totals: the sheet is never built,
        no detail provider runs for the other items, and the gate is asked one question."""
        self.client.force_login(self.bob)
        self.post("pw-composition", "done", "最初の回答", headers=HX)  # warmed
        built, asked, depth = [], [], [0]
        real_row = sheet.Row

        def counted_row(*args, **kwargs):
            built.append(args[0].key)
            return real_row(*args, **kwargs)

        def gate(name):
            real = getattr(access, name)

            def asking(*args, **kwargs):
                if not depth[0]:  # a question from outside the gate, not within it
                    asked.append(name)
                depth[0] += 1
                try:
                    return real(*args, **kwargs)
                finally:
                    depth[0] -= 1

            return asking

        questions = [n for n in dir(access) if n.startswith(("can_", "get_", "answer_"))]
        with (
            mock.patch.object(sheet, "Row", counted_row),
            mock.patch.object(sheet, "build_sheet", side_effect=AssertionError("the sheet")),
            mock.patch.object(page, "build_sheet", side_effect=AssertionError("the sheet")),
            mock.patch.multiple(access, **{n: gate(n) for n in questions}),
        ):
            r = self.post("pw-composition", "done", "二度目の回答", headers=HX)
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "保存しました")
        self.assertContains(r, 'id="progress-total" class="progress" hx-swap-oob="true"')
        self.assertEqual(built, ["pw-composition"])
        self.assertEqual(asked, ["answer_to_edit"])

    def test_the_autosaves_totals_are_the_pages(self):
        """The totals an autosave sends (counted without rows) are those the page shows."""
        self.client.force_login(self.bob)
        r = self.post("pw-composition", "done", "回答", headers=HX)
        sent = re.search(r'id="progress-total".*?</span>', r.content.decode(), re.S).group(0)
        shown = self.client.get(reverse("assessments:detail", args=[self.assessment.pk]))
        on_page = re.search(r'id="progress-total".*?</span>', shown.content.decode(), re.S)
        self.assertEqual(
            re.sub(r"\s+|hx-swap-oob=\"true\"", "", sent),
            re.sub(r"\s+|hx-swap-oob=\"true\"", "", on_page.group(0)),
        )

    def test_every_edit_keeps_the_previous_version(self):
        self.client.force_login(self.bob)
        self.post("pw-composition", "partial", "8文字", headers=HX)
        self.post("pw-composition", "done", "12文字", headers=HX)
        revisions = AnswerRevision.objects.filter(answer=self.answer("pw-composition")).order_by(
            "version"
        )
        self.assertEqual(
            [(r.version, r.status, r.text) for r in revisions],
            [(1, "partial", "8文字"), (2, "done", "12文字")],
        )
        r = self.client.get(
            reverse("assessments:history", args=[self.assessment.pk, "pw-composition"])
        )
        self.assertContains(r, "8文字")
        self.assertContains(r, "12文字")
        self.assertContains(r, "Bob")

    def test_it_audits_the_change_with_before_and_after(self):
        self.client.force_login(self.bob)
        self.post("pw-composition", "done", "12文字", headers=HX)
        event = Event.objects.filter(action="answer.update").latest("seq")
        self.assertEqual(event.actor, self.bob)
        self.assertEqual(event.changes["status"], ["", "done"])
        self.assertEqual(event.changes["text"], ["", "12文字"])
        self.assertEqual(event.ip, "127.0.0.1")

    def test_not_applicable_needs_a_reason(self):
        self.client.force_login(self.bob)
        r = self.post("pw-composition", "na", "", headers=HX)
        self.assertContains(r, "「該当なし」の場合は、回答欄に理由を記入してください。")
        self.assertContains(r, "保存できませんでした")
        self.assertEqual(self.answer("pw-composition").status, "")
        self.assertFalse(Event.objects.filter(action="answer.update").exists())

    def test_it_rejects_an_unknown_status(self):
        self.client.force_login(self.bob)
        r = self.post("pw-composition", "bogus", "x", headers=HX)
        self.assertContains(r, "正しく選択してください")
        self.assertEqual(self.answer("pw-composition").status, "")

    def test_a_vendor_item_cannot_be_marked_as_handled_by_the_ward(self):
        self.client.force_login(self.alice)
        self.post("pw-composition", "ward", "", headers=HX)
        self.assertEqual(self.answer("pw-composition").status, "")

    def test_it_rejects_text_that_is_too_long_or_has_control_characters(self):
        self.client.force_login(self.bob)
        r = self.post("pw-composition", "done", "あ" * 10_001, headers=HX)
        self.assertContains(r, "10000")
        r = self.post("pw-composition", "done", "tab\tok but \x0c no", headers=HX)
        self.assertContains(r, "制御文字")
        self.assertEqual(self.answer("pw-composition").text, "")

    def test_it_rejects_a_stale_edit_and_keeps_both_texts(self):
        self.client.force_login(self.bob)
        self.post("pw-composition", "done", "first", version=0, headers=HX)
        r = self.post("pw-composition", "partial", "second", version=0, headers=HX)
        self.assertContains(r, "他の利用者がこの回答を先に更新しました")
        self.assertNotContains(r, "<textarea")  # what was typed stays in the page's text box
        self.assertEqual(self.answer("pw-composition").text, "first")

    def test_a_bad_version_field_is_a_form_error_not_a_crash(self):
        self.client.force_login(self.bob)
        r = self.client.post(
            self.url("pw-composition"), {"pw-composition-version": "abc"}, headers=HX
        )
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "保存できませんでした")

    def test_without_htmx_an_error_shows_the_page_with_what_was_typed(self):
        self.client.force_login(self.bob)
        r = self.post("pw-composition", "na", "")
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "No.5 の回答を保存できませんでした", status_code=400)
        r = self.post("pw-composition", "partial", "typed text kept", version=99)
        self.assertContains(r, "typed text kept", status_code=400)

    def test_without_htmx_a_save_redirects_to_the_item(self):
        self.client.force_login(self.bob)
        r = self.post("pw-composition", "done", "ok")
        self.assertRedirects(
            r, reverse("assessments:detail", args=[self.assessment.pk]) + "#item-pw-composition"
        )

    def test_items_that_do_not_apply_are_read_only_and_keep_their_answers(self):
        self.client.force_login(self.alice)
        self.post("web-account-lockout", "done", "10回で30分", headers=HX)
        self.assertEqual(self.answer("web-account-lockout").status, "")  # 45 needs a high axis
        self.system.confidentiality = 3
        self.system.save()
        self.post("web-account-lockout", "done", "10回で30分", headers=HX)
        self.assertEqual(self.answer("web-account-lockout").status, "done")
        self.system.confidentiality = 2
        self.system.save()
        r = self.post("web-account-lockout", "not_done", "", headers=HX)
        self.assertEqual(r.status_code, 403)
        self.assertEqual(self.answer("web-account-lockout").text, "10回で30分")
        page = self.client.get(reverse("assessments:detail", args=[self.assessment.pk]) + "?all=1")
        self.assertContains(page, "10回で30分")

    def test_an_unknown_item_key_is_404(self):
        self.client.force_login(self.alice)
        r = self.client.post(reverse("assessments:save_item", args=[self.assessment.pk, "nope"]))
        self.assertEqual(r.status_code, 404)


class AssessmentPageTestCase(BaseTestCase):
    def test_it_groups_items_by_section_with_progress(self):
        self.client.force_login(self.alice)
        r = self.client.get(reverse("assessments:detail", args=[self.assessment.pk]))
        self.assertContains(r, "ID管理について")
        self.assertContains(r, "記載例")
        self.assertContains(r, "端末への自動ログインを禁止し")
        # 1–34 without 14–15, 35–75 and 82 without 45 and 62–65, and 83: 32 + 37 + 1
        self.assertContains(r, "回答済 5 / 適用 70 項目")
        self.assertContains(r, 'id="progress-section-2"')

    def test_ward_items_show_the_preset_answer_read_only_to_vendors(self):
        self.client.force_login(self.bob)
        r = self.client.get(reverse("assessments:detail", args=[self.assessment.pk]))
        html = r.content.decode()
        block = html[html.index('id="item-terminal-physical-lock"') :]
        block = block[: block.index("</article>")]
        self.assertIn("千代田区の全庁LAN端末のセキュリティ対策にて対応", block)
        self.assertNotIn('name="terminal-physical-lock-text"', block)
        self.assertIn("区で対応", block)


class LaterSectionsTestCase(BaseTestCase):
    """The page carries its first sections; the later ones come as they scroll into
    view, from the sheet kept for the person until the next change."""

    def setUp(self):
        super().setUp()
        self.client.force_login(self.bob)
        self.page_url = reverse("assessments:detail", args=[self.assessment.pk])

    def page(self, query="") -> str:
        return self.client.get(self.page_url + query).content.decode()

    def section(self, index: int, **kw):
        url = reverse("assessments:section", args=[self.assessment.pk, index])
        return self.client.get(url, headers={"HX-Request": "true"}, **kw)

    def test_the_page_holds_the_first_sections_and_links_to_the_rest(self):
        html = self.page()
        items = html.count('<article class="item')
        self.assertLessEqual(items, page.INLINE_ITEMS)
        self.assertIn('id="item-backup-offsite"', html)  # No.22, within the first sections
        self.assertNotIn('id="item-web-tls-version"', html)  # No.61, later
        holder = html[html.index('class="deferred"') :]
        self.assertIn('hx-trigger="near"', holder[:400])
        # Every section is named and counted, loaded or not.
        self.assertEqual(html.count('<section class="section"'), html.count('class="section-head"'))
        self.assertIn('id="progress-section-', holder)
        # Without JavaScript: the whole page.
        self.assertEqual(self.page("?all=1").count('<article class="item'), 83)

    def test_a_later_section_comes_whole_with_this_requests_token(self):
        html = self.page()
        first_deferred = html.count('<section class="section"') - html.count('class="deferred"')
        r = self.section(first_deferred)
        self.assertEqual(r.status_code, 200)
        body = r.content.decode()
        self.assertIn('<article class="item', body)
        self.assertNotIn(page.CSRF_SLOT, body)
        self.assertRegex(body, r'name="csrfmiddlewaretoken" value="[A-Za-z0-9]{64}"')
        self.assertEqual(self.section(99).status_code, 404)
        plain = self.client.get(reverse("assessments:section", args=[self.assessment.pk, 3]))
        self.assertRedirects(
            plain, self.page_url + "?all=1#section-4", fetch_redirect_response=False
        )

    def test_every_visit_of_the_kept_sheet_carries_its_own_token(self):
        """The kept sheet is shared by the visits: each fills its own copy's slots."""
        tokens = [
            re.findall(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"', self.page())
            for _ in range(3)
        ]
        self.assertTrue(all(tokens))
        self.assertEqual(len({t[-1] for t in tokens}), 3)

    def test_what_was_just_saved_shows_at_once(self):
        self.page("?x")  # the sheet is now kept
        before = self.page()
        self.assertNotIn("新しい回答の本文", before)
        key = "pw-composition"
        answer = self.answer(key)
        self.client.post(
            reverse("assessments:save_item", args=[self.assessment.pk, key]),
            {
                f"{key}-status": "done",
                f"{key}-text": "新しい回答の本文",
                f"{key}-version": answer.version,
            },
            headers=HX,
        )
        self.assertIn("新しい回答の本文", self.page())
        # …and on another person's page too (the department's).
        self.client.force_login(self.alice)
        self.assertIn("新しい回答の本文", self.page())

    def test_a_comment_shows_at_once(self):
        self.page()  # the sheet is now kept
        key = "pw-composition"
        self.client.post(
            reverse("reviews:comment", args=[self.assessment.pk, key]), {"body": "記号の扱いは？"}
        )
        self.assertIn("記号の扱いは？", self.page())

    def test_the_kept_top_of_the_page_follows_changes_and_the_header_stays_live(self):
        """What stands above the sheet is kept with it (a due date, the buttons, this
        request's CSRF token in their forms); the header (notifications) never is."""
        self.client.force_login(self.alice)
        self.page()  # kept now
        self.assertNotIn("2031-03-31", self.page())
        r = self.client.post(
            reverse("assessments:due_date", args=[self.assessment.pk]), {"due_date": "2031-03-31"}
        )
        self.assertEqual(r.status_code, 302)
        html = self.page()
        self.assertIn("2031-03-31", html)
        self.assertNotIn(page.CSRF_SLOT, html)
        submit = html[html.index(reverse("assessments:submit", args=[self.assessment.pk])) :]
        self.assertRegex(submit[:300], r'name="csrfmiddlewaretoken" value="[A-Za-z0-9]{64}"')
        self.assertNotIn('class="badge count"', html)
        Notification.objects.create(user=self.alice, kind="approved", subject="x", body="x")
        self.assertIn('<span class="badge count">1</span>', self.page())

    def test_the_kept_sheet_is_the_persons_own(self):
        vendor = self.page()
        self.client.force_login(self.alice)  # the department: the ward's items too
        department = self.page("?all=1")
        self.assertIn('name="terminal-physical-lock-text"', department)
        self.assertNotIn('name="terminal-physical-lock-text"', vendor)
        self.client.force_login(self.rita)  # the reviewer: nothing to edit
        self.assertNotIn('name="pw-composition-text"', self.page())
