"""A system's inventory: its components, an upload, its findings and the answers
to them."""

from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from kakunin import access
from kakunin.api import serializers
from kakunin.api.parsers import JSONParser
from kakunin.api.views.common import StepRefused, api_view
from kakunin.evidence.detect import Refused
from kakunin.inventory import actions as inventory_actions
from kakunin.inventory import sources as inventory_sources
from kakunin.inventory.forms import ResponseForm
from kakunin.inventory.models import Finding
from kakunin.staging import actions as staging
from kakunin.staging.models import ImportRefused


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
        staged = inventory_actions.stage_upload(
            actor=request.user, system=system, upload=upload, plan=plan
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
