"""Assessments: the list, one assessment whole, and its steps (reviews/steps.py)."""

from django.db.models import Prefetch, prefetch_related_objects
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from kakunin import access
from kakunin.api import serializers
from kakunin.api.views.common import api_view, checked, refused
from kakunin.assessments.models import Answer
from kakunin.assessments.workflow import TransitionRefused
from kakunin.audit.trail import record_view


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
            inputs = checked(step.form, given.validated_data)
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
