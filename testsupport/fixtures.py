"""Shared test set-up: the bundled checklist and named personas.

- alice: 所管課 staff of the department that owns the system
- bob: vendor staff of Alpha, the system's vendor
- charlie: vendor staff of Beta, no part in the system
- dave: 所管課 staff of another department
- rita: security reviewer (情報政策課)
- adam: administrator
- audrey: auditor (read-only)
"""

import datetime
import re
import time

from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import timezone

from kakunin.accounts.models import Organisation, Role, User
from kakunin.assessments.actions import create_assessment, update_answer
from kakunin.assessments.models import Status
from kakunin.catalog.loader import bundled_files, load, read_file, vocabulary_order
from kakunin.catalog.models import Control
from kakunin.library import actions as library_actions
from kakunin.scans.models import Scan, ScanTarget
from kakunin.systems.models import System

PASSWORD = "Correct-Horse-42"


def enrol_totp(user) -> str:
    """Give the user a TOTP authenticator; returns its secret (for totp_code)."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str, at: float | None = None) -> str:
    return format_hotp_value(hotp_value(secret, int((at or time.time()) // 30)))


def download_pdf(test, url: str):
    """A PDF as a person gets one: asked for (POST), printed by the worker (huey runs
    immediately in the tests; the job is handed over when the request commits),
    followed on its page and downloaded. The download's response."""
    with test.captureOnCommitCallbacks(execute=True):
        asked = test.client.post(url)
    test.assertEqual(asked.status_code, 302, asked.content.decode()[-500:])
    page = test.client.get(asked["Location"]).content.decode()
    link = re.search(r'href="([^"]+/download/)"', page)
    test.assertIsNotNone(link, page)
    return test.client.get(link.group(1))


def load_bundled_catalog():
    return load(read_file(bundled_files()[0])).template


def make_user(username: str, role: str, organisation=None, password=PASSWORD, **extra) -> User:
    user = User(
        username=username,
        email=f"{username}@example.org",
        full_name=username.capitalize(),
        role=role,
        organisation=organisation,
        **extra,
    )
    user.set_password(password)
    user.save()
    return user


def make_system(department, vendors=(), created_by=None, members=None, **profile) -> System:
    """A system; the vendor people of `vendors` become its members unless `members`
    names them."""
    defaults = {
        "name": "子ども発達支援システム",
        "confidentiality": 2,
        "integrity": 1,
        "availability": 1,
    }
    system = System.objects.create(
        department=department, created_by=created_by, **(defaults | profile)
    )
    system.vendors.set(vendors)
    if members is None:
        members = User.objects.filter(role=Role.VENDOR, organisation__in=list(vendors))
    for person in members:
        system.memberships.create(user=person)
    return system


def create_world(target) -> None:
    """The personas, their organisations, one system and its assessment, set on `target`."""
    target.template = load_bundled_catalog()
    target.security = Organisation.objects.create(name="情報政策課", kind="ward")
    target.kodomo = Organisation.objects.create(name="子ども支援課", kind="ward")
    target.zeimu = Organisation.objects.create(name="税務課", kind="ward")
    target.alpha = Organisation.objects.create(name="株式会社アルファ", kind="vendor")
    target.beta = Organisation.objects.create(name="株式会社ベータ", kind="vendor")

    target.alice = make_user("alice", Role.DEPARTMENT, target.kodomo)
    target.bob = make_user("bob", Role.VENDOR, target.alpha)
    target.charlie = make_user("charlie", Role.VENDOR, target.beta)
    target.dave = make_user("dave", Role.DEPARTMENT, target.zeimu)
    target.rita = make_user("rita", Role.REVIEWER, target.security)
    target.adam = make_user("adam", Role.ADMIN, target.security)
    # Their roles need TOTP before anything else (item 39).
    target.rita_totp = enrol_totp(target.rita)
    target.adam_totp = enrol_totp(target.adam)
    target.audrey = make_user("audrey", Role.AUDITOR)

    target.system = make_system(
        target.kodomo, [target.alpha], created_by=target.alice, serves_web=True
    )
    target.assessment = create_assessment(
        actor=target.alice, system=target.system, template=target.template, phase="initial"
    )


def create_second_municipality(target) -> None:
    """港区 beside the world's 千代田区: its department, reviewer, auditor and administrator,
    and a system served by alpha (bob works on it too) and beta. The system and its
    assessment are numbered like nothing in 千代田区's, so that a leak shows."""
    from kakunin.tenants.models import Municipality

    target.minato = Municipality.objects.create(code="131032", name="港区")
    target.minato_it = Organisation.objects.create(
        name="情報政策課", kind="ward", municipality=target.minato
    )
    target.minato_dept = Organisation.objects.create(
        name="子ども支援課", kind="ward", municipality=target.minato
    )
    target.mika = make_user("mika", Role.DEPARTMENT, target.minato_dept)
    target.mori = make_user("mori", Role.REVIEWER, target.minato_it)
    target.mori_totp = enrol_totp(target.mori)
    target.masa = make_user("masa", Role.AUDITOR, municipality=target.minato)
    target.minato_system = make_system(
        target.minato_dept,
        [target.alpha, target.beta],
        created_by=target.mika,
        name="港区 子育て支援システム",
        serves_web=True,
    )
    target.minato_assessment = create_assessment(
        actor=target.mika, system=target.minato_system, template=target.template, phase="initial"
    )


class BaseTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        create_world(cls)

    def setUp(self):
        cache.clear()  # rate limits and lockouts must not leak from one test to the next

    def answer(self, key: str):
        return self.assessment.answers.select_related("item").get(item__key=key)


def make_scan(
    system,
    verdicts: dict[str, str],
    *,
    url="https://www.example.lg.jp/",
    finished_at=None,
    summary="テスト",
):
    """A finished scan of `system` with these verdicts ({control: "pass"|"fail"|...})."""
    target, _ = ScanTarget.objects.get_or_create(
        system=system, url=url, defaults={"created_by": system.created_by}
    )
    scan = Scan.objects.create(
        system=system,
        state=Scan.State.DONE,
        progress=100,
        finished_at=finished_at or timezone.now(),
    )
    for control, verdict in verdicts.items():
        scan.results.create(
            target=target, url=url, control=control, position=vocabulary_order()[control],
            verdict=verdict, summary=f"{summary} {control}",
            findings=[{"summary": summary, "evidence": [{"status": 200}]}],
        )  # fmt: skip
    return scan


def approve_on(assessment, day=datetime.date(2024, 1, 1)):
    """The assessment approved on `day` (behind the actions' back): its system has been in
    operation since then (System.operation_start), long before any year a test reports."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    type(assessment).objects.filter(pk=assessment.pk).update(state="approved", approved_at=moment)


def fill_everything(assessment, actor):
    """Answer every applicable item as 対応済 (the ward items keep 区で対応)."""
    for answer in assessment.answers.select_related("item"):
        if answer.item.is_ward_item:
            continue
        if assessment.template.evaluate(answer.item, assessment.system).applies:
            update_answer(
                actor=actor,
                answer=answer,
                values={"status": Status.DONE, "text": f"No.{answer.item.number} 対応済み"},
                expected_version=None,
                source="web",
            )


def make_library(person, name="施設予約クラウド"):
    """A product of the person's company, with one approved entry (TLS) and its file."""
    product = library_actions.add_product(actor=person, name=name, versions="v5")
    tls = Control.objects.get(key="tls-version")
    library_actions.save_entries(actor=person, product=product, source="test", changes=[
        (tls, {"status": "done", "text": "TLS1.2以上のみ（回答マスタ）"})])  # fmt: skip
    entry = product.entries.get()
    library_actions.approve(actor=person, entries=[entry])
    kept = library_actions.add_file(
        actor=person, entry=entry, upload=SimpleUploadedFile("tls.txt", b"TLS report")
    )
    return product, entry, kept


def lying_zip(entries: dict[str, bytes], liar: str, declared: int) -> bytes:
    """A zip whose entry `liar` says it unpacks to `declared` bytes, whatever it holds
    (the local header and the central directory both say so), for the zip-bomb checks."""
    import io
    import struct
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    data = bytearray(buf.getvalue())
    name = liar.encode()
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = 0
        while (at := data.find(signature, at)) != -1:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                struct.pack_into("<I", data, at + offset, declared)
            at += 4
    return bytes(data)
