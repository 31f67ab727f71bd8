"""The checklist text is the ward's: every word is compared with the seed form."""

from pathlib import Path

import yaml
from django.conf import settings
from django.test import SimpleTestCase

from kakunin.catalog.loader import bundled_files, read_file

SEED = Path(settings.BASE_DIR).parent / "shared" / "seeds" / "000_6f756eff95373820.txt"
# The seed is copied into the repository so that the test runs from any clone.
LOCAL_SEED = Path(__file__).parent / "data" / "seed-form.txt"


def squash(text: str) -> str:
    """The form was extracted from a PDF: only the characters are trustworthy, not the spacing."""
    return "".join(text.split())


class SeedTextTestCase(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seed = squash(LOCAL_SEED.read_text(encoding="utf-8"))
        cls.parsed = read_file(bundled_files()[0])
        cls.items = cls.parsed.items

    def test_it_has_83_items_numbered_in_order(self):
        self.assertEqual([i["number"] for i in self.items], list(range(1, 84)))
        self.assertEqual(len({i["key"] for i in self.items}), 83)

    def test_it_matches_every_question_in_order(self):
        pos = 0
        for item in self.items:
            found = self.seed.find(squash(item["question"]), pos)
            self.assertNotEqual(found, -1, f"No.{item['number']} question differs from the seed")
            pos = found

    def test_it_matches_every_example(self):
        for item in self.items:
            for example in item["examples"]:
                self.assertIn(squash(example), self.seed, f"No.{item['number']}: {example}")

    def test_it_matches_sections_subsections_and_presets(self):
        for item in self.items:
            for field in ("section", "subsection", "preset_answer"):
                value = squash(item[field])
                if value and value != "-":
                    self.assertIn(value, self.seed, f"No.{item['number']} {field}")

    def test_it_keeps_examples_out_of_the_question(self):
        for item in self.items:
            self.assertNotIn("【記載例】", item["question"], f"No.{item['number']}")

    def test_the_bundled_copy_is_the_seed(self):
        if SEED.exists():  # beside the project in the developers' workspace
            self.assertEqual(SEED.read_bytes(), LOCAL_SEED.read_bytes())

    def test_it_names_the_standard_by_range(self):
        for item in self.items:
            expected = "policy-4.0" if item["number"] <= 34 else "web-2.1"
            self.assertEqual(item["standard"], expected, f"No.{item['number']}")

    def test_ward_items_carry_the_preset_answer(self):
        ward = [i["number"] for i in self.items if i["answered_by"] == "ward"]
        self.assertEqual(ward, [16, 17, 18, 19, 34])
        for item in self.items:
            if item["number"] in ward:
                self.assertEqual(
                    item["preset_answer"], "千代田区の全庁LAN端末のセキュリティ対策にて対応"
                )

    def test_conditions_follow_the_form(self):
        by_number = {i["number"]: i["condition"] for i in self.items}
        for n, cond in by_number.items():
            expected = []
            if n in (14, 15):
                expected = ["servers"]
            elif 35 <= n <= 75 or n == 82:
                expected = ["web"]
            elif 76 <= n <= 81:
                expected = ["external"]
            if n == 45:
                expected = ["web", "high-ci"]
            if 62 <= n <= 65:
                expected = ["web", "high-any"]
            self.assertEqual(cond, expected, f"No.{n}")

    def test_related_items_are_symmetric_and_follow_the_reading_guide(self):
        related = {i["key"]: set(i["related"]) for i in self.items}
        number = {i["key"]: i["number"] for i in self.items}
        for key, refs in related.items():
            for ref in refs:
                self.assertIn(key, related[ref], f"{key} -> {ref} is one-way")
        pairs = {tuple(sorted((number[k], number[r]))) for k, refs in related.items() for r in refs}
        for pair in [
            (2, 68),
            (4, 41),
            (4, 69),
            (41, 69),
            (5, 42),
            (28, 70),
            (30, 70),
            (7, 39),
            (7, 79),
        ]:
            self.assertIn(pair, pairs)
        # Item 72 says "No66,No67" but means 管理用アカウントの管理, items 68–69.
        self.assertEqual({number[r] for r in related["security-status-report"]}, {68, 69})

    def test_template_metadata(self):
        meta = self.parsed.meta
        self.assertEqual(meta["name"], "システム導入に係るセキュリティ要件確認一覧表")
        self.assertEqual(meta["issuer"], "千代田区")
        self.assertTrue(meta["version"])
        self.assertEqual(meta["high"], {"confidentiality": 3, "integrity": 2, "availability": 2})
        raw = yaml.safe_load(bundled_files()[0].read_text(encoding="utf-8"))
        self.assertIn(squash(raw["instruction"]), self.seed)
        self.assertIn(squash(raw["policy_line"]), self.seed)
