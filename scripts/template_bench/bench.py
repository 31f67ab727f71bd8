"""The assessment page's 83 item blocks through Jinja2 (as Kakunin renders them) and
through Django's template language (a port of the block's main parts kept beside
this script: the answer form, evidence, comments; not the scan, the verdict form or
the diff, so it does less than the Jinja2 block). The figures are in ARCHITECTURE.md.

    .venv/bin/python scripts/template_bench/bench.py
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
TMP = Path(tempfile.mkdtemp(prefix="kakunin-template-bench-"))
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "kakunin.settings",
        "DATABASE_URL": f"sqlite:///{TMP / 'bench.sqlite3'}",
        "VAR_DIR": str(TMP),
        "SECRET_KEY": "template-bench-only-" + "x" * 40,
        "ALLOWED_HOSTS": "testserver",
        "FIELD_ENCRYPTION_KEYS": "b:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    }
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.template import Context, Engine  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from kakunin.assessments import page  # noqa: E402
from kakunin.assessments.models import AnswerScope  # noqa: E402
from testsupport.fixtures import create_world, fill_everything  # noqa: E402


class World:
    pass


def main() -> None:
    call_command("migrate", verbosity=0)
    world = World()
    create_world(world)
    fill_everything(world.assessment, world.bob)
    request = RequestFactory().get("/")
    request.user = world.bob
    rows = [r for s in page.rows(world.assessment, AnswerScope.VENDOR_ITEMS) for r in s.rows]
    shown = page.Page.of(request, world.assessment, can_comment=True)
    dtl = Engine(dirs=[str(HERE)], libraries={"i18n": "django.templatetags.i18n"})
    block = dtl.get_template("assessments/item_dtl.html")

    def django_templates():
        for row in rows:
            block.render(Context({"row": row, "page": shown}))

    def jinja2():
        page.render(shown, rows)

    for name, run in [("Jinja2 (jinja2/assessments/item.html)", jinja2),
                      ("Django templates (the port)", django_templates)]:  # fmt: skip
        run()
        samples = []
        for _ in range(30):
            start = time.perf_counter()
            run()
            samples.append((time.perf_counter() - start) * 1000)
        samples.sort()
        print(
            f"{name:40s} median {statistics.median(samples):6.1f} ms"
            f"  p95 {samples[int(len(samples) * 0.95) - 1]:6.1f} ms  ({len(rows)} blocks)"
        )


if __name__ == "__main__":
    main()
