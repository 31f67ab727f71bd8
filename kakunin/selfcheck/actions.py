"""Kakunin answers its own checklist: one assessment of the system 「Kakunin」,
created on the first run and brought up to date by the later ones."""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from kakunin.accounts.models import Organisation
from kakunin.assessments.actions import create_assessment, update_answers
from kakunin.assessments.forms import current_fiscal_year
from kakunin.assessments.models import Answer, AnswerRevision, Assessment, State
from kakunin.audit.trail import record
from kakunin.catalog.models import controls_of
from kakunin.reviews.actions import new_revision
from kakunin.scans import actions as scans
from kakunin.selfcheck import items, readings
from kakunin.systems.actions import create_system
from kakunin.systems.models import System

# Kakunin as the form sees it: a web system on the ward's servers, no cloud service,
# no My Number data; what it holds (every vendor's security posture) is confidential.
PROFILE = {
    "confidentiality": 2,
    "integrity": 2,
    "availability": 1,
    "uses_servers": True,
    "serves_web": True,
    "uses_external_services": False,
    "my_number_domain": False,
}


class Refused(Exception):
    """The self-assessment cannot run now; the message says why and what to do."""


@dataclass
class Outcome:
    assessment: Assessment
    created: bool
    counts: dict[str, int] = field(default_factory=dict)  # status (or "check") -> answers
    changed: int = 0
    locked: list[int] = field(default_factory=list)  # item numbers the state keeps as they are
    scan_note: str = ""


def the_system() -> System | None:
    return System.objects.filter(name=settings.SELF_ASSESSMENT_SYSTEM).order_by("pk").first()


def _department(actor, name: str | None) -> Organisation:
    wanted = name or settings.SELF_ASSESSMENT_DEPARTMENT
    if not name and actor.organisation is not None and actor.organisation.kind == "ward":
        return actor.organisation
    found = Organisation.objects.filter(name=wanted, kind=Organisation.Kind.WARD).first()
    if found is None:
        raise Refused(
            _("所管課「%(name)s」が区の部署として登録されていません。所管課を指定してください。")
            % {"name": wanted}
        )
    return found


def _system(actor, department: str | None) -> System:
    system = the_system()
    if system is not None:
        return system
    return create_system(
        actor=actor,
        data={
            "name": settings.SELF_ASSESSMENT_SYSTEM,
            "department": _department(actor, department),
            "description": _("セキュリティ要件確認票の管理システム（自己診断で登録）"),
            **PROFILE,
        },
        vendors=[],
    )


def _assessment(actor, system: System) -> tuple[Assessment, bool]:
    """The assessment to bring up to date: the newest one while it is open; after its
    approval, a new revision of it; a first one otherwise."""
    latest = system.assessments.order_by("-created_at", "-pk").first()
    year = current_fiscal_year()
    if latest is None or (latest.state == State.APPROVED and latest.fiscal_year != year):
        # The first, or this year's, starting from last year's approved answers.
        template = system.form_in_force()
        if template is None:
            raise Refused(
                _("チェックリストの様式が読み込まれていません（manage.py load_catalog）。")
            )
        made = create_assessment(
            actor=actor, system=system, template=template, phase=Assessment.Phase.OPERATION,
            fiscal_year=year, carry_from=latest,
        )  # fmt: skip
        return made, True
    if latest.state == State.APPROVED:
        return new_revision(actor=actor, assessment=latest), True
    if latest.state not in (State.DRAFT, State.RETURNED):
        raise Refused(
            _(
                "Kakunin の確認票は審査中（%(state)s）のため更新できません。審査が終わってから実行してください。"
            )
            % {"state": latest.get_state_display()}
        )
    return latest, False


def _scan(actor, system: System):
    """A passive scan of SITE_URL, run here and now: (the scan, or None and why not)."""
    url = settings.SITE_URL
    if not system.scan_targets.filter(url=url).exists():
        scans.add_target(actor=actor, system=system, url=url, declared_ports=[], extra_hosts=[])
    scan, new = scans.request_scan(actor=actor, system=system)
    if not new:
        return None, _("Kakunin の検査が実行中のため、今回は検査結果を使いません。")
    scan = scans.execute(scan)
    if scan.state != scan.State.DONE:
        return None, _("SITE_URL の検査が完了しませんでした（%(error)s）。") % {"error": scan.error}
    return scan, ""


def start(*, actor, department: str | None = None) -> tuple[Assessment, bool]:
    """The assessment the run answers, registered (with the system) on the first run;
    Refused while the ward reviews it. Quick: the page calls it before queueing."""
    with transaction.atomic():
        system = _system(actor, department)
        return _assessment(actor, system)


def run(*, actor, department: str | None = None, scan: bool = True) -> Outcome:
    assessment, created = start(actor=actor, department=department)
    return answer(actor=actor, assessment=assessment, scan=scan, created=created)


def answer(*, actor, assessment: Assessment, scan: bool = True, created: bool = False) -> Outcome:
    """Answer every applicable item from the live configuration. The scan comes first
    (it takes up to SCAN_BUDGET seconds and writes its own results); the answers are
    then saved together, all or none, with one audit event that lists the readings."""
    system = assessment.system
    if scan:
        found, note = _scan(actor, system)
    else:
        found, note = None, _("検査を省略しました（--no-scan）。")
    ctx = readings.Context(scan=found, scan_note=note, municipality_id=system.municipality_id)
    applies = assessment.applicability()
    outcome = Outcome(assessment=assessment, created=created, scan_note=note)
    with transaction.atomic():
        edits: list[tuple[Answer, dict, int | None]] = []
        summary: dict[int, str] = {}
        answers = assessment.answers.select_related("item").order_by("item__number")
        controls = controls_of(answers.values_list("item_id", flat=True))
        for answer in answers:
            item = answer.item
            how = items.reader(ctx, controls[item.pk])
            if item.is_ward_item or not applies[item.pk].applies or how is None:
                continue
            if not assessment.is_open_for(answer):
                outcome.locked.append(item.number)
                continue
            reading = how()
            label = "check" if reading.to_check else reading.status
            outcome.counts[label] = outcome.counts.get(label, 0) + 1
            summary[item.number] = label
            values: dict = {"status": reading.status, "text": reading.text}
            if reading.status not in ("partial", "not_done"):
                values |= {"plan": "", "target_date": None}
            edits.append((answer, values, None))
        outcome.changed = update_answers(
            actor=actor, edits=edits, source=AnswerRevision.Source.SELF_ASSESSMENT
        )
        record(
            "self_assessment.run",
            assessment,
            actor=actor,
            changes={
                "readings": [None, summary],
                "site_scan": [None, found.pk if found is not None else note],
            },
        )
    return outcome
