"""The comment thread beside each answer of the assessment page (registered in apps.py)."""

from kakunin.reviews.models import Comment


def attach(assessment, rows, window) -> None:
    """Each row's comments; those written since the submission before are new."""
    comments = Comment.objects.filter(answer__assessment=assessment).select_related("author")
    for c in comments:
        rows[c.answer_id].comments.append(c)
        if window is not None and window.holds(c.created_at):
            rows[c.answer_id].new_comments.append(c)
