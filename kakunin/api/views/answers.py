"""Answers: one answer (read, changed with If-Match), its comments, its verdict and
its evidence."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from kakunin import access
from kakunin.api import serializers
from kakunin.api.views.common import (
    PreconditionFailed,
    PreconditionRequired,
    api_view,
    checked,
    refused,
)
from kakunin.assessments import actions as assessment_actions
from kakunin.assessments.models import AnswerRevision
from kakunin.assessments.workflow import TransitionRefused
from kakunin.evidence import actions as evidence_actions
from kakunin.evidence.detect import Refused
from kakunin.evidence.models import Evidence
from kakunin.evidence.responses import attachment
from kakunin.reviews import actions as review_actions
from kakunin.reviews.forms import CommentForm


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
        body = checked(CommentForm, given.validated_data)["body"]
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
            checked(CommentForm, {"body": data["comment"]})["body"] if data.get("comment") else ""
        )
        try:
            review_actions.set_verdict(
                actor=request.user, answer=answer, verdict=data["verdict"], comment=comment
            )
        except TransitionRefused as exc:
            raise refused(exc) from None
        return Response(serializers.AnswerSerializer(answer).data)


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
