"""`make loadtest`: Kakunin as deployed on several machines (two gunicorn nodes, two
huey workers, PostgreSQL, Redis, nginx in front; testsupport/nodes.py), driven by
locust, headless and bounded in time: vendors answering their assessments and
security reviewers reviewing. Prints throughput, latency percentiles and errors.
Asserts nothing.

LOADTEST_USERS (20), LOADTEST_SECONDS (60), LOADTEST_NODES (2), LOADTEST_WORKERS (2).
"""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from testsupport.load import concurrently, control, summary, timed, wrk  # noqa: E402
from testsupport.nodes import Deployment  # noqa: E402

USERS = int(os.environ.get("LOADTEST_USERS", "20"))
SECONDS = int(os.environ.get("LOADTEST_SECONDS", "60"))
NODES = int(os.environ.get("LOADTEST_NODES", "2"))
WORKERS = int(os.environ.get("LOADTEST_WORKERS", "2"))
PASSWORD = "Load-Test-Pass-2026"
REVIEWERS = USERS // 4 + 1  # each logs in with its own TOTP authenticator
KEYS = ["pw-composition", "pw-rotation", "access-separation", "backup-frequency", "log-retention"]

# The people and their assessments: one system and assessment per vendor, 83 items,
# all answered with about 300 characters (as `make bench`); some submitted and under review.
SETUP = f"""
import json
from kakunin.accounts.models import Organisation, Role
from kakunin.assessments.actions import create_assessment
from kakunin.assessments.models import Answer
from kakunin.catalog.models import Template
from testsupport.fixtures import enrol_totp, make_system, make_user
template = Template.default()
ward = Organisation.objects.create(name="情報政策課", kind="ward")
department = Organisation.objects.create(name="子ども支援課", kind="ward")
owner = make_user("alice", Role.DEPARTMENT, department, password={PASSWORD!r})
text = ("当該システムでは利用者1人につき1IDを発行し、管理者IDと利用者IDを分離して運用している。" * 5)[:300]
vendors, in_review = [], []
for n in range({USERS}):
    company = Organisation.objects.create(name=f"株式会社{{n:02d}}", kind="vendor")
    person = make_user(f"vendor{{n:02d}}", Role.VENDOR, company, password={PASSWORD!r})
    system = make_system(department, [company], created_by=owner, members=[person],
                         serves_web=True, uses_servers=True, name=f"システム{{n:02d}}")
    a = create_assessment(actor=owner, system=system, template=template, phase="initial")
    Answer.objects.filter(assessment=a, status="").update(status="done", text=text, version=1)
    vendors.append({{"username": person.username, "assessment": a.pk}})
    if n < 5:
        twin = make_system(department, [company], created_by=owner, name=f"審査中{{n:02d}}")
        b = create_assessment(actor=owner, system=twin, template=template, phase="initial")
        Answer.objects.filter(assessment=b, status="").update(status="done", text=text, version=1)
        type(b).objects.filter(pk=b.pk).update(state="in_review", round=1)
        in_review.append(b.pk)
reviewers = []
for n in range({REVIEWERS}):
    person = make_user(f"reviewer{{n}}", Role.REVIEWER, ward, password={PASSWORD!r})
    reviewers.append({{"username": person.username, "secret": enrol_totp(person)}})
print(json.dumps({{"vendors": vendors, "all_vendors": vendors, "reviewers": reviewers,
                  "in_review": in_review, "password": {PASSWORD!r}, "keys": {KEYS!r}}}))
"""


def log_in(base_url: str, username: str) -> dict:
    """The cookies of a person logged in through the login page."""
    with httpx.Client(base_url=base_url, timeout=60) as http:
        http.get("/auth/login/")
        http.post(
            "/auth/login/", data={"login": username, "password": PASSWORD},
            headers={"X-CSRFToken": http.cookies["csrftoken"]},
        )  # fmt: skip
        return dict(http.cookies)


def page_figures(base_url: str, people: dict) -> None:
    """The vendor's editable page on this deployment, one client and twenty at once
    with no pause between requests (as `make bench` measures it on SQLite)."""
    vendor = people["vendors"][0]
    path = f"/assessments/{vendor['assessment']}/"
    cookies = [log_in(base_url, vendor["username"]) for _ in range(20)]
    with httpx.Client(base_url=base_url, cookies=cookies[0], timeout=60) as http:
        page = http.get(path)
        single = timed(lambda: http.get(path), 200)
    samples, errors, rate = concurrently(base_url, path, cookies)
    light = wrk(base_url + path, f"sessionid={cookies[0]['sessionid']}", clients=20)
    print(f"vendor's editable page through nginx: {len(page.content) / 1024:.0f} KB")
    print(f"  control: {control()} (this machine's speed moves by up to 2x between runs)")
    print(
        f"  1 client                     {summary(single)}   {len(single) / sum(single):5.1f} req/s"
    )
    print(f"  20 clients                   {summary(samples)}   {rate:5.1f} req/s, {errors} errors")
    print(f"  20 clients, wrk              {light}")
    print(
        "targets: 1 client p95 <= 40 ms; 20 clients >= 150 req/s, p95 <= 200 ms, no errors\n",
        flush=True,
    )


def main() -> int:
    keys = "load:" + base64.b64encode(os.urandom(32)).decode()
    deployment = Deployment(keys, nodes=NODES, workers=WORKERS)
    try:
        people = deployment.prepare(SETUP).strip().splitlines()[-1]
        (deployment.tmp / "people.json").write_text(people, encoding="utf-8")
        deployment.start()
        page_figures(f"http://127.0.0.1:{deployment.port}", json.loads(people))
        print(
            f"Kakunin load test: {NODES} app nodes (gunicorn, 2 workers each) and {WORKERS} "
            f"job workers on PostgreSQL and Redis, nginx in front; {USERS} users "
            f"(vendors answering 3 : reviewers reviewing 1) for {SECONDS} s",
            flush=True,
        )
        env = os.environ | {"PEOPLE_FILE": str(deployment.tmp / "people.json"),
                            "PYTHONPATH": str(ROOT)}  # fmt: skip
        done = subprocess.run(  # noqa: S603 (locust, fixed arguments)
            [str(Path(sys.executable).parent / "locust"), "-f", str(ROOT / "scripts" / "locustfile.py"),
             "--headless", "--only-summary", "-u", str(USERS), "-r", str(max(1, USERS // 4)),
             "-t", f"{SECONDS}s", "--host", f"http://127.0.0.1:{deployment.port}",
             "--stop-timeout", "10", "--exit-code-on-error", "0"],
            env=env, cwd=ROOT, check=False,
        )  # fmt: skip
        return done.returncode
    finally:
        deployment.stop()


if __name__ == "__main__":
    sys.exit(main())
