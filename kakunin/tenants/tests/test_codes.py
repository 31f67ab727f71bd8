from django.core.exceptions import ValidationError
from django.test import SimpleTestCase

from kakunin.tenants.codes import normalise_corporate_number, normalise_local_government_code


class LocalGovernmentCodeTestCase(SimpleTestCase):
    def test_real_codes_pass_with_their_check_digit(self):
        # 千代田区, 新宿区 (remainder 0 → 1), 渋谷区 (remainder 1 → 0), 札幌市, 大阪市
        for code in ["131016", "131041", "131130", "011002", "271004"]:
            with self.subTest(code=code):
                self.assertEqual(normalise_local_government_code(code), code)

    def test_full_width_digits_are_read(self):
        self.assertEqual(normalise_local_government_code("１３１０１６"), "131016")

    def test_a_wrong_check_digit_is_refused_saying_so(self):
        with self.assertRaises(ValidationError) as raised:
            normalise_local_government_code("131017")
        self.assertEqual(raised.exception.code, "check_digit")
        self.assertIn("検査数字", raised.exception.messages[0])

    def test_a_wrong_length_is_refused(self):
        for code in ["13101", "1310166", "13101a", ""]:
            with self.subTest(code=code), self.assertRaises(ValidationError) as raised:
                normalise_local_government_code(code)
            self.assertIn("6桁", raised.exception.messages[0])


class CorporateNumberTestCase(SimpleTestCase):
    def test_real_numbers_pass(self):
        # 国税庁, トヨタ自動車
        for number in ["7000012050002", "1180301018771", "1-1803-0101-8771"]:
            with self.subTest(number=number):
                self.assertEqual(len(normalise_corporate_number(number)), 13)

    def test_a_wrong_check_digit_is_refused_saying_so(self):
        with self.assertRaises(ValidationError) as raised:
            normalise_corporate_number("8000012050002")
        self.assertEqual(raised.exception.code, "check_digit")
        self.assertIn("検査数字", raised.exception.messages[0])

    def test_a_wrong_length_is_refused(self):
        with self.assertRaises(ValidationError) as raised:
            normalise_corporate_number("700001205000")
        self.assertIn("13桁", raised.exception.messages[0])
