"""An approved assessment as a PDF for the ward's approval file (決裁).

WeasyPrint with the system's Noto Sans CJK JP, embedded. It fetches nothing:
every URL the document might name is refused.
"""

import pydyf
from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML

from kakunin.assessments.page import attach_details
from kakunin.assessments.sheet import build_sheet
from kakunin.catalog.layout import Layout
from kakunin.core.text import neutralise_bidi


class FetchRefused(Exception):
    pass


def refuse_fetch(url: str, *args, **kwargs):
    raise FetchRefused(f"the PDF may not fetch {url}")


def render_html(assessment) -> str:
    """The assessment as its form prints: the form's policy line on every page, each
    status in the form's own word beside Kakunin's (catalog.layout)."""
    sections = build_sheet(assessment)
    attach_details(assessment, sections)
    layout = Layout.of(assessment.template)
    for section in sections:
        for row in section.rows:
            word = layout.word(row.answer.status) if row.answer.status else ""
            row.form_word = "" if word == row.answer.get_status_display() else word
    return render_to_string(
        "reports/assessment_pdf.html",
        {
            "assessment": assessment,
            "sections": sections,
            "submissions": assessment.submissions.select_related("submitted_by"),
            "page_size": layout.paper,  # portrait: one item a block, as the file keeps it
        },
    )


def neutral_producer(document, pdf) -> None:
    """The PDF names the site as its producer, not "WeasyPrint 70.0" (version-hiding)."""
    pdf.info["Producer"] = pydyf.String(settings.SITE_NAME)
    pdf.info["Creator"] = pydyf.String(settings.SITE_NAME)


def write(html: str) -> tuple[bytes, int]:
    """A page of HTML as a PDF, and its number of pages. Bidirectional controls are
    shown, never obeyed; nothing is fetched; the producer is the site."""
    document = HTML(
        string=neutralise_bidi(html), url_fetcher=refuse_fetch, base_url="about:blank"
    ).render()
    return document.write_pdf(finisher=neutral_producer), len(document.pages)


def assessment_pdf(assessment) -> bytes:
    return write(render_html(assessment))[0]
