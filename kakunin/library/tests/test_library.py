"""The answer library on the web: built from 千代田区's answered assessment, approved by
alpha's administrator, filling 港区's own form; where the answers came from, as the
reviewers see it; keeping in step; and each bad input refused with nothing changed."""

import io

import openpyxl
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from kakunin.assessments.actions import create_assessment, update_answer
from kakunin.assessments.models import Answer, AnswerRevision, AnswerScope, Assessment
from kakunin.audit.models import Event
from kakunin.catalog.layout import Layout
from kakunin.catalog.models import Control
from kakunin.core.kept import forget
from kakunin.evidence.actions import read_evidence
from kakunin.evidence.models import Evidence
from kakunin.forms_xlsx.actions import export_assessment
from kakunin.forms_xlsx.layout import column_number
from kakunin.library import actions
from kakunin.library.models import Entry, EntryFile, FilledFrom, LibraryImport, Product, Use
from kakunin.library.tests.base import LibraryWorld
from testsupport.fixtures import approve_on, make_user
from testsupport.servers import EICAR, Clamd

MINATO = {"municipality": "131032"}


def state_of_everything():
    """What a refusal must leave as it was."""
    return (
        list(Answer.objects.values_list("pk", "version", "text")),
        list(Entry.objects.values_list("pk", "version", "state", "text")),
        Evidence.objects.count(), FilledFrom.objects.count(), Use.objects.count(),
        EntryFile.objects.count(), Product.objects.count(),
    )  # fmt: skip


class BuildAndFillTestCase(LibraryWorld):
    def test_it_builds_the_library_from_one_municipalitys_answers_and_fills_anothers_form(self):
        self.client.force_login(self.bob)
        r = self.client.post(
            reverse("library:index"), {"name": "施設予約クラウド", "versions": "v5"}
        )
        product = Product.objects.get()
        self.assertRedirects(r, reverse("library:product", args=[product.pk]))
        self.assertEqual(product.organisation, self.alpha)
        # From 千代田区's answered assessment: a preview, then the controls chosen.
        url = reverse("library:build", args=[product.pk, self.assessment.pk])
        r = self.client.get(url)
        self.assertContains(r, "No.2 対応済み")
        self.assertFalse(Entry.objects.exists(), "the preview saves nothing")
        controls = [c for c in r.context["proposals"]]
        r = self.client.post(url, {"control": [p.control.key for p in controls]})
        self.assertRedirects(r, reverse("library:product", args=[product.pk]))
        self.assertEqual(product.entries.count(), len(controls))
        self.assertFalse(product.entries.exclude(state="draft").exists())
        self.client.post(reverse("library:approve", args=[product.pk]))
        self.assertFalse(product.entries.exclude(state="approved").exists())
        # In 港区, on its own form: what would be written, then written.
        fill = reverse("library:fill", args=[self.second.pk])
        r = self.client.get(fill, MINATO)
        offers = r.context["offers"]
        self.assertGreaterEqual(len(offers), 20)
        entries = [e.pk for o in offers for e in o.entries]
        self.assertFalse(FilledFrom.objects.exists())
        r = self.client.post(fill, {"product": product.pk, "entry": entries})
        self.assertRedirects(r, reverse("assessments:detail", args=[self.second.pk]))
        tls = self.second.answers.get(item__label="3-1")
        self.assertEqual(tls.status, "done")
        self.assertEqual(tls.text, self.answer_text_of("tls-version"))
        self.assertEqual(
            tls.revisions.get(version=tls.version).source, AnswerRevision.Source.LIBRARY
        )
        self.assertEqual(
            FilledFrom.objects.filter(answer__assessment=self.second)
            .values("answer")
            .distinct()
            .count(),
            len(offers),
        )
        # Recorded in 港区's trail (which entries, which items) and in the library's history.
        event = Event.objects.get(action="library.fill")
        self.assertEqual(event.municipality, self.minato)
        self.assertIn("3-1", event.changes["items"][1])
        use = Use.objects.get(kind="fill")
        self.assertEqual((use.municipality, use.system), ("港区", "港区 施設予約システム"))
        # The filled answer stays the vendor's: edited in the assessment, the library unchanged.
        update_answer(
            actor=self.bob,
            answer=tls,
            values={"text": "TLS1.3のみ"},
            expected_version=None,
            source="web",
        )
        self.assertEqual(
            product.entries.get(control__key="tls-version").text, self.answer_text_of("tls-version")
        )

    def test_every_change_of_the_library_is_in_the_services_trail_without_its_words(self):
        product = self.product_from_chiyoda()
        self.client.force_login(self.bob)
        url = reverse("library:edit_product", args=[product.pk])
        r = self.client.post(
            url + "?municipality=131032", {"name": "施設予約クラウド2", "versions": "v6"}
        )
        self.assertEqual(r.status_code, 302, r.content.decode()[-800:])
        event = Event.objects.filter(action="library.product").latest("seq")
        self.assertEqual(len(event.changes["name"][1]), 16, "the name as its digest")
        self.assertNotIn("施設予約", event.object_label)
        self.assertIsNone(event.municipality, "the service's trail, not 港区's")
        changed = Event.objects.filter(action="library.entry").latest("seq")
        self.assertIsNone(changed.municipality)
        entry = Entry.objects.get(pk=changed.object_id)
        self.assertNotIn(entry.text, str(changed.changes), "the text is in as its digest")

    def test_one_items_button_fills_that_item_only(self):
        product = self.product_from_chiyoda()
        self.client.force_login(self.bob)
        fill = reverse("library:fill", args=[self.second.pk]) + "?municipality=131032"
        everything = [e.pk for o in self.client.get(fill).context["offers"] for e in o.entries]
        item = self.midori.items.get(label="3-1")
        r = self.client.post(fill, {"product": product.pk, "entry": everything, "only": item.key})
        self.assertRedirects(r, reverse("assessments:detail", args=[self.second.pk]) + f"#item-{item.key}",
                             fetch_redirect_response=False)  # fmt: skip
        filled = self.second.answers.exclude(status="").exclude(item__answered_by="ward")
        self.assertEqual([a.item.label for a in filled], ["3-1"])

    def answer_text_of(self, control: str) -> str:
        return (
            self.assessment.answers.filter(item__controls__key=control)
            .order_by("item__number")
            .first()
            .text
        )

    def test_the_reviewer_sees_where_an_answer_came_from_and_nothing_else_of_the_library(self):
        product = self.product_from_chiyoda()
        hidden = product.entries.get(control__key="offsite-backup")
        actions.save_entries(actor=self.bob, product=product, source="web", changes=[
            (Control.objects.get(key="data-encryption"), {"status": "done", "text": "社外秘の暗号鍵管理手順"})])  # fmt: skip
        tls = product.entries.get(control__key="tls-version")
        actions.fill(actor=self.bob, assessment=self.second, product=product,
                     scope=AnswerScope.VENDOR_ITEMS, entries=[tls.pk])  # fmt: skip
        self.client.force_login(self.mori)
        r = self.client.get(reverse("assessments:detail", args=[self.second.pk]) + "?all=1")
        self.assertContains(r, f'id="library-{self.midori.items.get(label="3-1").key}"')
        self.assertContains(r, "施設予約クラウド（v5）")
        self.assertContains(r, "記入時のまま")
        self.assertNotContains(r, "社外秘の暗号鍵管理手順")
        self.assertNotContains(r, hidden.text + "X")  # (the library's other texts are never read)
        self.assertEqual(r.content.decode().count('class="library-source"'), 1)
        # The library's pages do not exist for 港区's staff, nor for the other company.
        for person in (self.mori, self.mika, self.masa, self.charlie):
            self.client.force_login(person)
            for url in (
                reverse("library:product", args=[product.pk]),
                reverse("library:entry", args=[tls.pk]),
            ):
                self.assertEqual(self.client.get(url).status_code, 404, (person, url))

    def test_a_page_built_before_the_fill_shows_where_answers_came_from_after_it(self):
        """The page keeps that no answer came from a library; a fill moves what it keeps."""
        product = self.product_from_chiyoda()
        page = reverse("assessments:detail", args=[self.second.pk]) + "?all=1"
        self.client.force_login(self.mori)
        self.assertNotContains(self.client.get(page), 'class="library-source"')
        tls = product.entries.get(control__key="tls-version")
        actions.fill(actor=self.bob, assessment=self.second, product=product,
                     scope=AnswerScope.VENDOR_ITEMS, entries=[tls.pk])  # fmt: skip
        self.assertContains(self.client.get(page), 'class="library-source"', count=1)

    def test_reviewers_see_the_verdicts_their_own_municipality_gave_to_the_same_entry(self):
        product = self.product_from_chiyoda()
        tls = product.entries.get(control__key="tls-version")
        for assessment in (self.assessment, self.minato_assessment, self.second):
            Answer.objects.filter(assessment=assessment).update(text="")
            actions.fill(actor=self.bob, assessment=assessment, product=product,
                         scope=AnswerScope.VENDOR_ITEMS, entries=[tls.pk])  # fmt: skip
        # 千代田区 judged its answer from the entry: not 港区's to see.
        Answer.objects.filter(
            pk=FilledFrom.objects.get(answer__assessment=self.assessment).answer_id
        ).update(verdict="fix")
        page = reverse("assessments:detail", args=[self.second.pk]) + "?all=1"
        self.client.force_login(self.mori)
        self.assertNotContains(self.client.get(page), "この団体での過去の審査結果")
        # 港区 judged its earlier one.
        earlier = FilledFrom.objects.get(answer__assessment=self.minato_assessment).answer_id
        Answer.objects.filter(pk=earlier).update(verdict="ok")
        cache.clear()
        forget()
        r = self.client.get(page)
        self.assertContains(r, "この団体での過去の審査結果")
        self.assertContains(r, '<span class="badge verdict-ok">適合 1</span>')
        self.assertNotContains(r, "要修正 1")
        # The vendor sees where the answer came from, not the verdicts.
        self.client.force_login(self.bob)
        r = self.client.get(page + "&municipality=131032")
        self.assertContains(r, 'class="library-source"')
        self.assertNotContains(r, "この団体での過去の審査結果")

    def test_an_item_asking_about_two_controls_combines_the_entries_under_their_titles(self):
        product = self.product_from_chiyoda()
        item = self.midori.items.get(label="3-1")
        item.controls.add(Control.objects.get(key="https"))
        entries = product.entries.filter(control__key__in=["tls-version", "https"])
        actions.fill(actor=self.bob, assessment=self.second, product=product,
                     scope=AnswerScope.VENDOR_ITEMS, entries=[e.pk for e in entries])  # fmt: skip
        text = self.second.answers.get(item=item).text
        tls, https = (Control.objects.get(key=k) for k in ("tls-version", "https"))
        self.assertTrue(text.startswith(f"【{tls.title}】\n"), text)
        self.assertIn(f"\n\n【{https.title}】\n", text)

    def test_evidence_is_copied_into_the_municipalitys_own_store(self):
        product = self.product_from_chiyoda()
        tls = product.entries.get(control__key="tls-version")
        kept = actions.add_file(
            actor=self.bob, entry=tls, upload=SimpleUploadedFile("ssllabs.pdf", b"%PDF-1.4 report")
        )
        actions.fill(actor=self.bob, assessment=self.second, product=product,
                     scope=AnswerScope.VENDOR_ITEMS, entries=[tls.pk])  # fmt: skip
        copy = Evidence.objects.get(answer__assessment=self.second)
        self.assertEqual(copy.sha256, kept.evidence.sha256)
        self.assertNotEqual(copy.stored_name, kept.evidence.stored_name)
        self.assertEqual(read_evidence(actor=self.mori, evidence=copy), b"%PDF-1.4 report")
        # Filling again does not copy it twice.
        Answer.objects.filter(assessment=self.second).update(text="")
        actions.fill(actor=self.bob, assessment=self.second, product=product,
                     scope=AnswerScope.VENDOR_ITEMS, entries=[tls.pk])  # fmt: skip
        self.assertEqual(Evidence.objects.filter(answer__assessment=self.second).count(), 1)

    def test_past_review_dates_expired_evidence_and_conditions_are_offered_with_a_warning(self):
        product = self.product_from_chiyoda()
        tls = product.entries.get(control__key="tls-version")
        actions.save_entries(actor=self.bob, product=product, source="web", changes=[(tls.control, {
            "status": "done", "text": tls.text, "conditional": True, "condition": "プレミアムプラン",
            "review_by": "2020-01-01"})])  # fmt: skip
        actions.approve(actor=self.bob, entries=[tls])
        actions.add_file(actor=self.bob, entry=tls, upload=SimpleUploadedFile("cert.pdf", b"%PDF-1.4 c"),
                         valid_until="2021-03-31")  # fmt: skip
        self.client.force_login(self.bob)
        r = self.client.get(reverse("library:fill", args=[self.second.pk]), MINATO)
        self.assertContains(r, "見直し期限")
        self.assertContains(r, "条件付きの回答です: プレミアムプラン")
        self.assertContains(r, "証跡「cert.pdf」の有効期限")
        actions.fill(actor=self.bob, assessment=self.second, product=product,
                     scope=AnswerScope.VENDOR_ITEMS, entries=[tls.pk])  # fmt: skip
        self.assertIn("（条件: プレミアムプラン）", self.second.answers.get(item__label="3-1").text)


class KeepingInStepTestCase(LibraryWorld):
    def test_a_changed_entry_lists_the_open_assessments_that_used_the_old_text(self):
        product = self.product_from_chiyoda()
        tls = product.entries.get(control__key="tls-version")
        for assessment in (self.minato_assessment, self.second):
            actions.fill(actor=self.bob, assessment=assessment, product=product,
                         scope=AnswerScope.VENDOR_ITEMS, entries=[tls.pk])  # fmt: skip
        Assessment.objects.filter(pk=self.minato_assessment.pk).update(state="in_review")
        self.client.force_login(self.bob)
        r = self.client.post(
            reverse("library:entry", args=[tls.pk]), {"status": "done", "text": "TLS1.3のみ"}
        )
        self.assertRedirects(r, reverse("library:entry", args=[tls.pk]))
        tls.refresh_from_db()
        self.assertEqual((tls.version, tls.state), (2, "draft"))
        page = reverse("library:product", args=[product.pk])
        self.assertNotContains(
            self.client.get(page), 'id="behind"', msg_prefix="not until approved"
        )
        actions.approve(actor=self.bob, entries=[tls])
        r = self.client.get(page)
        self.assertContains(r, 'id="behind"')
        # Working in 千代田区: 港区's by name and count, to switch to.
        self.assertEqual(r.context["behind"], [])
        self.assertEqual(r.context["behind_elsewhere"], [(("131032", "港区"), 1)])
        r = self.client.get(page, MINATO)
        self.assertEqual(
            [f.answer.assessment for f in r.context["behind"]], [self.second]
        )  # not the one under review
        # The diff, then the update; then nothing is behind.
        r = self.client.get(
            reverse("library:fill", args=[self.second.pk]), MINATO | {"product": product.pk}
        )
        self.assertContains(r, "TLS1.3のみ")
        self.assertContains(r, 'class="diff-old"')
        self.client.post(
            reverse("library:fill", args=[self.second.pk]),
            {"product": product.pk, "entry": [tls.pk]},
        )
        self.assertEqual(self.second.answers.get(item__label="3-1").text, "TLS1.3のみ")
        self.assertNotContains(self.client.get(page), 'id="behind"')
        self.assertNotEqual(
            self.minato_assessment.answers.get(item__key="web-tls-version").text, "TLS1.3のみ"
        )


class BadInputTestCase(LibraryWorld):
    def setUp(self):
        super().setUp()
        self.product = self.product_from_chiyoda()
        self.tls = self.product.entries.get(control__key="tls-version")
        self.client.force_login(self.bob)

    def fill(self, entries, assessment=None):
        url = (
            reverse("library:fill", args=[(assessment or self.second).pk]) + "?municipality=131032"
        )
        return self.client.post(url, {"product": self.product.pk, "entry": entries})

    def test_a_submitted_or_approved_assessment_is_not_filled(self):
        for state, label in (("submitted", "提出済"), ("approved", "承認")):
            Assessment.objects.filter(pk=self.second.pk).update(state=state)
            before = state_of_everything()
            r = self.fill([self.tls.pk])
            self.assertContains(r, "のため、回答マスタから記入できません", status_code=400)
            self.assertContains(r, label, status_code=400)
            self.assertEqual(state_of_everything(), before)

    def test_an_entry_for_a_control_the_form_does_not_ask_about_is_refused(self):
        # Chiyoda asks about item 75's control; みどり市's form does not.
        unasked = self.product.entries.exclude(control__items__template=self.midori).first()
        before = state_of_everything()
        r = self.fill([self.tls.pk, unasked.pk])
        self.assertContains(r, "この確認票の様式が尋ねていないか", status_code=400)
        self.assertContains(r, unasked.control.title, status_code=400)
        self.assertEqual(state_of_everything(), before)

    def test_another_companys_entry_asked_for_by_number_is_a_404(self):
        theirs = Product.objects.create(
            organisation=self.beta, name="ベータの製品", created_by=self.charlie
        )
        entry = Entry.objects.create(product=theirs, control=self.tls.control, status="done", text="ベータの回答",
                                     written_by=self.charlie, state="approved")  # fmt: skip
        before = state_of_everything()
        for url in (
            reverse("library:product", args=[theirs.pk]),
            reverse("library:entry", args=[entry.pk]),
        ):
            self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(
            self.client.post(
                reverse("library:entry", args=[entry.pk]), {"status": "done", "text": "x"}
            ).status_code,
            404,
        )
        r = self.client.post(reverse("library:fill", args=[self.second.pk]) + "?municipality=131032",
                             {"product": theirs.pk, "entry": [entry.pk]})  # fmt: skip
        self.assertEqual(r.status_code, 404)
        # Their entry's number under bob's own product: not found among bob's entries.
        r = self.fill([entry.pk])
        self.assertContains(r, "見つからないか", status_code=400)
        self.assertEqual(state_of_everything(), before)

    def test_a_conditional_answer_needs_its_condition(self):
        before = state_of_everything()
        r = self.client.post(reverse("library:entry", args=[self.tls.pk]),
                             {"status": "done", "text": "TLS1.2以上", "conditional": "on", "condition": "  "})  # fmt: skip
        self.assertContains(r, "条件付き回答には、その回答が成り立つ条件", status_code=400)
        r = self.client.post(reverse("library:new_entry", args=[self.product.pk]),
                             {"control": "data-encryption", "status": "done", "text": "AES-256", "conditional": "on"})  # fmt: skip
        self.assertContains(r, "条件付き回答には、その回答が成り立つ条件", status_code=400)
        self.assertEqual(state_of_everything(), before)

    def test_evidence_that_fails_the_malware_scan_is_refused(self):
        clamd = Clamd()
        try:
            with override_settings(CLAMAV_SOCKET=str(clamd.socket)):
                before = state_of_everything()
                url = reverse("library:add_file", args=[self.tls.pk])
                r = self.client.post(
                    url, {"file": SimpleUploadedFile("eicar.txt", EICAR)}, follow=True
                )
                self.assertContains(r, "ウイルスが検出されたため受け付けません")
                self.assertEqual(state_of_everything(), before)
                r = self.client.post(
                    url, {"file": SimpleUploadedFile("ok.txt", b"clean")}, follow=True
                )
                self.assertContains(r, "証跡を添付しました")
        finally:
            clamd.stop()

    def test_the_company_consent_is_checked_in_the_action_too(self):
        """A ward's person, or another company's, handed bob's product: refused."""
        before = state_of_everything()
        for person in (self.charlie, self.mika):
            with self.assertRaises(actions.FillRefused):
                actions.fill(actor=person, assessment=self.second, product=self.product,
                             scope=AnswerScope.ALL, entries=[self.tls.pk])  # fmt: skip
        self.assertEqual(state_of_everything(), before)

    def test_ward_staff_and_the_operator_never_reach_the_library(self):
        operator = make_user("olga", "operator")
        for person in (
            self.mika,
            self.mori,
            self.masa,
            self.rita,
            self.adam,
            self.audrey,
            operator,
        ):
            self.client.force_login(person)
            for url in (reverse("library:index"), reverse("library:product", args=[self.product.pk]),
                        reverse("library:fill", args=[self.second.pk])):  # fmt: skip
                r = self.client.get(url)
                self.assertIn(
                    r.status_code,
                    (302, 403, 404) if person == operator else (403, 404),
                    (person, url),
                )
                self.assertNotContains(r, self.tls.text, status_code=r.status_code)
            r = self.client.post(reverse("library:fill", args=[self.second.pk]),
                                 {"product": self.product.pk, "entry": [self.tls.pk]})  # fmt: skip
            self.assertIn(r.status_code, (302, 403, 404) if person == operator else (403, 404))
        self.assertFalse(FilledFrom.objects.exists())


class CarryForwardTestCase(LibraryWorld):
    def test_the_yearly_carry_forward_prefers_the_newer_entry_and_says_so(self):
        product = self.product_from_chiyoda()
        tls, https, backup = (
            product.entries.get(control__key=k)
            for k in ("tls-version", "https", "backup-frequency")
        )
        Answer.objects.filter(assessment=self.assessment).update(text="")
        actions.fill(actor=self.bob, assessment=self.assessment, product=product,
                     scope=AnswerScope.VENDOR_ITEMS, entries=[tls.pk, https.pk, backup.pk])  # fmt: skip
        sources = {
            f.control.key: f.answer
            for f in FilledFrom.objects.filter(answer__assessment=self.assessment)
        }
        # backup's answer was changed by hand after the fill: last year's words are bob's own.
        update_answer(actor=self.bob, answer=sources["backup-frequency"], values={"text": "手で直した"},
                      expected_version=None, source="web")  # fmt: skip
        approve_on(self.assessment)
        actions.save_entries(actor=self.bob, product=product, source="web", changes=[
            (tls.control, {"status": "done", "text": "TLS1.3のみ（新しい版）"}),
            (backup.control, {"status": "done", "text": "多要素認証（新しい版）"})])  # fmt: skip
        actions.approve(actor=self.bob, entries=[tls, backup])
        year = create_assessment(actor=self.alice, system=self.system, template=self.template,
                                 phase="operation", fiscal_year=2027, carry_from=self.assessment)  # fmt: skip
        new = {k: year.answers.get(item=a.item) for k, a in sources.items()}
        self.assertEqual(new["tls-version"].text, "TLS1.3のみ（新しい版）")
        self.assertTrue(new["tls-version"].carried, "still to be confirmed")
        self.assertEqual(new["tls-version"].revisions.first().source, AnswerRevision.Source.LIBRARY)
        self.assertTrue(FilledFrom.objects.get(answer=new["tls-version"]).on_carry)
        self.assertEqual(new["https"].text, sources["https"].text, "no newer version: as it was")
        self.assertFalse(FilledFrom.objects.get(answer=new["https"]).on_carry)
        self.assertEqual(new["backup-frequency"].text, "手で直した")
        self.assertFalse(FilledFrom.objects.filter(answer=new["backup-frequency"]).exists())
        event = Event.objects.get(action="library.carry")
        self.assertEqual(event.changes["items"][1], [new["tls-version"].item.shown_number])
        self.client.force_login(self.rita)
        r = self.client.get(reverse("assessments:detail", args=[year.pk]) + "?all=1")
        self.assertContains(r, "引継ぎで回答マスタの新しい版を採用", count=1)


class FromExcelTestCase(LibraryWorld):
    """The vendor's own filled Excel form, read as the form import reads it."""

    def filled(self, text: str) -> bytes:
        data = export_assessment(actor=self.bob, assessment=self.assessment)
        book = openpyxl.load_workbook(io.BytesIO(data))
        layout = Layout.of(self.template)
        sheet = book[layout.sheet]
        for row in sheet.iter_rows(min_row=1):
            if row[column_number("key", layout) - 1].value == "web-tls-version":
                row[column_number("answer", layout) - 1].value = text
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    def upload(self, data: bytes, name="filled.xlsx"):
        self.client.force_login(self.bob)
        url = reverse("library:upload", args=[self.product.pk, self.assessment.pk])
        return self.client.post(url, {"file": SimpleUploadedFile(name, data)})

    def setUp(self):
        super().setUp()
        self.product = actions.add_product(actor=self.bob, name="施設予約クラウド")

    def test_a_filled_excel_form_is_previewed_then_built_into_the_library(self):
        r = self.upload(self.filled("TLS1.3のみ（Excelで記入）"))
        staged = LibraryImport.objects.get()
        self.assertRedirects(r, reverse("library:staged", args=[staged.pk]))
        self.assertFalse(Entry.objects.exists(), "nothing saved before the decision")
        r = self.client.get(reverse("library:staged", args=[staged.pk]))
        self.assertContains(r, "TLS1.3のみ（Excelで記入）")
        self.assertEqual(
            self.assessment.answers.get(item__key="web-tls-version").text, "No.61 対応済み"
        )
        r = self.client.post(
            reverse("library:staged", args=[staged.pk]), {"control": ["tls-version", "https"]}
        )
        self.assertRedirects(r, reverse("library:product", args=[self.product.pk]))
        self.assertEqual(
            self.product.entries.get(control__key="tls-version").text, "TLS1.3のみ（Excelで記入）"
        )
        self.assertEqual(self.product.entries.count(), 2)
        self.assertEqual(
            self.product.entries.get(control__key="https").revisions.get().source[:6], "Excel "
        )
        # Decided once: the preview is gone.
        self.assertEqual(
            self.client.get(reverse("library:staged", args=[staged.pk])).status_code, 404
        )

    def test_a_file_that_is_not_the_form_is_refused_and_nothing_kept(self):
        before = state_of_everything()
        r = self.upload(b"not a workbook", name="answers.xlsx")
        self.assertContains(r, "Excel ファイルを取り込めませんでした", status_code=400)
        self.assertFalse(LibraryImport.objects.exists())
        self.assertEqual(state_of_everything(), before)

    def test_another_persons_staged_file_is_a_404(self):
        self.upload(self.filled("x"))
        staged = LibraryImport.objects.get()
        bella = make_user("bella", "vendor", self.alpha)
        for person in (bella, self.charlie, self.rita):
            self.client.force_login(person)
            self.assertEqual(
                self.client.get(reverse("library:staged", args=[staged.pk])).status_code, 404
            )
