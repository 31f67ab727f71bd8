from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kakunin.assessments.models import Answer, Assessment, State, Status, Verdict
from kakunin.audit.models import Event
from kakunin.evidence.models import Evidence
from kakunin.inventory.models import Component, Finding, Response
from kakunin.records.kinds import KINDS, MAX_LINES, LinesField, RecordForm
from kakunin.records.models import CONTROLS, Kind, Record, RecordComment, RecordFile
from kakunin.reports.models import AnnualReport, SectionReview
from kakunin.reviews.models import COMMENT_MAX_LENGTH, Comment
from kakunin.scans.models import Scan, ScanResult
from kakunin.systems.models import System

# What the web refuses in text, said in the schema too (a pattern), so that a client
# knows before sending: control characters other than tab and line breaks (not allowed
# in an xlsx either), and the bidi controls of kakunin.core.text.
TEXT = RegexValidator(
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]*$",
    _("制御文字（表示順を入れ替える文字を含む）は使えません。"),
)
# A filter's value: one line, no control characters at all.
LINE = RegexValidator(
    r"^[^\x00-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]*$",
    _("制御文字は使えません。"),
)


# An answer's statuses, "" for none yet (one name in the schema: settings.ENUM_NAME_OVERRIDES).
ANSWER_STATUSES = ["", *Status.values]


class Strict(serializers.Serializer):
    """Input that names only the fields it has: anything else is refused (a misspelt
    field would otherwise be dropped without a word). The schema says so too
    (additionalProperties: false, kakunin/api/schema.py)."""

    def to_internal_value(self, data):
        unknown = sorted(set(getattr(data, "keys", dict)()) - set(self.fields))
        if unknown:
            message = _("この項目は受け付けません。")
            raise serializers.ValidationError({name[:64]: [message] for name in unknown})
        return super().to_internal_value(data)


class SystemSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = System
        fields = ["id", "name", "department", "confidentiality", "integrity",
                  "uses_servers", "serves_web", "uses_external_services"]  # fmt: skip
        read_only_fields = fields


class ApplicabilitySerializer(serializers.Serializer):
    """Whether one item of the checklist in force applies to the system, and why."""

    item = serializers.CharField()
    number = serializers.IntegerField()
    applies = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())


class SystemDetailSerializer(SystemSerializer):
    """The system's profile, since when it is in operation (the recorded day of going
    live, else its first approval; null before), and which items of the checklist in
    force apply to it."""

    operation_start = serializers.DateField(read_only=True, allow_null=True)
    applicability = serializers.SerializerMethodField()

    class Meta(SystemSerializer.Meta):
        fields = [*SystemSerializer.Meta.fields, "live_on", "operation_start", "applicability"]
        read_only_fields = fields

    @extend_schema_field(ApplicabilitySerializer(many=True))
    def get_applicability(self, system) -> list[dict]:
        template = system.form_in_force()
        if template is None:
            return []
        rows = []
        for item in template.items.order_by("number"):
            found = template.evaluate(item, system)
            rows.append({"item": item.key, "number": item.number, "applies": found.applies,
                         "reasons": [str(r) for r in found.reasons]})  # fmt: skip
        return rows


class AssessmentSerializer(serializers.ModelSerializer):
    system = serializers.PrimaryKeyRelatedField(read_only=True)
    phase_label = serializers.CharField(read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "system", "phase", "phase_label", "fiscal_year", "revision", "state",
                  "round", "due_date", "approved_at"]  # fmt: skip
        read_only_fields = fields


class AnswerSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.key", read_only=True)
    number = serializers.IntegerField(source="item.number", read_only=True)
    # "" is no status yet / no verdict yet.
    status = serializers.ChoiceField(choices=ANSWER_STATUSES, read_only=True)
    verdict = serializers.ChoiceField(choices=[("", ""), *Verdict.choices], read_only=True)

    class Meta:
        model = Answer
        fields = ["item", "number", "status", "text", "plan", "target_date", "verdict",
                  "version", "updated_at"]  # fmt: skip
        read_only_fields = ["item", "number", "verdict", "version", "updated_at"]


class AssessmentDetailSerializer(AssessmentSerializer):
    answers = AnswerSerializer(many=True, read_only=True)

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "answers"]
        read_only_fields = fields


class AnswerUpdateSerializer(Strict):
    """The fields a person writes; those left out keep their value."""

    status = serializers.ChoiceField(choices=ANSWER_STATUSES, required=False)
    text = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, validators=[TEXT]
    )
    plan = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, validators=[TEXT]
    )
    target_date = serializers.DateField(required=False, allow_null=True)


class ReturnSerializer(Strict):
    """For a return: what the vendor should fix (optional). The other steps take no body."""

    note = serializers.CharField(
        required=False, allow_blank=True, max_length=4000, validators=[TEXT]
    )


class AssessmentFilter(serializers.Serializer):
    """The list's filters (query parameters)."""

    state = serializers.ChoiceField(
        choices=State.values, required=False,
        error_messages={"invalid_choice": _("状態は %(choices)s のいずれかで指定してください。")},
    )  # fmt: skip
    system = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1,  # a database key's range
        error_messages={"invalid": _("数値で指定してください。")},
    )  # fmt: skip
    department = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="所管課（組織）の ID",
        error_messages={"invalid": _("数値で指定してください。")},
    )  # fmt: skip
    overdue = serializers.BooleanField(
        required=False, default=False, help_text="提出期限を過ぎて未承認のものだけ"
    )
    updated_since = serializers.DateTimeField(
        required=False,
        help_text="この日時以降に更新されたもの（RFC 3339、例: 2026-04-01T09:00:00+09:00）",
        error_messages={
            "invalid": _("RFC 3339 の日時（例: 2026-04-01T09:00:00+09:00）で指定してください。")
        },
    )


class EventSerializer(serializers.ModelSerializer):
    """One event of the audit trail, with the hashes that chain it to the one before."""

    actor = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = Event
        fields = ["seq", "at", "actor", "actor_label", "ip", "action", "object_type",
                  "object_id", "object_label", "changes", "prev_hash", "hash"]  # fmt: skip
        read_only_fields = fields


class EventFilter(serializers.Serializer):
    """The audit trail's filters (query parameters); every one an indexed lookup."""

    action = serializers.CharField(
        required=False, allow_blank=True, max_length=64, validators=[LINE]
    )
    object_type = serializers.CharField(
        required=False, allow_blank=True, max_length=64, validators=[LINE]
    )
    object_id = serializers.CharField(
        required=False, allow_blank=True, max_length=64, validators=[LINE]
    )
    since = serializers.DateTimeField(
        required=False,
        error_messages={
            "invalid": _("RFC 3339 の日時（例: 2026-04-01T09:00:00+09:00）で指定してください。")
        },
    )
    until = serializers.DateTimeField(
        required=False,
        error_messages={
            "invalid": _("RFC 3339 の日時（例: 2026-04-01T09:00:00+09:00）で指定してください。")
        },
    )


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "author", "body", "round", "created_at"]
        read_only_fields = fields


class CommentInput(Strict):
    body = serializers.CharField(
        max_length=COMMENT_MAX_LENGTH, trim_whitespace=False, validators=[TEXT]
    )


class VerdictInput(Strict):
    """適合 (ok), 要修正 (fix) or 要確認 (question): the last two with a comment; "" clears."""

    verdict = serializers.ChoiceField(choices=[("", ""), *Verdict.choices])
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=COMMENT_MAX_LENGTH, trim_whitespace=False,
        validators=[TEXT],
    )  # fmt: skip


class EvidenceSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)

    class Meta:
        model = Evidence
        fields = ["id", "filename", "kind", "size", "sha256", "uploaded_by", "uploaded_at"]
        read_only_fields = fields


class EvidenceUpload(Strict):
    file = serializers.FileField()


class ScanResultSerializer(serializers.ModelSerializer):
    """One control's verdict on one URL; `items`: the keys of the items of the
    system's form that ask about that control (where the pages show it)."""

    items = serializers.SerializerMethodField()

    class Meta:
        model = ScanResult
        fields = ["control", "items", "url", "verdict", "summary", "findings"]
        read_only_fields = fields

    def get_items(self, result) -> list[str]:
        form = result.scan.system.form
        return [item.key for item in form.items_with([result.control])] if form else []


class ScanSerializer(serializers.ModelSerializer):
    """A scan of the system's sites (kakunin.scans) and what it found, item by item."""

    results = ScanResultSerializer(many=True, read_only=True)

    class Meta:
        model = Scan
        fields = ["id", "state", "progress", "created_at", "started_at", "finished_at", "error",
                  "results"]  # fmt: skip
        read_only_fields = fields


class ComponentSerializer(serializers.ModelSerializer):
    """One piece of the system's software inventory (software-inventory)."""

    class Meta:
        model = Component
        fields = ["id", "kind", "maker", "product", "version", "location", "cpe", "purl",
                  "support_end", "latest_version", "planned_update", "origin", "updated_at"]  # fmt: skip
        read_only_fields = fields


class InventoryUpload(Strict):
    file = serializers.FileField(
        help_text="CycloneDX (JSON/XML 1.4–1.6)、SPDX 2.3 JSON、または構成一覧（xlsx/csv）"
    )
    dry_run = serializers.BooleanField(required=False, default=False)


class InventoryChanges(serializers.Serializer):
    """What an upload changed (or, with dry_run, would change)."""

    added = serializers.IntegerField()
    changed = serializers.IntegerField()
    removed = serializers.IntegerField()
    applied = serializers.BooleanField()


class ResponseSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", read_only=True)

    class Meta:
        model = Response
        fields = ["id", "kind", "date", "fixed_version", "reason", "by", "at"]
        read_only_fields = fields


class FindingSerializer(serializers.ModelSerializer):
    """A known vulnerability of one component, with the vendor's answers to it."""

    vulnerability = serializers.CharField(source="vulnerability.ident", read_only=True)
    title = serializers.CharField(source="vulnerability.title", read_only=True)
    severity = serializers.CharField(source="vulnerability.severity", read_only=True)
    cvss_score = serializers.DecimalField(
        source="vulnerability.cvss_score",
        max_digits=3,
        decimal_places=1,
        read_only=True,
        allow_null=True,
    )
    component = serializers.CharField(source="component.__str__", read_only=True)
    responses = ResponseSerializer(many=True, read_only=True)

    class Meta:
        model = Finding
        fields = ["id", "vulnerability", "title", "severity", "cvss_score", "component",
                  "first_seen", "closed_at", "responses"]  # fmt: skip
        read_only_fields = fields


class ResponseInput(Strict):
    """Fixed (date and version), planned (date) or not affected (why); a file if any."""

    kind = serializers.ChoiceField(choices=Response.Kind.values)
    date = serializers.DateField(required=False, allow_null=True)
    fixed_version = serializers.CharField(
        required=False, allow_blank=True, max_length=100, validators=[LINE]
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, validators=[TEXT]
    )
    file = serializers.FileField(required=False)


class RecordSerializer(serializers.ModelSerializer):
    """A record of the operating years (security-status-report): what was done, when, by whom; `data`
    holds the kind's own fields, as the web's form for that kind has them."""

    entered_by = serializers.CharField(source="entered_by.username", read_only=True)
    data = serializers.JSONField(read_only=True)

    class Meta:
        model = Record
        fields = ["id", "kind", "date", "until", "data", "version", "entered_by", "entered_at",
                  "updated_at", "withdrawn_at"]  # fmt: skip
        read_only_fields = fields


class RecordFilter(serializers.Serializer):
    """The list's filters (query parameters)."""

    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    withdrawn = serializers.BooleanField(
        required=False, default=True, help_text="false: 取り下げた記録を除く"
    )


class RecordFileSerializer(serializers.ModelSerializer):
    filename = serializers.CharField(source="evidence.filename", read_only=True)
    size = serializers.IntegerField(source="evidence.size", read_only=True)
    sha256 = serializers.CharField(source="evidence.sha256", read_only=True)
    uploaded_at = serializers.DateTimeField(source="evidence.uploaded_at", read_only=True)

    class Meta:
        model = RecordFile
        fields = ["id", "label", "filename", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class RecordDetailSerializer(RecordSerializer):
    """One record, with the scan it cites, its files and why it was withdrawn."""

    updated_by = serializers.CharField(source="updated_by.username", read_only=True)
    scan = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    files = serializers.SerializerMethodField()

    class Meta(RecordSerializer.Meta):
        fields = [*RecordSerializer.Meta.fields, "scan", "updated_by", "withdraw_reason", "files"]
        read_only_fields = fields

    @extend_schema_field(RecordFileSerializer(many=True))
    def get_files(self, record) -> list[dict]:
        files = record.files.select_related("evidence").filter(evidence__removed_at__isnull=True)
        return RecordFileSerializer(files, many=True).data


class RecordCommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)

    class Meta:
        model = RecordComment
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = fields


class WithdrawInput(Strict):
    reason = serializers.CharField(max_length=500, validators=[LINE])


class RecordFileUpload(Strict):
    """A file with its label; which labels a record takes depends on its kind."""

    label = serializers.ChoiceField(choices=RecordFile.Label.choices)
    file = serializers.FileField()


def _record_field(form_field: forms.Field, prefix: str, name: str) -> serializers.Field:
    """The API's field for one field of a record kind's web form (kakunin.records.kinds):
    its type, limits and choices, so that the schema says them; the form still decides."""
    common: dict = {"required": form_field.required, "label": str(form_field.label)}
    if form_field.help_text:
        common["help_text"] = str(form_field.help_text)
    if isinstance(form_field, LinesField):
        parts = {
            key: serializers.CharField(
                label=str(label),
                max_length=500,
                validators=[LINE],
                required=n < form_field.needed,
                allow_blank=n >= form_field.needed,
            )
            for n, (key, label) in enumerate(form_field.parts)
        }
        entry_name = f"{prefix}{name.title().replace('_', '')}Entry"
        entry = type(entry_name, (Strict,), {**parts, "__doc__": str(form_field.label)})
        return serializers.ListField(
            child=entry(),
            max_length=MAX_LINES,
            min_length=1 if form_field.required else None,
            allow_empty=not form_field.required,
            **common,
        )
    if isinstance(form_field, forms.ModelChoiceField):  # the scan the record cites
        return serializers.IntegerField(min_value=1, max_value=2**63 - 1, allow_null=True, **common)
    if isinstance(form_field, forms.ChoiceField):
        choices = list(form_field.choices)  # type: ignore[arg-type]  # (pairs, never groups here)
        if isinstance(form_field, forms.MultipleChoiceField):
            return serializers.ListField(
                child=serializers.ChoiceField(choices=choices),
                min_length=1 if form_field.required else None,
                allow_empty=not form_field.required, **common,
            )  # fmt: skip
        return serializers.ChoiceField(choices=choices, **common)
    if isinstance(form_field, forms.BooleanField):
        return serializers.BooleanField(**common)
    if isinstance(form_field, forms.IntegerField):
        return serializers.IntegerField(
            min_value=form_field.min_value, max_value=form_field.max_value, **common
        )
    if isinstance(form_field, forms.DateField):
        return serializers.DateField(allow_null=not form_field.required, **common)
    if isinstance(form_field, forms.TimeField):
        return serializers.TimeField(**common)
    assert isinstance(form_field, forms.CharField), form_field
    return serializers.CharField(
        max_length=form_field.max_length, allow_blank=not form_field.required,
        trim_whitespace=False,
        validators=[TEXT if isinstance(form_field.widget, forms.Textarea) else LINE], **common,
    )  # fmt: skip


def record_input(form_class: type[RecordForm]) -> type[Strict]:
    """One kind's fields, as the API takes them: a list the web types one entry a line
    is a list of objects here."""
    prefix = "".join(part.title() for part in form_class.kind.split("_"))
    fields = {
        name: _record_field(field, prefix, name) for name, field in form_class.base_fields.items()
    }
    doc = f"{Kind(form_class.kind).label}（{', '.join(CONTROLS[Kind(form_class.kind)])}）"
    return type(f"{prefix}Record", (Strict,), {**fields, "__doc__": doc})


RECORD_INPUTS = {kind: record_input(form_class) for kind, form_class in KINDS.items()}


class SectionReviewSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", read_only=True)

    class Meta:
        model = SectionReview
        fields = ["section", "verdict", "comment", "by", "at"]
        read_only_fields = fields


class AnnualReportSerializer(serializers.ModelSerializer):
    """The yearly report (security-status-report) for one fiscal year: where it stands in its
    workflow, and the ward's verdict on each section."""

    state = serializers.ChoiceField(choices=State.choices, read_only=True)
    reviews = SectionReviewSerializer(many=True, read_only=True)

    class Meta:
        model = AnnualReport
        fields = ["id", "fiscal_year", "state", "round", "submitted_at", "approved_at",
                  "return_note", "updated_at", "reviews"]  # fmt: skip
        read_only_fields = fields
