"""The REST API, version 1. Every read and write goes through kakunin/access.py (an
object the caller may not see is a 404, one they may see but not change a 403) and
every write through the same actions as the web."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.utils.datastructures import MultiValueDict
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from kakunin import access
from kakunin.api import serializers
from kakunin.api.pagination import NewestFirst
from kakunin.api.parsers import JSONParser
from kakunin.assessments import actions as assessment_actions
from kakunin.assessments.models import Answer, AnswerRevision
from kakunin.assessments.workflow import TransitionRefused
from kakunin.audit.models import Event
from kakunin.audit.trail import record_view
from kakunin.evidence import actions as evidence_actions
from kakunin.evidence.detect import Refused
from kakunin.evidence.models import Evidence
from kakunin.evidence.responses import attachment
from kakunin.inventory import actions as inventory_actions
from kakunin.inventory import sources as inventory_sources
from kakunin.inventory.forms import ResponseForm
from kakunin.inventory.models import Finding, InventoryImport
from kakunin.records import actions as records_actions
from kakunin.records.kinds import KINDS, LinesField, WithdrawForm
from kakunin.records.kinds import CommentForm as RecordCommentForm
from kakunin.records.models import Kind, Record, RecordFile
from kakunin.reviews import actions as review_actions
from kakunin.reviews.forms import CommentForm
from kakunin.staging import actions as staging
from kakunin.staging.models import ImportRefused

# The API needs no web login: its own authentication classes decide (settings.REST_FRAMEWORK).
api_view = method_decorator(login_not_required, name="dispatch")


@api_view
class SystemList(generics.ListAPIView):
    serializer_class = serializers.SystemSerializer

    def get_queryset(self):
        return access.visible_systems(self.request.user).select_related("department").order_by("pk")


@api_view
class SystemDetail(generics.RetrieveAPIView):
    serializer_class = serializers.SystemDetailSerializer

    def get_object(self):
        system = access.get_system_for_user(self.request, self.kwargs["pk"])
        record_view(self.request.user, system, system)  # as on the web (items 28, 58④)
        return system


@api_view
class SystemScans(generics.ListAPIView):
    """The scans of one system's sites, newest first, with their results."""

    serializer_class = serializers.ScanSerializer

    def get_queryset(self):
        system = access.get_system_for_user(self.request, self.kwargs["pk"])
        return system.scans.prefetch_related("results").order_by("-created_at", "-pk")


@extend_schema(parameters=[serializers.AssessmentFilter])
@api_view
class AssessmentList(generics.ListAPIView):
    serializer_class = serializers.AssessmentSerializer

    def get_queryset(self):
        filters = serializers.AssessmentFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        qs = access.visible_assessments(self.request.user).order_by("pk")
        if "state" in wanted:
            qs = qs.filter(state=wanted["state"])
        if "system" in wanted:
            qs = qs.filter(system_id=wanted["system"])
        if "department" in wanted:
            qs = qs.filter(system__department_id=wanted["department"])
        if wanted["overdue"]:
            qs = qs.overdue()
        if "updated_since" in wanted:
            qs = qs.filter(updated_at__gte=wanted["updated_since"])
        return qs


@api_view
class AssessmentDetail(generics.RetrieveAPIView):
    serializer_class = serializers.AssessmentDetailSerializer

    def get_object(self):
        assessment = access.get_assessment_for_user(self.request, self.kwargs["pk"])
        record_view(self.request.user, assessment, assessment.system)
        answers = Answer.objects.select_related("item").order_by("item__number")
        prefetch_related_objects([assessment], Prefetch("answers", queryset=answers))
        return assessment


@extend_schema(parameters=[serializers.EventFilter])
@api_view
class EventList(generics.ListAPIView):
    """The audit trail, read-only: for auditors, reviewers and administrators."""

    serializer_class = serializers.EventSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        access.require_visible(access.can_read_audit(self.request.user))
        filters = serializers.EventFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        qs = Event.objects.select_related("actor")
        for field in ("action", "object_type", "object_id"):
            if wanted.get(field):
                qs = qs.filter(**{field: wanted[field]})
        if "since" in wanted:
            qs = qs.filter(at__gte=wanted["since"])
        if "until" in wanted:
            qs = qs.filter(at__lte=wanted["until"])
        return qs


def _etag(answer) -> str:
    return f'"{answer.pk}-{answer.version}"'


@api_view
class AnswerDetail(APIView):
    """One answer. Its ETag names its version; a change must send it back in If-Match
    (428 without it, 412 when someone saved in between), so that no edit overwrites
    another unseen."""

    @extend_schema(responses=serializers.AnswerSerializer)
    def get(self, request, pk: int, key: str):
        answer = access.get_answer_for_user(request, pk, key)
        response = Response(serializers.AnswerSerializer(answer).data)
        response["ETag"] = _etag(answer)
        return response

    @extend_schema(
        request=serializers.AnswerUpdateSerializer,
        responses=serializers.AnswerSerializer,
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True)],
    )
    def patch(self, request, pk: int, key: str):
        answer = access.get_rw_answer_for_user(request, pk, key)
        expected = request.headers.get("If-Match", "")
        if not expected:
            raise PreconditionRequired()
        if expected != _etag(answer):
            raise PreconditionFailed()
        form = serializers.AnswerUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            assessment_actions.update_answer(
                actor=request.user, answer=answer, values=form.validated_data,
                expected_version=answer.version, source=AnswerRevision.Source.API,
            )  # fmt: skip
        except assessment_actions.StaleAnswer:
            raise PreconditionFailed() from None
        except assessment_actions.AnswerLocked:
            raise exceptions.PermissionDenied(
                _("この確認票の状態では回答を変更できません。")
            ) from None
        except ValidationError as exc:
            raise exceptions.ValidationError(exc.messages) from None
        response = Response(serializers.AnswerSerializer(answer).data)
        response["ETag"] = _etag(answer)
        return response


class StepRefused(exceptions.APIException):
    """The assessment's state (or its unfinished answers) does not allow the step."""

    status_code = status.HTTP_409_CONFLICT


@extend_schema(request=None, responses=serializers.AssessmentSerializer)
@api_view
class AssessmentStep(APIView):
    """A step of the assessment: submit (the vendor or the owning department), and for
    the ward, start review, return (with an optional note) and approve. 409 with the
    reasons, item by item, when the state or the answers do not allow it."""

    step = ""

    def post(self, request, pk: int):
        assessment = access.get_assessment_for_user(request, pk)
        step = access.step(request.user, assessment, self.step)  # reviews/steps.py
        inputs = {}
        if step.form is not None:  # the return's note: its type here, the web's rules then
            given = serializers.ReturnSerializer(data=request.data)
            given.is_valid(raise_exception=True)
            inputs = _checked(step.form, given.validated_data)
        try:
            moved = step.run(request.user, assessment, **inputs)
        except TransitionRefused as exc:
            raise refused(exc) from None
        return Response(serializers.AssessmentSerializer(moved).data)


@extend_schema(request=serializers.ReturnSerializer, responses=serializers.AssessmentSerializer)
@api_view
class ReturnStep(AssessmentStep):
    """Return to the vendor, with an optional note on what to fix."""

    step = "return"


def refused(exc: TransitionRefused) -> StepRefused:
    """A step the web would refuse with a message: 409, the reasons item by item."""
    conflict = StepRefused(str(exc))
    conflict.detail = {"detail": str(exc), "problems": exc.problems}
    return conflict


def _checked(form_class, data):
    """The web's own form (its rules: lengths, no control or bidi characters) over
    data whose types the API's serializer has already checked."""
    form = form_class(data)
    if not form.is_valid():
        raise exceptions.ValidationError(form.errors)
    return form.cleaned_data


@api_view
class AnswerComments(APIView):
    """The thread between vendor and ward about one answer."""

    @extend_schema(responses=serializers.CommentSerializer(many=True))
    def get(self, request, pk: int, key: str):
        answer = access.get_answer_for_user(request, pk, key)
        comments = answer.comments.select_related("author")
        return Response(serializers.CommentSerializer(comments, many=True).data)

    @extend_schema(request=serializers.CommentInput, responses={201: serializers.CommentSerializer})
    def post(self, request, pk: int, key: str):
        answer = access.get_answer_for_user(request, pk, key, access.can_comment)
        given = serializers.CommentInput(data=request.data)
        given.is_valid(raise_exception=True)
        body = _checked(CommentForm, given.validated_data)["body"]
        try:
            comment = review_actions.add_comment(actor=request.user, answer=answer, body=body)
        except TransitionRefused as exc:
            raise refused(exc) from None
        return Response(serializers.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


@api_view
class AnswerVerdict(APIView):
    """The ward's verdict on one answer, while the assessment is under review."""

    @extend_schema(request=serializers.VerdictInput, responses=serializers.AnswerSerializer)
    def put(self, request, pk: int, key: str):
        answer = access.get_answer_for_user(request, pk, key, access.can_review)
        given = serializers.VerdictInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        comment = (
            _checked(CommentForm, {"body": data["comment"]})["body"] if data.get("comment") else ""
        )
        try:
            review_actions.set_verdict(
                actor=request.user, answer=answer, verdict=data["verdict"], comment=comment
            )
        except TransitionRefused as exc:
            raise refused(exc) from None
        return Response(serializers.AnswerSerializer(answer).data)


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = gettext_lazy("If-Match ヘッダーに、読んだときの ETag を付けてください。")


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy(
        "読んだ後に別の人が回答を変更しました。読み直してから変更してください。"
    )


@api_view
class AnswerEvidence(APIView):
    """An answer's evidence files: listed, and added with the web's checks (size, the
    kind read from the content, the malware scan)."""

    parser_classes = [MultiPartParser]

    @extend_schema(responses=serializers.EvidenceSerializer(many=True))
    def get(self, request, pk: int, key: str):
        answer = access.get_answer_for_user(request, pk, key)
        files = answer.evidence.filter(removed_at__isnull=True).select_related("uploaded_by")
        return Response(serializers.EvidenceSerializer(files, many=True).data)

    @extend_schema(
        request={"multipart/form-data": serializers.EvidenceUpload},
        responses={201: serializers.EvidenceSerializer},
    )
    def post(self, request, pk: int, key: str):
        answer = access.get_rw_answer_for_user(request, pk, key)
        given = serializers.EvidenceUpload(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            evidence = evidence_actions.add_evidence(
                actor=request.user, answer=answer, upload=given.validated_data["file"]
            )
        except Refused as exc:
            raise exceptions.ValidationError({"file": [str(exc)]}) from None
        return Response(
            serializers.EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED
        )


@api_view
class EvidenceDownload(APIView):
    """One evidence file, as an attachment (audited, as on the web)."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, pk: int, evidence_pk: int):
        assessment = access.get_assessment_for_user(request, pk)
        evidence = Evidence.objects.of(assessment).filter(pk=evidence_pk).first()
        if evidence is None:
            raise exceptions.NotFound()
        return attachment(
            evidence, evidence_actions.read_evidence(actor=request.user, evidence=evidence)
        )


@api_view
class SystemComponents(generics.ListAPIView):
    """The system's software inventory."""

    serializer_class = serializers.ComponentSerializer

    def get_queryset(self):
        system = access.get_system_for_user(self.request, self.kwargs["pk"])
        return system.components.order_by("kind", "product", "version", "pk")


@api_view
class SystemInventoryUpload(APIView):
    """An SBOM or inventory list, for the vendor's pipeline at each release: read with the
    web's readers and applied at once (dry_run: only say what would change). A file
    replaces the rows of its own kind, as on the web; every change is audited."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": serializers.InventoryUpload},
        responses={200: serializers.InventoryChanges, 201: serializers.InventoryChanges},
    )
    def post(self, request, pk: int):
        system = access.get_operations_system_for_user(request, pk)
        given = serializers.InventoryUpload(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            upload = inventory_sources.read_upload(given.validated_data["file"])
        except ImportRefused as exc:
            raise exceptions.ValidationError({"file": exc.errors}) from None
        plan = inventory_actions.plan_import(system, upload.rows)
        counts = {k: len(plan[k]) for k in ("added", "changed", "removed")}
        if given.validated_data["dry_run"]:
            return Response(counts | {"applied": False})
        staged = staging.stage(
            InventoryImport,
            actor=request.user,
            owner=system,
            filename=upload.filename,
            sha256=upload.sha256,
            plan=plan,
        )
        try:
            staging.confirm(actor=request.user, staged=staged, apply=inventory_actions.apply_plan)
        except inventory_actions.InventoryChanged:
            raise StepRefused(
                _("取り込みの間に構成一覧が変わりました。もう一度送ってください。")
            ) from None
        return Response(counts | {"applied": True}, status=status.HTTP_201_CREATED)


@api_view
class SystemFindings(generics.ListAPIView):
    """The known vulnerabilities of the system's components, with the answers to each."""

    serializer_class = serializers.FindingSerializer

    def get_queryset(self):
        system = access.get_system_for_user(self.request, self.kwargs["pk"])
        findings = Finding.objects.filter(component__system=system)
        return (
            findings.select_related("vulnerability", "component")
            .prefetch_related("responses__by")
            .order_by("-first_seen", "pk")
        )


@api_view
class FindingResponse(APIView):
    """The vendor's answer to one finding, with the web's rules (ResponseForm) and the
    evidence file's checks."""

    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(
        request={
            "multipart/form-data": serializers.ResponseInput,
            "application/json": serializers.ResponseInput,
        },
        responses={201: serializers.ResponseSerializer},
    )
    def post(self, request, pk: int, finding_pk: int):
        system = access.get_operations_system_for_user(request, pk)
        finding = (
            Finding.objects.filter(pk=finding_pk, component__system=system)
            .select_related("vulnerability", "component")
            .first()
        )
        if finding is None:
            raise exceptions.NotFound()
        given = serializers.ResponseInput(data=request.data)
        given.is_valid(raise_exception=True)
        values = given.validated_data
        fields = {k: v for k, v in values.items() if k != "file" and v is not None}
        files = MultiValueDict({"file": [values["file"]]} if values.get("file") else {})
        form = ResponseForm(fields, files)
        if not form.is_valid():
            raise exceptions.ValidationError(form.errors)
        try:
            response = inventory_actions.respond(
                actor=request.user, finding=finding, **form.cleaned_data
            )
        except Refused as exc:
            raise exceptions.ValidationError({"file": [str(exc)]}) from None
        return Response(
            serializers.ResponseSerializer(response).data, status=status.HTTP_201_CREATED
        )


@extend_schema(parameters=[serializers.RecordFilter])
@api_view
class SystemRecords(generics.ListAPIView):
    """The records of the system's operating years, newest first (withdrawn ones too,
    marked). Each kind is added and corrected at its own address
    (…/records/admin-review/ and so on), with that kind's fields."""

    serializer_class = serializers.RecordSerializer

    def get_queryset(self):
        system = access.get_system_for_user(self.request, self.kwargs["pk"])
        filters = serializers.RecordFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        found = system.records.select_related("entered_by").order_by("-date", "-pk")
        if filters.validated_data.get("kind"):
            found = found.filter(kind=filters.validated_data["kind"])
        if not filters.validated_data["withdrawn"]:
            found = found.filter(withdrawn_at__isnull=True)
        return found


def _record_etag(record: Record) -> str:
    return f'"record-{record.pk}-{record.version}"'


def _record_response(record: Record, code=status.HTTP_200_OK) -> Response:
    response = Response(serializers.RecordDetailSerializer(record).data, status=code)
    response["ETag"] = _record_etag(record)
    return response


def _record_of(system, record_pk: int, kind: str | None = None) -> Record:
    found = system.records.select_related("entered_by", "updated_by").filter(pk=record_pk)
    record = found.filter(kind=kind).first() if kind else found.first()
    if record is None:
        raise exceptions.NotFound()
    return record


def _record_form(form_class, system, values: dict):
    """The kind's web form over values the API's serializer has typed: its rules (days
    not in the future, a person's name for an account, the ISMAP number…) decide."""
    data = {}
    for name, value in values.items():
        if value is not None:
            is_list = isinstance(form_class.base_fields.get(name), LinesField)
            data[name] = [dict(entry) for entry in value] if is_list else value
    form = form_class(data, system=system)
    if not form.is_valid():
        raise exceptions.ValidationError(form.errors)
    return form


class RecordCreate(APIView):
    """Add a record of one kind."""

    kind = ""

    def post(self, request, pk: int):
        system = access.get_operations_system_for_user(request, pk)
        given = serializers.RECORD_INPUTS[self.kind](data=request.data)
        given.is_valid(raise_exception=True)
        form = _record_form(KINDS[self.kind], system, given.validated_data)
        record = records_actions.add_record(actor=request.user, system=system, form=form)
        return _record_response(record, status.HTTP_201_CREATED)


class RecordDetail(APIView):
    """One record of this kind: read (with its ETag), and corrected with If-Match; the
    fields left out keep their value, null clears an optional one. Every correction is
    a new version; a withdrawn record is not corrected."""

    kind = ""

    def get(self, request, pk: int, record_pk: int):
        system = access.get_system_for_user(request, pk)
        record = _record_of(system, record_pk, self.kind)
        record_view(request.user, record, system)  # another department's record (items 28, 58④)
        return _record_response(record)

    def patch(self, request, pk: int, record_pk: int):
        system = access.get_operations_system_for_user(request, pk)
        record = _record_of(system, record_pk, self.kind)
        access.require(record.withdrawn_at is None)
        expected = request.headers.get("If-Match", "")
        if not expected:
            raise PreconditionRequired()
        if expected != _record_etag(record):
            raise RecordPreconditionFailed()
        given = serializers.RECORD_INPUTS[self.kind](data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        kept = {**record.data, "date": record.date, "scan": record.scan_id}
        form = _record_form(KINDS[self.kind], system, {**kept, **given.validated_data})
        try:
            record = records_actions.update_record(
                actor=request.user, record=record, form=form, expected_version=record.version
            )
        except records_actions.StaleRecord:
            raise RecordPreconditionFailed() from None
        return _record_response(record)


def _record_views():
    """Per kind, its own operations, so that the schema names each kind's fields."""
    out = {}
    for kind in KINDS:
        given = serializers.RECORD_INPUTS[kind]
        label = str(Kind(kind).label)
        create = type(f"{given.__name__}Create", (RecordCreate,), {"kind": kind})
        detail = type(f"{given.__name__}Detail", (RecordDetail,), {"kind": kind})
        out[kind] = (
            api_view(extend_schema(
                summary=label, request=given,
                responses={201: serializers.RecordDetailSerializer},
            )(create)),
            api_view(extend_schema_view(
                get=extend_schema(summary=label, responses=serializers.RecordDetailSerializer),
                patch=extend_schema(
                    summary=label, request=given,
                    responses=serializers.RecordDetailSerializer,
                    parameters=[
                        OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True)
                    ],
                ),
            )(detail)),
        )  # fmt: skip
    return out


RECORD_VIEWS = _record_views()


class RecordPreconditionFailed(PreconditionFailed):
    default_detail = gettext_lazy(
        "読んだ後に別の人が記録を変更しました。読み直してから変更してください。"
    )


@api_view
class RecordWithdraw(APIView):
    """Withdraw a record, with the reason: it leaves the yearly report and stays in
    the history (a record is never deleted)."""

    @extend_schema(request=serializers.WithdrawInput, responses=serializers.RecordDetailSerializer)
    def post(self, request, pk: int, record_pk: int):
        system = access.get_operations_system_for_user(request, pk)
        record = _record_of(system, record_pk)
        given = serializers.WithdrawInput(data=request.data)
        given.is_valid(raise_exception=True)
        reason = _checked(WithdrawForm, given.validated_data)["reason"]
        record = records_actions.withdraw_record(actor=request.user, record=record, reason=reason)
        return _record_response(record)


@api_view
class RecordFiles(APIView):
    """A record's files (certificates, reports, photographs before and after), added
    with the web's checks: size, the kind read from the content, the malware scan."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": serializers.RecordFileUpload},
        responses={201: serializers.RecordFileSerializer},
    )
    def post(self, request, pk: int, record_pk: int):
        system = access.get_operations_system_for_user(request, pk)
        record = _record_of(system, record_pk)
        access.require(record.withdrawn_at is None)
        given = serializers.RecordFileUpload(data=request.data)
        given.is_valid(raise_exception=True)
        label = given.validated_data["label"]
        if label not in KINDS[record.kind].file_labels:
            allowed = "、".join(
                str(RecordFile.Label(x).label) for x in KINDS[record.kind].file_labels
            )
            raise exceptions.ValidationError(
                {"label": [_("この記録に付けられる区分: %(labels)s") % {"labels": allowed}]}
            )
        try:
            (attached,) = records_actions.add_files(
                actor=request.user, record=record, files=[(given.validated_data["file"], label)]
            )
        except Refused as exc:
            raise exceptions.ValidationError({"file": [str(exc)]}) from None
        return Response(
            serializers.RecordFileSerializer(attached).data, status=status.HTTP_201_CREATED
        )


@api_view
class RecordFileDownload(APIView):
    """One file of a record, as an attachment (audited, as on the web)."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, pk: int, record_pk: int, file_pk: int):
        system = access.get_system_for_user(request, pk)
        record = _record_of(system, record_pk)
        attached = record.files.select_related("evidence").filter(pk=file_pk).first()
        if attached is None or attached.evidence.removed_at:
            raise exceptions.NotFound()
        evidence = attached.evidence
        return attachment(
            evidence, evidence_actions.read_evidence(actor=request.user, evidence=evidence)
        )


@api_view
class RecordComments(APIView):
    """The thread about one record, between its vendor, the owning department and the
    security reviewers."""

    @extend_schema(responses=serializers.RecordCommentSerializer(many=True))
    def get(self, request, pk: int, record_pk: int):
        system = access.get_system_for_user(request, pk)
        record = _record_of(system, record_pk)
        comments = record.comments.select_related("author")
        return Response(serializers.RecordCommentSerializer(comments, many=True).data)

    @extend_schema(
        request=serializers.CommentInput, responses={201: serializers.RecordCommentSerializer}
    )
    def post(self, request, pk: int, record_pk: int):
        system = access.get_system_for_user(request, pk)
        access.require(access.can_comment_records(request.user, system))
        record = _record_of(system, record_pk)
        given = serializers.CommentInput(data=request.data)
        given.is_valid(raise_exception=True)
        body = _checked(RecordCommentForm, given.validated_data)["body"]
        made = records_actions.comment(actor=request.user, record=record, body=body)
        return Response(
            serializers.RecordCommentSerializer(made).data, status=status.HTTP_201_CREATED
        )


@api_view
class SystemAnnualReports(generics.ListAPIView):
    """The system's yearly reports (item 72), newest year first: their state and the
    ward's verdict on each section."""

    serializer_class = serializers.AnnualReportSerializer

    def get_queryset(self):
        system = access.get_system_for_user(self.request, self.kwargs["pk"])
        return system.annual_reports.prefetch_related("reviews__by").order_by("-fiscal_year")
