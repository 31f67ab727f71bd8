"""The load of `make loadtest` (locust): vendors answering their assessments and
security reviewers reviewing theirs, through nginx in front of the app nodes.
scripts/loadtest.py starts the deployment and hands the people over in PEOPLE_FILE."""

import base64
import hmac
import json
import os
import random
import re
import struct
import time

from locust import HttpUser, between, task

PEOPLE = json.loads(open(os.environ["PEOPLE_FILE"], encoding="utf-8").read())
VERSION = re.compile(r'name="([a-z0-9-]+)-version" value="(\d+)"')


def totp(secret: str) -> str:
    """The current code of a TOTP authenticator (RFC 6238: SHA-1, 30 s, 6 digits)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), "sha1").digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**6:06d}"


class Person(HttpUser):
    abstract = True
    wait_time = between(0.1, 1)  # busy people: a click every half second

    def log_in(self, username: str, password: str, totp=None) -> None:
        self.client.get("/auth/login/", name="login")
        token = self.client.cookies.get("csrftoken")
        r = self.client.post(
            "/auth/login/", {"login": username, "password": password},
            headers={"X-CSRFToken": token}, name="login",
        )  # fmt: skip
        if totp is not None and "/2fa/" in r.url:
            self.client.post(
                "/auth/2fa/authenticate/", {"code": totp()},
                headers={"X-CSRFToken": self.client.cookies.get("csrftoken")}, name="login TOTP",
            )  # fmt: skip

    def post(self, path: str, data: dict, name: str):
        headers = {"X-CSRFToken": self.client.cookies.get("csrftoken"), "HX-Request": "true"}
        return self.client.post(path, data, headers=headers, name=name)


class Vendor(Person):
    """Opens the assessment, scrolls (a later section comes), answers items."""

    weight = 3

    def on_start(self):
        me = PEOPLE["vendors"].pop(0) if PEOPLE["vendors"] else random.choice(PEOPLE["all_vendors"])
        self.assessment = me["assessment"]
        self.log_in(me["username"], PEOPLE["password"])
        self.versions: dict[str, int] = {}

    @task(3)
    def open_page(self):
        page = self.client.get(f"/assessments/{self.assessment}/", name="assessment page")
        self.versions |= {key: int(v) for key, v in VERSION.findall(page.text)}
        self.client.get(
            f"/assessments/{self.assessment}/sections/{random.randint(8, 20)}/",
            headers={"HX-Request": "true"}, name="a later section",
        )  # fmt: skip

    @task(5)
    def answer(self):
        if not self.versions:
            return self.open_page()
        key = random.choice(list(self.versions))
        r = self.post(
            f"/assessments/{self.assessment}/items/{key}/save/",
            {f"{key}-status": "done", f"{key}-text": f"負荷試験の回答 {time.time():.3f}",
             f"{key}-version": str(self.versions[key])},
            name="save an answer",
        )  # fmt: skip
        found = re.search(
            rf'id="version-{key}"[^>]*value="(\d+)"|value="(\d+)" id="version-{key}"', r.text
        )
        if found:
            self.versions[key] = int(found.group(1) or found.group(2))


class Reviewer(Person):
    """Goes through the submitted assessments and records verdicts."""

    weight = 1

    def on_start(self):
        me = PEOPLE["reviewers"].pop(0)
        self.log_in(me["username"], PEOPLE["password"], totp=lambda: totp(me["secret"]))
        self.assessments = PEOPLE["in_review"]

    @task(2)
    def dashboard(self):
        self.client.get("/dashboard/", name="dashboard")

    @task(3)
    def review(self):
        assessment = random.choice(self.assessments)
        self.client.get(f"/assessments/{assessment}/", name="assessment page (reviewer)")
        key = random.choice(PEOPLE["keys"])
        self.post(
            f"/assessments/{assessment}/items/{key}/verdict/",
            {"verdict": "ok", "comment": ""}, name="record a verdict",
        )  # fmt: skip
