"""An approved assessment as OSCAL 1.1 assessment-results (compliance-trestle's
models): one result, one observation per answer (what the vendor wrote), one finding
per applicable item (satisfied or not, by its status and the ward's verdict), each
pointing at the item's statement in the form's catalog (catalog.oscal)."""

from trestle.oscal import assessment_results as oscal
from trestle.oscal import common

from kakunin.assessments.models import Assessment, Status, Verdict
from kakunin.assessments.sheet import build_sheet
from kakunin.catalog.oscal import _prop, _token, metadata, stable_uuid


class NotApproved(ValueError):
    """Only an approved assessment has results to hand over."""


def results_of(assessment: Assessment) -> oscal.AssessmentResults:
    if assessment.approved_at is None:
        raise NotApproved("承認された確認票だけを書き出せます。")
    template = assessment.template
    observations, findings = [], []
    for section in build_sheet(assessment):
        for row in section.rows:
            if not row.applies:
                continue
            item, answer = row.item, row.answer
            statement = f"{_token(item.key, 'i-')}_smt"
            observation = oscal.Observation(
                uuid=stable_uuid("observation", assessment.pk, item.key),
                title=f"No.{item.shown_number} {item.subsection}",
                description=answer.text or "—",
                methods=["EXAMINE"],
                collected=answer.updated_at or assessment.approved_at,
                props=[_prop("status", answer.status or "none")],
            )
            observations.append(observation)
            satisfied = answer.status in (Status.DONE, Status.WARD, Status.NOT_APPLICABLE) and (
                answer.verdict in ("", Verdict.OK)
            )
            findings.append(
                common.Finding(
                    uuid=stable_uuid("finding", assessment.pk, item.key),
                    title=f"No.{item.shown_number} {item.subsection}",
                    description=answer.get_status_display() or "—",
                    target=common.FindingTarget(
                        type="statement-id",
                        target_id=statement,
                        status=common.ObjectiveStatus(
                            state="satisfied" if satisfied else "not-satisfied"
                        ),
                    ),
                    related_observations=[
                        common.RelatedObservation(observation_uuid=observation.uuid)
                    ],
                )
            )
    result = oscal.Result(
        uuid=stable_uuid("result", assessment.pk),
        title=str(assessment),
        description=f"{assessment.system.name} / {template}",
        start=assessment.created_at,
        end=assessment.approved_at,
        reviewed_controls=common.ReviewedControls(
            control_selections=[common.ControlSelection(include_all=common.IncludeAll())]
        ),
        observations=observations or None,
        findings=findings or None,
    )
    return oscal.AssessmentResults(
        uuid=stable_uuid("assessment-results", assessment.pk),
        metadata=metadata(
            f"{assessment.system.name} — {template.name}",
            f"{template.version}-{assessment.pk}",
            assessment.approved_at,
            system=assessment.system.name,
            form=template.key,
        ),
        import_ap=oscal.ImportAp(
            href=f"urn:uuid:{stable_uuid('catalog', template.key, template.version)}"
        ),
        results=[result],
    )
