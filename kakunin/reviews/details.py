"""The comment thread beside each answer of the assessment page (registered in apps.py)."""

from kakunin.reviews.models import Comment


def attach(assessment, rows, window) -> None:
    """Each row's comments ("comments"); those written since the submission before are
    new ("new_comments")."""
    for row in rows.values():
        row.details["comments"], row.details["new_comments"] = [], []
    comments = Comment.objects.filter(answer_id__in=list(rows)).select_related("author")
    for c in comments:
        row = rows[c.answer_id]
        row.details["comments"].append(c)
        if window is not None and window.holds(c.created_at):
            row.details["new_comments"].append(c)
            row.new_since_submission = True
