"""Reading a filled form back, safely, into a plan of changes shown before it is applied.

The file is distrusted: its kind, its size, its zip structure and its XML are
checked before openpyxl (with defusedxml installed) parses it. Any problem
refuses the whole file with messages naming the cells and saying what to do,
and nothing changes. What the file holds that will not be imported (a column
added, text beside or below the table) is listed with its address before
anything is applied: nothing is dropped without a word.

Two forms are read: Kakunin's own export (rows matched by their hidden item
key, so moved rows land right) and the ward's original form from its web site
(no keys, no status column: rows matched by number, each question checked
against the assessment's template).

The stages, one module each: container (the file), locate (the sheet and its
columns), rows (the cells), changes (the plan); plan holds what they produce.
"""

import hashlib
import io

import openpyxl
from django.conf import settings

from kakunin.assessments.models import AnswerScope, Assessment
from kakunin.forms_xlsx.importer.changes import _plan
from kakunin.forms_xlsx.importer.container import _check_container, _unreadable_refused
from kakunin.forms_xlsx.importer.locate import _locate
from kakunin.forms_xlsx.importer.plan import Change, Plan, Skipped
from kakunin.forms_xlsx.importer.rows import _read_rows
from kakunin.staging.models import ImportRefused


def read_plan(fileobj, assessment: Assessment, scope: AnswerScope) -> Plan:
    """Check the uploaded form and compute what it would change. Raises ImportRefused."""
    data = fileobj.read(settings.FORM_IMPORT_MAX_BYTES + 1)
    _check_container(data)
    with _unreadable_refused():
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        form = _locate(workbook, assessment)
        rows = _read_rows(form, assessment, workbook.epoch)
    plan = _plan(rows, form, assessment, scope)
    plan.sha256, plan.size = hashlib.sha256(data).hexdigest(), len(data)
    return plan


__all__ = ["Change", "ImportRefused", "Plan", "Skipped", "read_plan"]
