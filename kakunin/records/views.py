from pathlib import PurePath

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kakunin import access
from kakunin.audit.trail import record_view
from kakunin.core.text import form_errors
from kakunin.evidence.actions import read_evidence
from kakunin.evidence.detect import Refused
from kakunin.evidence.responses import attachment
from kakunin.records import actions, ismap, status
from kakunin.records.kinds import KINDS, CommentForm, FilesForm, IsmapUploadForm, WithdrawForm
from kakunin.records.models import IsmapImport, IsmapService, Kind, Record, numbers_for


def _record_of(request, system, record_pk: int) -> Record:
    return get_object_or_404(
        Record.objects.select_related("entered_by", "updated_by", "withdrawn_by", "scan"),
        pk=record_pk,
        system=system,
    )


@require_GET
def system(request, pk: int):
    """A system's records, kind by kind, with what the ward should notice."""
    system = access.get_system_for_user(request, pk)
    show_withdrawn = request.GET.get("withdrawn") == "1"
    found = system.records.select_related("entered_by").order_by("-date", "-pk")
    if not show_withdrawn:
        found = found.filter(withdrawn_at__isnull=True)
    records = list(found)
    problems = status.problems_of(records)
    groups = [
        {
            "kind": kind,
            "label": label,
            "items": numbers_for(system, kind),
            "records": [
                (r, KINDS[kind].summary(r), problems.get(r.pk, []))
                for r in records
                if r.kind == kind
            ],
        }
        for kind, label in Kind.choices
    ]
    ctx = {
        "system": system,
        "groups": groups,
        "overview": status.overview([system])[system.pk],
        "can_edit": access.can_keep_operations(request.user, system),
        "ward_lists": access.can_import_ward_lists(request.user),
        "show_withdrawn": show_withdrawn,
    }
    return render(request, "records/system.html", ctx)


def add(request, pk: int, kind: str):
    system = access.get_operations_system_for_user(request, pk)
    if kind not in KINDS:
        raise Http404
    return _edit(request, system, KINDS[kind], None)


def edit(request, pk: int, record_pk: int):
    system = access.get_operations_system_for_user(request, pk)
    record = _record_of(request, system, record_pk)
    access.require(record.withdrawn_at is None)
    return _edit(request, system, KINDS[record.kind], record)


def _edit(request, system, form_class, record: Record | None):
    posted = (request.POST, request.FILES) if request.method == "POST" else ()
    if record is not None and not posted:
        form = form_class.from_record(record, system=system)
    else:
        form = form_class(*posted[:1], system=system)
    files = FilesForm(*posted, labels=form_class.file_labels)
    if posted and form.is_valid() and files.is_valid():
        try:
            if record is None:
                record = actions.add_record(
                    actor=request.user, system=system, form=form, files=files.uploads()
                )
            else:
                record = actions.update_record(
                    actor=request.user, record=record, form=form, files=files.uploads()
                )
        except Refused as exc:
            files.add_error(None, str(exc))
        else:
            messages.success(request, _("記録を保存しました。"))
            return redirect("records:detail", system.pk, record.pk)
    ctx = {
        "system": system,
        "record": record,
        "form": form,
        "files": files,
        "kind_label": dict(Kind.choices)[form_class.kind],
        "items": numbers_for(system, form_class.kind),
    }
    return render(request, "records/edit.html", ctx, status=400 if posted else 200)


@require_GET
def detail(request, pk: int, record_pk: int):
    system = access.get_system_for_user(request, pk)
    record = _record_of(request, system, record_pk)
    record_view(
        request.user, record, system
    )  # another department's record (log-collection, security-event-logging)
    form_class = KINDS[record.kind]
    ctx = {
        "system": system,
        "record": record,
        "rows": form_class.display(record),
        "problems": status.problems_of([record]).get(record.pk, []),
        "files": record.files.select_related("evidence"),
        "versions": record.versions.select_related("by"),
        "comments": record.comments.select_related("author"),
        "comment_form": CommentForm(),
        "withdraw_form": WithdrawForm(),
        "can_edit": access.can_keep_operations(request.user, system)
        and record.withdrawn_at is None,
        "can_comment": access.can_comment_records(request.user, system),
    }
    return render(request, "records/detail.html", ctx)


@require_POST
def comment(request, pk: int, record_pk: int):
    system = access.get_system_for_user(request, pk)
    access.require(access.can_comment_records(request.user, system))
    record = _record_of(request, system, record_pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        actions.comment(actor=request.user, record=record, body=form.cleaned_data["body"])
        messages.success(request, _("コメントを書き込みました。"))
    else:
        for error in form_errors(form):
            messages.error(request, error)
    return redirect("records:detail", system.pk, record.pk)


@require_POST
def withdraw(request, pk: int, record_pk: int):
    system = access.get_operations_system_for_user(request, pk)
    record = _record_of(request, system, record_pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        actions.withdraw_record(
            actor=request.user, record=record, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("記録を取り下げました。履歴には残ります。"))
        return redirect("records:system", system.pk)
    messages.error(request, _("取下げの理由を書いてください。"))
    return redirect("records:detail", system.pk, record.pk)


@require_GET
def download(request, pk: int, record_pk: int, file_pk: int):
    """A record's evidence file, for whoever sees the system (audited)."""
    system = access.get_system_for_user(request, pk)
    record = _record_of(request, system, record_pk)
    attached = get_object_or_404(record.files.select_related("evidence"), pk=file_pk)
    evidence = attached.evidence
    if evidence.removed_at:
        raise Http404
    return attachment(evidence, read_evidence(actor=request.user, evidence=evidence))


def ismap_list(request):
    """The ISMAP cloud service list in force, and the reviewers' upload of a new one."""
    access.require(access.can_import_ward_lists(request.user))
    form = IsmapUploadForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = PurePath(upload.name).name
        data = upload.read(settings.ISMAP_LIST_MAX_BYTES + 1)
        if len(data) > settings.ISMAP_LIST_MAX_BYTES:
            errors = [_("%(file)s: ファイルが大きすぎます。") % {"file": name}]
        else:
            try:
                counts = actions.import_ismap_list(actor=request.user, data=data, filename=name)
            except ismap.ListRefused as exc:
                errors = exc.errors
            else:
                messages.success(
                    request,
                    _(
                        "ISMAP クラウドサービスリストを取り込みました（%(listed)s 件、新規 %(new)s、変更 %(changed)s、リストから外れた %(removed)s）。"
                    )
                    % counts,
                )
                return redirect("records:ismap")
    ctx = {
        "form": form,
        "errors": errors,
        "imports": IsmapImport.objects.select_related("by")[:10],
        "listed": IsmapService.objects.filter(removed_on__isnull=True).count(),
        "removed": IsmapService.objects.filter(removed_on__isnull=False).order_by("-removed_on")[
            :50
        ],
        "today": timezone.localdate(),
    }
    return render(request, "records/ismap.html", ctx, status=400 if errors or form.errors else 200)
