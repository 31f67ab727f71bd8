"""schemathesis against the API's own schema, as a vendor, a reviewer and an auditor,
bounded in examples: every operation with generated (valid and invalid) input, and
sequences of calls that follow the schema's links (a listed assessment opened, an
answer read and changed with the ETag just read). Asserted by schemathesis' checks: no
server error; every status, content type and body as the schema says; invalid input
refused; a call with invalid credentials refused."""

import os

import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from kakunin.api.tests.test_api import ApiTestCase
from kakunin.wsgi import application

# Examples per operation (and sequences per persona): CI runs a bounded number.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
PERSONAS = ("bob", "rita", "audrey")


def bounded(**extra):
    return hypothesis_settings(
        max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
        suppress_health_check=list(HealthCheck), **extra,
    )  # fmt: skip


@override_settings(API_RATE="100000/min")
class SchemathesisTestCase(ApiTestCase):
    def setUp(self):
        super().setUp()
        # schemathesis calls the WSGI application itself, not through Django's test
        # client: like the test client, keep Django from closing the connection at each
        # request's start and end (on PostgreSQL that would end the test's transaction).
        for signal in (request_started, request_finished):
            signal.disconnect(close_old_connections)
            self.addCleanup(signal.connect, close_old_connections)
        bearer = {"Authorization": f"Bearer {self.secrets['bob']}"}
        self.schema = schemathesis.openapi.from_wsgi(
            "/api/schema/?format=json", application, headers=bearer
        )
        self.token = {"value": ""}
        token = self.token

        # The persona's token on every generated call (schemathesis' own checks take it
        # away to see that a call without valid credentials is refused).
        @self.schema.auth(refresh_interval=None)
        class Bearer:
            def get(self, case, context):
                return token["value"]

            def set(self, case, data, context):
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    def test_every_operation_as_each_role_keeps_to_the_schema(self):
        operations = [result.ok() for result in self.schema.get_all_operations()]
        self.assertGreaterEqual(len(operations), 20)
        for persona in PERSONAS:
            self.token["value"] = self.secrets[persona]
            for operation in operations:
                with self.subTest(persona=persona, operation=operation.label):

                    @bounded()
                    @given(case=operation.as_strategy())
                    def check(case):
                        case.call_and_validate()

                    check()

    def test_sequences_of_calls_follow_the_schemas_links(self):
        links = sum(
            len(answer.get("links", {}))
            for item in self.schema.raw_schema["paths"].values()
            for op in item.values()
            if isinstance(op, dict)
            for answer in op.get("responses", {}).values()
        )
        self.assertGreaterEqual(links, 10)
        for persona in PERSONAS:
            self.token["value"] = self.secrets[persona]
            with self.subTest(persona=persona):
                # File uploads are fuzzed one by one above: in a sequence schemathesis reuses
                # text from earlier answers as the file, which a multipart parser rightly
                # reads as a plain field, not a file.
                calls = self.schema.exclude(path_regex=r"/(evidence|inventory|responses)/$")
                calls.as_state_machine().run(settings=bounded(stateful_step_count=5))
