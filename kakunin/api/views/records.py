"""The records of the operating years: listed, made, changed (If-Match), withdrawn,
with their files and comments."""

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
from kakunin.api.views.common import PreconditionFailed, PreconditionRequired, api_view, checked
from kakunin.audit.trail import record_view
from kakunin.evidence import actions as evidence_actions
from kakunin.evidence.detect import Refused
from kakunin.evidence.responses import attachment
from kakunin.records import actions as records_actions
from kakunin.records.kinds import KINDS, LinesField, WithdrawForm
from kakunin.records.kinds import CommentForm as RecordCommentForm
from kakunin.records.models import Kind, Record, RecordFile


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
        record_view(
            request.user, record, system
        )  # another department's record (log-collection, security-event-logging)
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
        reason = checked(WithdrawForm, given.validated_data)["reason"]
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
        body = checked(RecordCommentForm, given.validated_data)["body"]
        made = records_actions.comment(actor=request.user, record=record, body=body)
        return Response(
            serializers.RecordCommentSerializer(made).data, status=status.HTTP_201_CREATED
        )
