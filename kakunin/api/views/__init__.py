"""The REST API, version 1, by resource. Every read and write goes through
kakunin/access.py (an object the caller may not see is a 404, one they may see but
not change a 403) and every write through the same actions as the web."""

from kakunin.api.views.answers import (
    AnswerComments,
    AnswerDetail,
    AnswerEvidence,
    AnswerVerdict,
    EvidenceDownload,
)
from kakunin.api.views.assessments import (
    AssessmentDetail,
    AssessmentList,
    AssessmentStep,
    ReturnStep,
)
from kakunin.api.views.audit import EventList
from kakunin.api.views.inventory import (
    FindingResponse,
    SystemComponents,
    SystemFindings,
    SystemInventoryUpload,
)
from kakunin.api.views.library import (
    EntryDetail,
    ProductApprove,
    ProductDetail,
    ProductEntries,
    ProductList,
)
from kakunin.api.views.records import (
    RECORD_VIEWS,
    RecordComments,
    RecordCreate,
    RecordDetail,
    RecordFileDownload,
    RecordFiles,
    RecordPreconditionFailed,
    RecordWithdraw,
    SystemRecords,
)
from kakunin.api.views.systems import SystemAnnualReports, SystemDetail, SystemList, SystemScans

__all__ = [
    "RECORD_VIEWS",
    "AnswerComments",
    "AnswerDetail",
    "AnswerEvidence",
    "AnswerVerdict",
    "AssessmentDetail",
    "AssessmentList",
    "AssessmentStep",
    "EntryDetail",
    "EventList",
    "EvidenceDownload",
    "FindingResponse",
    "ProductApprove",
    "ProductDetail",
    "ProductEntries",
    "ProductList",
    "RecordComments",
    "RecordCreate",
    "RecordDetail",
    "RecordFileDownload",
    "RecordFiles",
    "RecordPreconditionFailed",
    "RecordWithdraw",
    "ReturnStep",
    "SystemAnnualReports",
    "SystemComponents",
    "SystemDetail",
    "SystemFindings",
    "SystemInventoryUpload",
    "SystemList",
    "SystemRecords",
    "SystemScans",
]
