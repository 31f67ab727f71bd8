"""schemathesis against the API's own schema: every operation, as a vendor, a reviewer
and an auditor, with generated (valid and invalid) input, bounded in examples. Asserted
by schemathesis' checks: no server error, every status, content type and body as the
schema says, invalid input refused."""

import os

import schemathesis
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from kakunin.api.tests.test_api import ApiTestCase
from kakunin.wsgi import application

# Examples per operation and persona: CI runs a bounded number (FUZZ_EXAMPLES raises it).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
PERSONAS = ("bob", "rita", "audrey")


@override_settings(API_RATE="100000/min")
class SchemathesisTestCase(ApiTestCase):
    def test_every_operation_as_each_role_keeps_to_the_schema(self):
        bearer = {"Authorization": f"Bearer {self.secrets['bob']}"}
        schema = schemathesis.openapi.from_wsgi(
            "/api/schema/?format=json", application, headers=bearer
        )
        operations = [result.ok() for result in schema.get_all_operations()]
        self.assertGreaterEqual(len(operations), 10)
        for persona in PERSONAS:
            headers = {"Authorization": f"Bearer {self.secrets[persona]}"}
            for operation in operations:
                with self.subTest(persona=persona, operation=operation.label):
                    fuzz(operation, headers)


def fuzz(operation, headers: dict) -> None:
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case):
        case.call_and_validate(headers=headers)

    check()
