"""The answer library (回答マスタ) of the caller's company: its products, their entries
(a change is a new version, a draft until the company's administrator approves it).
Only a vendor company's people reach it: any other token gets a 404, as on the web."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from kakunin import access
from kakunin.api.serializers import TEXT, Strict
from kakunin.api.views.common import PreconditionFailed, PreconditionRequired, api_view
from kakunin.catalog.models import Control
from kakunin.library import actions
from kakunin.library.models import ENTRY_STATUS_VALUES, Entry, Product


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name", "versions", "description", "created_at"]


class ProductInput(Strict):
    name = serializers.CharField(max_length=200, validators=[TEXT])
    versions = serializers.CharField(
        max_length=200, required=False, allow_blank=True, validators=[TEXT]
    )
    description = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, validators=[TEXT]
    )


class EntrySerializer(serializers.ModelSerializer):
    control = serializers.CharField(source="control.key", read_only=True)
    product = serializers.IntegerField(source="product_id", read_only=True)
    status = serializers.ChoiceField(choices=ENTRY_STATUS_VALUES, read_only=True)

    class Meta:
        model = Entry
        fields = ["id", "product", "control", "status", "text", "plan", "conditional", "condition",
                  "review_by", "version", "state", "written_at", "approved_at"]  # fmt: skip


class EntryInput(Strict):
    """An entry's fields; those left out of a change keep their value."""

    status = serializers.ChoiceField(choices=ENTRY_STATUS_VALUES, required=False)
    text = serializers.CharField(required=False, trim_whitespace=False, validators=[TEXT])
    plan = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, validators=[TEXT]
    )
    conditional = serializers.BooleanField(required=False)
    condition = serializers.CharField(
        required=False, allow_blank=True, max_length=300, validators=[TEXT]
    )
    review_by = serializers.DateField(required=False, allow_null=True)


class NewEntryInput(EntryInput):
    control = serializers.SlugRelatedField(slug_field="key", queryset=Control.objects.all())


def _entries(request):
    return access.library_of(request.user, Entry.objects.select_related("control"))


def _save(
    request, product: Product, control: Control, values: dict, entry: Entry | None = None
) -> None:
    """The web's rules, the web's action: a refusal is a 400 naming the field."""
    current = (
        entry.snapshot()
        if entry is not None
        else {"plan": "", "conditional": False, "condition": ""}
    )
    try:
        actions.save_entries(
            actor=request.user, product=product, changes=[(control, current | values)], source="api"
        )
    except ValidationError as exc:
        raise exceptions.ValidationError(exc.message_dict) from None


class NameTaken(exceptions.APIException):
    """The company has a product of that name already: 409, as for any conflict."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("この名称の製品・サービスは既に登録されています。")


@api_view
class ProductList(APIView):
    @extend_schema(responses=ProductSerializer(many=True))
    def get(self, request):
        access.require_visible(access.can_keep_library(request.user))
        found = access.library_of(request.user, Product.objects.all())
        return Response(ProductSerializer(found, many=True).data)

    @extend_schema(request=ProductInput, responses={201: ProductSerializer})
    def post(self, request):
        access.require_visible(access.can_keep_library(request.user))
        given = ProductInput(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            product = actions.add_product(actor=request.user, **given.validated_data)
        except (ValidationError, IntegrityError):
            raise NameTaken() from None
        return Response(ProductSerializer(product).data, status=status.HTTP_201_CREATED)


@api_view
class ProductDetail(APIView):
    @extend_schema(responses=ProductSerializer)
    def get(self, request, pk: int):
        product = access.get_library_object_for_user(request, Product.objects.all(), pk)
        return Response(ProductSerializer(product).data)


@api_view
class ProductEntries(APIView):
    """A product's entries; a new one (or a new version of the one for that control)."""

    @extend_schema(responses=EntrySerializer(many=True))
    def get(self, request, pk: int):
        product = access.get_library_object_for_user(request, Product.objects.all(), pk)
        return Response(EntrySerializer(_entries(request).filter(product=product), many=True).data)

    @extend_schema(request=NewEntryInput, responses={201: EntrySerializer})
    def post(self, request, pk: int):
        product = access.get_library_object_for_user(request, Product.objects.all(), pk)
        given = NewEntryInput(data=request.data)
        given.is_valid(raise_exception=True)
        values = dict(given.validated_data)
        control = values.pop("control")
        existing = product.entries.filter(control=control).first()
        _save(request, product, control, values, existing)
        entry = product.entries.select_related("control").get(control=control)
        return Response(EntrySerializer(entry).data, status=status.HTTP_201_CREATED)


def _etag(entry: Entry) -> str:
    return f'"entry-{entry.pk}-{entry.version}"'


@api_view
class EntryDetail(APIView):
    """One entry. A change sends back its ETag in If-Match (428 without, 412 when it
    changed in between); it becomes a new version, a draft until approved."""

    @extend_schema(responses=EntrySerializer)
    def get(self, request, pk: int):
        entry = access.get_library_object_for_user(request, _entries(request), pk)
        response = Response(EntrySerializer(entry).data)
        response["ETag"] = _etag(entry)
        return response

    @extend_schema(
        request=EntryInput, responses=EntrySerializer,
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True)],
    )  # fmt: skip
    def patch(self, request, pk: int):
        entry = access.get_library_object_for_user(request, _entries(request), pk)
        expected = request.headers.get("If-Match", "")
        if not expected:
            raise PreconditionRequired()
        if expected != _etag(entry):
            raise PreconditionFailed()
        given = EntryInput(data=request.data)
        given.is_valid(raise_exception=True)
        _save(request, entry.product, entry.control, dict(given.validated_data), entry)
        entry.refresh_from_db()
        response = Response(EntrySerializer(entry).data)
        response["ETag"] = _etag(entry)
        return response


class ApprovedSerializer(serializers.Serializer):
    approved = serializers.IntegerField()


@api_view
class ProductApprove(APIView):
    """The company's administrator approves every draft of the product."""

    @extend_schema(request=None, responses=ApprovedSerializer)
    def post(self, request, pk: int):
        product = access.get_library_object_for_user(request, Product.objects.all(), pk)
        access.require(access.can_approve_library(request.user))
        count = actions.approve(
            actor=request.user, entries=list(product.entries.filter(state="draft"))
        )
        return Response({"approved": count})
