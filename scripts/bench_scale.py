"""The service at scale, on PostgreSQL (`make bench`, part `scale`; or alone:
`python scripts/bench_scale.py`). Prints figures, asserts nothing.

Synthetic data in a database of its own (BENCH_PG, default
postgres://postgres@127.0.0.1:5432; the database kakunin_scale_bench is made and
dropped): BENCH_MUNICIPALITIES (50) municipalities x BENCH_SYSTEMS (300) systems, each
system with one assessment of Chiyoda's 83 items answered (about 200 characters each),
one revision of each answer and one audit event of each change, in the service's chain
and the municipality's own. One vendor person works on 10 systems in every
municipality. The application works as a role that owns no table, so every query
below pays for row-level security as in production.

It prints:
- the vendor's page (one assessment, in process) before the data and after;
- the ward's dashboard, a reviewer in one municipality of 300 systems;
- the API lists (systems, assessments) with a reviewer's token;
- the vendor serving every municipality: the page listing their municipalities and
  their work in each, and their assessments list in one;
- the database's size and rows, the time of a backup (pg_dump, evidence, encrypted)
  and of one municipality's export.
"""

import base64
import os
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
TMP = Path(tempfile.mkdtemp(prefix="kakunin-scale-"))
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = "kakunin_scale_bench"
ROLE = "kakunin_scale_app"
MUNICIPALITIES = int(os.environ.get("BENCH_MUNICIPALITIES", "50"))
SYSTEMS = int(os.environ.get("BENCH_SYSTEMS", "300"))
VENDOR_SYSTEMS = 10  # the vendor person's systems in each municipality
ANSWER = ("パスワードは12文字以上とし、英大文字・英小文字・数字・記号のうち3種類以上を"
          "必須とする。初回ログイン時に変更を強制し、過去5世代の再利用を禁止する。"
          "管理者アカウントは多要素認証を必須とし、失敗10回でロックする。") * 2  # fmt: skip


def prepare_database() -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {DB}")
        db.execute(f"CREATE DATABASE {DB}")
        db.execute(
            f"DO $$ BEGIN CREATE ROLE {ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;"
            " EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )


def drop_database() -> None:
    from django.db import connections

    connections.close_all()
    if os.environ.get("BENCH_KEEP"):
        print(f"(kept: {SERVER}/{DB})")
        return
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


prepare_database()
os.environ.update(
    {
        "SECRET_KEY": "bench-only-secret-key",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": f"{SERVER}/{DB}",
        "DATABASE_ROLE": ROLE,
        "VAR_DIR": str(TMP),
        "FIELD_ENCRYPTION_KEYS": "bench:" + base64.b64encode(os.urandom(32)).decode(),
        "BACKUP_KEY": base64.b64encode(os.urandom(32)).decode(),
        "EMAIL_URL": "dummymail://",
        "MUNICIPALITY_CODE": "131016",
        "MUNICIPALITY_NAME": "千代田区",
    }
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kakunin.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django_scopes.state import state  # noqa: E402

# Set up across municipalities, as a test does; every request activates its own.
state.set({"_enabled": False})

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from kakunin.accounts.models import Organisation, Role  # noqa: E402
from kakunin.api.actions import issue_token  # noqa: E402
from kakunin.assessments.actions import create_assessment  # noqa: E402
from kakunin.assessments.models import Answer, AnswerRevision, Assessment  # noqa: E402
from kakunin.audit.models import ChainHead, Event, MunicipalityChainHead  # noqa: E402
from kakunin.catalog.models import Template  # noqa: E402
from kakunin.systems.models import Membership, System  # noqa: E402
from kakunin.tenants import rls  # noqa: E402
from kakunin.tenants.active import SESSION_KEY, activated  # noqa: E402
from kakunin.tenants.codes import corporate_check_digit, local_government_check_digit  # noqa: E402
from kakunin.tenants.models import Municipality  # noqa: E402
from testsupport.fixtures import enrol_totp  # noqa: E402
from testsupport.load import summary, timed  # noqa: E402

User = get_user_model()


def grant() -> None:
    with rls.as_owner(), connection.cursor() as cursor:
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {ROLE}"
        )
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ROLE}")


def code(n: int) -> str:
    first = f"13{101 + n:03d}"
    return f"{first}{local_government_check_digit(first)}"


class World:
    def __init__(self):
        self.template = Template.objects.filter(municipality=None).order_by("pk").first()
        self.items = list(self.template.items.order_by("number").values_list("pk", flat=True))
        base = "100000000000"
        self.vendor_company = Organisation.objects.create(
            name="ベンチ株式会社", kind="vendor",
            corporate_number=f"{corporate_check_digit(base)}{base}",
        )  # fmt: skip
        self.vendor = self.person("bench-vendor", Role.VENDOR, self.vendor_company)
        self.municipalities: list[Municipality] = []
        self.reviewers: dict[int, User] = {}

    def person(self, username, role, organisation=None, municipality=None):
        return User.objects.create(
            username=username, email=f"{username}@example.jp", full_name=username, role=role,
            organisation=organisation, municipality=municipality,
        )  # fmt: skip

    def municipality(self, n: int) -> Municipality:
        """One municipality: its departments and staff, and its first system made as
        a department makes one (the others are its copies)."""
        municipality = Municipality.default() if n == 0 else Municipality.objects.create(
            code=code(n), name=f"ベンチ市{n:02d}"
        )  # fmt: skip
        it = Organisation.objects.create(name="情報政策課", kind="ward", municipality=municipality)
        dept = Organisation.objects.create(name="業務課", kind="ward", municipality=municipality)
        staff = self.person(f"staff-{n}", Role.DEPARTMENT, dept, municipality)
        reviewer = self.person(f"reviewer-{n}", Role.REVIEWER, it, municipality)
        enrol_totp(reviewer)
        self.reviewers[municipality.pk] = reviewer
        with activated(municipality):
            system = System.objects.create(
                municipality=municipality, name="ベンチ用システム0000", department=dept,
                created_by=staff, serves_web=True, confidentiality=2,
            )  # fmt: skip
            system.vendors.set([self.vendor_company])
            Membership.objects.create(system=system, user=self.vendor, granted_by=staff)
            assessment = create_assessment(
                actor=staff, system=system, template=self.template, phase="initial"
            )
        self.municipalities.append(municipality)
        return municipality, system, assessment


def fill(world: World, municipality, first: System, first_assessment: Assessment) -> int:
    """The municipality's other systems and every system's answers, in bulk."""
    now = timezone.now()
    systems = [first]
    for i in range(1, SYSTEMS):
        copy = System(
            **{f.attname: getattr(first, f.attname) for f in System._meta.concrete_fields}
        )
        copy.pk, copy.name = None, f"ベンチ用システム{i:04d}"
        systems.append(copy)
    System.objects.bulk_create(systems[1:], batch_size=1000)
    System.vendors.through.objects.bulk_create(
        [System.vendors.through(system_id=s.pk, organisation_id=world.vendor_company.pk) for s in systems[1:]]
    )  # fmt: skip
    Membership.objects.bulk_create(
        [Membership(system=s, user=world.vendor, granted_by=first.created_by)
         for s in systems[1:VENDOR_SYSTEMS]]
    )  # fmt: skip
    fields = [f.attname for f in Assessment._meta.concrete_fields if f.attname != "id"]
    assessments = [first_assessment]
    for s in systems[1:]:
        copy = Assessment(**{f: getattr(first_assessment, f) for f in fields})
        copy.system_id = s.pk
        assessments.append(copy)
    Assessment.objects.bulk_create(assessments[1:], batch_size=1000)
    Answer.objects.filter(assessment=first_assessment).delete()
    answers = [
        Answer(assessment_id=a.pk, item_id=item, status="done", text=f"{ANSWER}（{a.pk}-{n}）",
               version=1, updated_by=world.vendor, updated_at=now)
        for a in assessments for n, item in enumerate(world.items)
    ]  # fmt: skip
    Answer.objects.bulk_create(answers, batch_size=5000)
    AnswerRevision.objects.bulk_create(
        [AnswerRevision(answer_id=a.pk, version=1, status=a.status, text=a.text,
                        changed_by=world.vendor, changed_at=now, source="web") for a in answers],
        batch_size=5000,
    )  # fmt: skip
    events(world, municipality, answers, now)
    return len(answers)


def events(world: World, municipality, answers, now) -> None:
    """One event for each answer written, chained in the service's and its own."""
    head = ChainHead.objects.get_or_create(pk=1)[0]
    own = MunicipalityChainHead.objects.get_or_create(municipality=municipality)[0]
    seq, prev, chain_seq, chain_prev = head.seq, head.hash, own.seq, own.hash
    batch = []
    for answer in answers:
        seq += 1
        chain_seq += 1
        event = Event(
            seq=seq, at=now, actor_id=world.vendor.pk, actor_label=world.vendor.username,
            municipality_id=municipality.pk, action="answer.update",
            object_type="assessments.answer", object_id=str(answer.pk),
            object_label="パスワード", changes={"text": [None, "…"]}, prev_hash=prev,
            chain_seq=chain_seq, chain_prev_hash=chain_prev,
        )  # fmt: skip
        event.hash = prev = event.compute_hash()
        event.chain_hash = chain_prev = event.compute_chain_hash(municipality.code)
        batch.append(event)
    Event.objects.bulk_create(batch, batch_size=5000)
    ChainHead.objects.filter(pk=1).update(seq=seq, hash=prev, others_hash=prev)
    MunicipalityChainHead.objects.filter(municipality=municipality).update(
        seq=chain_seq, hash=chain_prev, others_hash=chain_prev
    )


def page(client: Client, path: str, n: int = 100, **headers) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
    return summary(timed(lambda: client.get(path, headers=headers), n))


def vendor_page(world: World, assessment: Assessment) -> str:
    client = Client()
    client.force_login(world.vendor)
    session = client.session
    session[SESSION_KEY] = Municipality.objects.get(pk=assessment.system.municipality_id).code
    session.save()
    return page(client, f"/assessments/{assessment.pk}/", 50)


def main() -> None:
    print(f"Kakunin scale bench — PostgreSQL, {MUNICIPALITIES} municipalities x {SYSTEMS} systems")
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    with rls.as_owner():
        call_command("load_catalog", verbosity=0)
    grant()
    world = World()
    first = world.municipality(0)
    vendor_before = vendor_page(world, first[2])
    started = time.perf_counter()
    made = [first] + [world.municipality(n) for n in range(1, MUNICIPALITIES)]
    answers = 0
    for municipality, system, assessment in made:
        with transaction.atomic():
            answers += fill(world, municipality, system, assessment)
    with rls.as_owner(), connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"data: {answers:,} answers, {answers:,} revisions, {Event.objects.count():,} events "
          f"(made in {time.perf_counter() - started:.0f} s)")  # fmt: skip
    middle = made[len(made) // 2]
    municipality, system, assessment = middle
    print(
        f"\npages and lists in {municipality.name} ({SYSTEMS} systems), in process (Django's test client)"
    )
    print(f"  vendor's page (83 items), before the data  {vendor_before}")
    print(f"  vendor's page (83 items), after            {vendor_page(world, assessment)}")
    reviewer = Client()
    reviewer.force_login(world.reviewers[municipality.pk])
    print(f"  ward's dashboard (reviewer)                {page(reviewer, '/dashboard/')}")
    print(f"  systems list (reviewer)                    {page(reviewer, '/systems/')}")
    with activated(municipality):
        _token, secret = issue_token(
            actor=world.reviewers[municipality.pk], user=world.reviewers[municipality.pk],
            name="bench", days=30, read_only=True, with_totp=True,
        )  # fmt: skip
    api = Client()
    bearer = {"Authorization": f"Bearer {secret}"}
    print(f"  API systems list (reviewer's token)        {page(api, '/api/v1/systems/', **bearer)}")
    print(
        f"  API assessments list                       {page(api, '/api/v1/assessments/', **bearer)}"
    )
    vendor = Client()
    vendor.force_login(world.vendor)
    print(
        f"\nthe vendor person working in all {MUNICIPALITIES} municipalities ({VENDOR_SYSTEMS} systems in each)"
    )
    print(f"  their municipalities and work in each      {page(vendor, '/municipalities/')}")
    session = vendor.session
    session[SESSION_KEY] = municipality.code
    session.save()
    print(f"  their assessments in one                   {page(vendor, '/assessments/')}")
    print("targets: dashboard p95 <= 100 ms; API lists p95 <= 50 ms; the vendor's "
          "municipalities p95 <= 100 ms; the vendor's page no slower than before the data")  # fmt: skip
    sizes()
    timings(municipality)


def sizes() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT relname, pg_total_relation_size(c.oid), reltuples::bigint FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
            " AND c.relkind = 'r' ORDER BY 2 DESC LIMIT 5"
        )
        largest = cursor.fetchall()
    print(f"\ndatabase: {total / 2**30:.2f} GiB")
    for name, size, rows in largest:
        print(f"  {name:32s} {size / 2**20:8.0f} MiB  {rows:>10,} rows")


def timings(municipality) -> None:
    from kakunin.backups import actions

    with rls.as_owner():
        started = time.perf_counter()
        path = actions.run_backup()
        backup = time.perf_counter() - started
    size = sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
    print(f"backup (pg_dump, evidence, encrypted): {backup:.0f} s, {size / 2**20:.0f} MiB")
    out = TMP / "export.kakunin"
    started = time.perf_counter()
    call_command("export_municipality", municipality.code, "-o", str(out), "--key-file",
                 str(key_file()), verbosity=0, stdout=open(os.devnull, "w"))  # fmt: skip
    print(f"export_municipality ({SYSTEMS} systems): {time.perf_counter() - started:.1f} s, "
          f"{out.stat().st_size / 2**20:.0f} MiB")  # fmt: skip


def key_file() -> Path:
    path = TMP / "export.key"
    path.write_text(base64.b64encode(os.urandom(32)).decode())
    return path


if __name__ == "__main__":
    try:
        main()
    finally:
        drop_database()
