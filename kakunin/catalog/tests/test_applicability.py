from kakunin.systems.models import System
from testsupport.fixtures import BaseTestCase, make_system


def applying(template, system) -> set[int]:
    return {i.number for i in template.items.all() if template.evaluate(i, system).applies}


class ApplicabilityTestCase(BaseTestCase):
    def profile(self, **flags) -> System:
        return make_system(self.kodomo, name="x", created_by=self.alice, **flags)

    def test_a_bare_system_gets_the_general_items_only(self):
        expected = set(range(1, 14)) | set(range(16, 35)) | {83}
        self.assertEqual(applying(self.template, self.profile()), expected)

    def test_servers_bring_in_14_and_15(self):
        got = applying(self.template, self.profile(uses_servers=True))
        self.assertTrue({14, 15} <= got)

    def test_web_brings_in_35_to_75_and_82_but_not_the_high_ones(self):
        got = applying(self.template, self.profile(serves_web=True))
        expected_web = (set(range(35, 76)) | {82}) - {45, 62, 63, 64, 65}
        self.assertTrue(expected_web <= got)
        self.assertFalse({45, 62, 63, 64, 65} & got)

    def test_45_needs_confidentiality_or_integrity_high(self):
        c3 = applying(self.template, self.profile(serves_web=True, confidentiality=3))
        i2 = applying(self.template, self.profile(serves_web=True, integrity=2))
        a2 = applying(self.template, self.profile(serves_web=True, availability=2))
        self.assertIn(45, c3)
        self.assertIn(45, i2)
        self.assertNotIn(45, a2)

    def test_62_to_65_need_any_axis_high(self):
        a2 = applying(self.template, self.profile(serves_web=True, availability=2))
        self.assertTrue({62, 63, 64, 65} <= a2)

    def test_external_services_bring_in_76_to_81(self):
        got = applying(self.template, self.profile(uses_external_services=True))
        self.assertTrue(set(range(76, 82)) <= got)
        self.assertNotIn(35, got)

    def test_what_counts_as_high_is_template_data(self):
        system = self.profile(serves_web=True, confidentiality=2)
        self.assertNotIn(45, applying(self.template, system))
        self.template.high = {"confidentiality": 2, "integrity": 2, "availability": 2}
        self.assertIn(45, applying(self.template, system))

    def test_every_item_says_why(self):
        system = self.profile(serves_web=True, confidentiality=3)
        item = self.template.items.get(number=45)
        verdict = self.template.evaluate(item, system)
        self.assertTrue(verdict.applies)
        self.assertIn(
            "【機密性または完全性の重要度が「高」の場合】 該当（機密性3、完全性1）", verdict.reasons
        )
        not_web = self.template.evaluate(self.template.items.get(number=36), self.profile())
        self.assertFalse(not_web.applies)
        self.assertIn("非該当", not_web.reasons[0])
        general = self.template.evaluate(self.template.items.get(number=2), system)
        self.assertEqual(general.reasons, ("全てのシステムに適用",))
