"""The answer library's pages (回答マスタ): a vendor company's products, their entries,
building them from an answered assessment, and filling an assessment from them. Only
the company's own people reach any of it (access.get_library_object_for_user)."""

from collections import Counter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kakunin import access
from kakunin.assessments.models import AnswerScope
from kakunin.catalog.models import Control
from kakunin.core.text import form_errors
from kakunin.evidence.actions import read_evidence
from kakunin.evidence.detect import Refused
from kakunin.evidence.responses import attachment
from kakunin.forms_xlsx.importer import read_plan
from kakunin.library import actions, composing
from kakunin.library.forms import EntryForm, FileForm, NewEntryForm, ProductForm
from kakunin.library.models import Entry, EntryFile, FilledFrom, LibraryImport, Product
from kakunin.staging.models import ImportRefused
from kakunin.tenants.active import everywhere


def _product(request, pk: int) -> Product:
    return access.get_library_object_for_user(request, Product.objects.all(), pk)


def _entry(request, pk: int) -> Entry:
    found = Entry.objects.select_related("product", "control", "written_by", "approved_by")
    return access.get_library_object_for_user(request, found, pk)


def index(request):
    """The company's products, and a new one."""
    access.require_visible(access.can_keep_library(request.user))
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        product = actions.add_product(actor=request.user, **form.cleaned_data)
        messages.success(request, _("製品・サービスを登録しました。"))
        return redirect("library:product", product.pk)
    products = access.library_of(request.user, Product.objects.all()).annotate(
        approved=Count("entries", filter=Q(entries__state=Entry.State.APPROVED)),
        drafts=Count("entries", filter=Q(entries__state=Entry.State.DRAFT)),
    )
    ctx = {"products": products, "form": form}
    return render(request, "library/index.html", ctx, status=400 if form.errors else 200)


@require_GET
def product(request, pk: int):
    product = _product(request, pk)
    user = request.user
    entries = list(product.entries.select_related("control").annotate(files_count=Count("files")))
    with everywhere():  # the company's own uses, wherever they are
        behind = list(FilledFrom.objects.behind(product, user))
    # Shown for the municipality worked in; the others by name and count, to switch to.
    here = getattr(request.municipality, "code", "")
    elsewhere = Counter(
        (f.answer.assessment.system.municipality.code, f.answer.assessment.system.municipality.name)
        for f in behind
        if f.answer.assessment.system.municipality.code != here
    )
    uses = product.uses.filter(municipality_code__in=[here, ""]).select_related("actor")
    ctx = {
        "product": product,
        "entries": entries,
        "drafts": sum(e.state == Entry.State.DRAFT for e in entries),
        "can_approve": access.can_approve_library(user),
        "assessments": access.visible_assessments(user).select_related("system", "template")[:50],
        "behind": [f for f in behind if f.answer.assessment.system.municipality.code == here],
        "behind_elsewhere": sorted(elsewhere.items()),
        "uses": uses[:20],
    }
    return render(request, "library/product.html", ctx)


def _form_page(request, product, form, heading: str):
    """A product's form page, with the form's errors (400) when it failed."""
    ctx = {"product": product, "form": form, "heading": heading}
    return render(request, "library/form.html", ctx, status=400 if form.errors else 200)


def edit_product(request, pk: int):
    product = _product(request, pk)
    form = ProductForm(request.POST or None, instance=product)
    if request.method == "POST" and form.is_valid():
        actions.change_product(actor=request.user, product=product, values=form.cleaned_data)
        messages.success(request, _("製品・サービスを変更しました。"))
        return redirect("library:product", product.pk)
    return _form_page(request, product, form, _("製品・サービスの変更"))


def new_entry(request, pk: int):
    """An entry written from scratch, on the web."""
    product = _product(request, pk)
    form = NewEntryForm(request.POST or None, product=product)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "control"}
        control = form.cleaned_data["control"]
        actions.save_entries(
            actor=request.user, product=product, changes=[(control, values)], source="web"
        )
        messages.success(request, _("回答マスタに追加しました（承認待ち）。"))
        return redirect("library:product", product.pk)
    return _form_page(request, product, form, _("回答マスタに追加"))


def entry(request, pk: int):
    """One entry: changed (a new version, a draft again), its history, its files."""
    entry = _entry(request, pk)
    form = EntryForm(request.POST or None, initial=entry.snapshot())
    if request.method == "POST" and form.is_valid():
        changed = actions.save_entries(
            actor=request.user, product=entry.product, changes=[(entry.control, form.cleaned_data)], source="web"
        )  # fmt: skip
        messages.success(
            request, _("変更しました（承認待ち）。") if changed else _("変更はありません。")
        )
        return redirect("library:entry", entry.pk)
    ctx = {
        "entry": entry, "form": form, "file_form": FileForm(),
        "revisions": entry.revisions.select_related("changed_by", "approved_by"),
        "files": entry.files.select_related("evidence").filter(evidence__removed_at__isnull=True),
    }  # fmt: skip
    return render(request, "library/entry.html", ctx, status=400 if form.errors else 200)


@require_POST
def approve(request, pk: int):
    product = _product(request, pk)
    access.require(access.can_approve_library(request.user))
    drafts = product.entries.filter(state=Entry.State.DRAFT)
    if ids := request.POST.getlist("entry"):
        drafts = drafts.filter(pk__in=[i for i in ids if i.isdigit()])
    count = actions.approve(actor=request.user, entries=list(drafts))
    messages.success(request, _("%(n)d件を承認しました。") % {"n": count})
    return redirect("library:product", product.pk)


@require_POST
def add_file(request, pk: int):
    entry = _entry(request, pk)
    form = FileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.add_file(actor=request.user, entry=entry, upload=form.cleaned_data["file"],
                             valid_until=form.cleaned_data["valid_until"])  # fmt: skip
            messages.success(request, _("証跡を添付しました。"))
        except Refused as exc:
            messages.error(request, str(exc))
    else:
        for error in form_errors(form):
            messages.error(request, error)
    return redirect("library:entry", entry.pk)


def _file(request, pk: int) -> EntryFile:
    found = EntryFile.objects.select_related("evidence", "entry")
    kept = access.get_library_object_for_user(request, found, pk)
    if kept.evidence.removed_at:
        raise Http404
    return kept


@require_GET
def download(request, pk: int):
    kept = _file(request, pk)
    return attachment(kept.evidence, read_evidence(actor=request.user, evidence=kept.evidence))


@require_POST
def remove_file(request, pk: int):
    kept = _file(request, pk)
    entry = kept.entry
    actions.remove_file(actor=request.user, kept=kept)
    messages.success(request, _("証跡を外しました。"))
    return redirect("library:entry", entry.pk)


def build(request, pk: int, assessment_pk: int):
    """Entries from an answered assessment the person sees: previewed, then saved."""
    product = _product(request, pk)
    assessment = access.get_assessment_for_user(request, assessment_pk)
    proposals = composing.proposals(list(assessment.answers.select_related("item")), product)
    if request.method == "POST":
        chosen = set(request.POST.getlist("control"))
        picked = [p for p in proposals if p.control.key in chosen]
        if not picked:
            messages.error(request, _("取り込む観点を選んでください。"))
        else:
            try:
                count = actions.build(actor=request.user, product=product, proposals=picked,
                                      source=f"{assessment.system.name} {assessment.phase_label}", where=assessment)  # fmt: skip
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(
                    request, _("%(n)d件を回答マスタに取り込みました（承認待ち）。") % {"n": count}
                )
                return redirect("library:product", product.pk)
    ctx = {"product": product, "assessment": assessment, "proposals": proposals}
    return render(
        request, "library/build.html", ctx, status=400 if request.method == "POST" else 200
    )


@require_POST
def upload(request, pk: int, assessment_pk: int):
    """The vendor's own filled Excel form of the assessment's form, read as the form
    import reads it (the same checks), into proposals kept for the preview."""
    product = _product(request, pk)
    assessment = access.get_assessment_for_user(request, assessment_pk)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ImportRefused([_("ファイルを選んでください。")])
        plan = read_plan(upload, assessment, AnswerScope.VENDOR_ITEMS)
    except ImportRefused as exc:
        ctx = {"product": product, "assessment": assessment, "errors": exc.errors,
               "proposals": composing.proposals(list(assessment.answers.select_related("item")), product)}  # fmt: skip
        return render(request, "library/build.html", ctx, status=400)
    found = composing.proposals(composing.as_filled(assessment, plan.changes), product)
    staged = actions.stage_excel(actor=request.user, product=product, filename=upload.name,
                                 sha256=plan.sha256, proposals=found)  # fmt: skip
    return redirect("library:staged", staged.pk)


def staged(request, pk: int):
    """A staged Excel form's proposals: previewed, then built into the library or cancelled."""
    found = LibraryImport.objects.filter(
        state=LibraryImport.State.PENDING, uploaded_by=request.user
    )
    staged = access.get_library_object_for_user(request, found.select_related("product"), pk)
    product = staged.product
    if request.method == "POST":
        cancel = request.POST.get("decision") == "cancel"
        count = actions.decide_excel(actor=request.user, staged=staged,
                                     controls=None if cancel else set(request.POST.getlist("control")))  # fmt: skip
        if cancel:
            messages.info(request, _("取り込みを取り消しました。"))
        else:
            messages.success(
                request, _("%(n)d件を回答マスタに取り込みました（承認待ち）。") % {"n": count}
            )
        return redirect("library:product", product.pk)
    proposals = composing.from_json(staged.plan, product)
    ctx = {"product": product, "staged": staged, "proposals": proposals}
    return render(request, "library/build.html", ctx)


def fill(request, assessment_pk: int):
    """The assessment's items the company's library answers: previewed (what each
    answer would become, and what to mind), then written."""
    assessment = access.get_rw_assessment_for_user(request, assessment_pk)
    user = request.user
    access.require(access.can_fill_from_library(user, assessment))
    products = list(access.library_of(user, Product.objects.all()))
    chosen = str(
        request.POST.get("product")
        or request.GET.get("product")
        or _used_before(assessment, products)
        or ""
    )
    product = _product(request, int(chosen)) if chosen.isdigit() else None
    scope = access.answer_scope(user, assessment)
    status = 200
    if product is not None and request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("entry") if i.isdigit()]
        only = request.POST.get("only") or None  # one item's button: that item's entries
        if only is not None:
            asked = Control.objects.filter(items__template=assessment.template, items__key=only)
            ids = list(
                product.entries.filter(pk__in=ids, control__in=asked).values_list("pk", flat=True)
            )
        try:
            count = actions.fill(actor=user, assessment=assessment, product=product, scope=scope,
                                 entries=ids, item=only)  # fmt: skip
        except actions.FillRefused as exc:
            messages.error(request, str(exc))
            status = 400
        else:
            messages.success(
                request, _("%(n)d件の回答を回答マスタから記入しました。") % {"n": count}
            )
            anchor = f"#item-{only}" if only else ""
            return redirect(reverse("assessments:detail", args=[assessment.pk]) + anchor)
    entries = (
        list(product.entries.filter(state=Entry.State.APPROVED).select_related("control"))
        if product
        else []
    )
    ctx = {
        "assessment": assessment, "products": products, "product": product,
        "open": assessment.state in ("draft", "returned"),
        "offers": composing.offers(assessment, entries, scope) if product else [],
        "drafts": product.entries.filter(state=Entry.State.DRAFT).count() if product else 0,
    }  # fmt: skip
    return render(request, "library/fill.html", ctx, status=status)


def _used_before(assessment, products) -> int | None:
    """The product whose entries filled this system's answers last, else the only one."""
    last = (
        FilledFrom.objects.filter(answer__assessment__system=assessment.system, entry__product__in=products)
        .order_by("-filled_at").values_list("entry__product", flat=True).first()
    )  # fmt: skip
    return last or (products[0].pk if len(products) == 1 else None)
