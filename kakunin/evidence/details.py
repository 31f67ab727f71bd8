"""Evidence files beside each answer of the assessment page (registered in apps.py)."""

from kakunin.evidence.models import Evidence


def attach(assessment, rows, window) -> None:
    """Each row's files ("evidence"); and, for the latest submission, the files it
    added or removed ("evidence_added", "evidence_removed")."""
    for row in rows.values():
        row.details.update(evidence=[], evidence_added=[], evidence_removed=[])
    files = Evidence.objects.filter(answer_id__in=list(rows)).select_related("uploaded_by")
    for ev in files.filter(removed_at__isnull=True):
        rows[ev.answer_id].details["evidence"].append(ev)
    if window is None:
        return
    for ev in files.filter(uploaded_at__gt=window.after, uploaded_at__lte=window.until):
        if ev.removed_at is None or ev.removed_at > window.until:
            rows[ev.answer_id].details["evidence_added"].append(ev)
            rows[ev.answer_id].new_since_submission = True
    for ev in files.filter(removed_at__gt=window.after, removed_at__lte=window.until):
        if ev.uploaded_at <= window.after:
            rows[ev.answer_id].details["evidence_removed"].append(ev)
            rows[ev.answer_id].new_since_submission = True
