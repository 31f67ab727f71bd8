"""The forms in the web: the list, one version with its items, two versions compared,
an item's conditions and controls, a version published, a new draft."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kakunin import access
from kakunin.catalog import actions
from kakunin.catalog.diff import compare as compare_versions
from kakunin.catalog.loader import STANDARD_CONDITIONS
from kakunin.catalog.models import Control, Template, controls_of
from kakunin.catalog.oscal import catalog_of, to_json


def form_list(request):
    access.require_visible(access.can_read_forms(request.user))
    templates = Template.objects.order_by("key", "-effective_date", "-loaded_at")
    forms_by_key: dict[str, list[Template]] = {}
    for template in templates:
        forms_by_key.setdefault(template.key, []).append(template)
    ctx = {
        "forms": [
            {"key": key, "versions": versions, "current": Template.current(key)}
            for key, versions in forms_by_key.items()
        ],
        "default": Template.default(),
        "can_manage": access.can_manage_forms(request.user),
        # Only the municipality's own form changes; the service's is every one's.
        "can_change": access.can_change_form(request.user, template),
        "shared": template.municipality_id is None,
    }
    return render(request, "catalog/list.html", ctx)


def detail(request, pk: int):
    template = access.get_form_for_user(request, pk)
    items = list(template.items.all())
    tags = controls_of(items)
    titles = {c.key: c.label for c in Control.objects.all()}
    labels = {key: c.get("label", key) for key, c in template.conditions.items()}
    rows = [
        (
            item,
            [(key, titles.get(key, key)) for key in tags[item.pk]],
            [labels[c] for c in item.condition],
        )
        for item in items
    ]
    others = Template.objects.filter(key=template.key).exclude(pk=template.pk)
    ctx = {
        "template": template,
        "rows": rows,
        "untagged": [item for item, controls, _c in rows if not controls],
        "others": others.order_by("-effective_date"),
        "can_manage": access.can_manage_forms(request.user),
        "in_force": Template.current(template.key),
        "high_form": HighForm(initial=template.high),
    }
    return render(request, "catalog/detail.html", ctx)


def oscal(request, pk: int):
    """The version as an OSCAL 1.1 catalog (JSON), for other GRC tools."""
    template = access.get_form_for_user(request, pk)
    response = HttpResponse(to_json(catalog_of(template)), content_type="application/json")
    name = f"{template.key}-v{template.version}.oscal.json"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def compare(request, pk: int, other: int):
    new = access.get_form_for_user(request, pk)
    old = access.get_form_for_user(request, other)
    ctx = {"comparison": compare_versions(old, new), "template": new}
    return render(request, "catalog/compare.html", ctx)


class HighForm(forms.Form):
    """The levels of the MIC classification that count as 「高」, axis by axis."""

    confidentiality = forms.TypedChoiceField(
        label=gettext_lazy("機密性"), choices=[(3, "3"), (2, "2"), (1, "1")], coerce=int
    )
    integrity = forms.TypedChoiceField(
        label=gettext_lazy("完全性"), choices=[(2, "2"), (1, "1")], coerce=int
    )
    availability = forms.TypedChoiceField(
        label=gettext_lazy("可用性"), choices=[(2, "2"), (1, "1")], coerce=int
    )


@require_POST
def high(request, pk: int):
    template = access.get_form_to_manage(request, pk)
    form = HighForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("重要度「高」の水準を選んでください。"))
    else:
        try:
            actions.set_high(actor=request.user, template=template, high=form.cleaned_data)
        except actions.FormFrozen as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("重要度「高」の水準を変更しました。"))
    return redirect("catalog:detail", template.pk)


class ItemForm(forms.Form):
    condition = forms.MultipleChoiceField(
        label=gettext_lazy("適用条件（すべて満たすとき適用）"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    controls = forms.MultipleChoiceField(label=gettext_lazy("この項目が問う管理策"), required=False)

    def __init__(self, *args, template: Template, **kwargs):
        super().__init__(*args, **kwargs)
        condition, controls = self.fields["condition"], self.fields["controls"]
        assert isinstance(condition, forms.ChoiceField) and isinstance(controls, forms.ChoiceField)
        # The form's own conditions (its words, data), then the standard ones it lacks
        # (in the reader's language).
        own = [(key, c.get("label", key)) for key, c in template.conditions.items()]
        standard = [
            (k, _(c["label"]))
            for k, c in STANDARD_CONDITIONS.items()
            if k not in template.conditions
        ]
        condition.choices = own + standard
        controls.choices = [(c.key, f"{c.group_label} — {c.label}") for c in Control.objects.all()]
        self.fields["controls"].widget.attrs["size"] = 12


def item_edit(request, pk: int, key: str):
    template = access.get_form_to_manage(request, pk)
    item = get_object_or_404(template.items, key=key)
    initial = {"condition": item.condition, "controls": controls_of([item])[item.pk]}
    form = ItemForm(request.POST or None, initial=initial, template=template)
    if request.method == "POST" and form.is_valid():
        try:
            changed = actions.edit_item(
                actor=request.user,
                item=item,
                condition=form.cleaned_data["condition"],
                controls=form.cleaned_data["controls"],
            )
        except actions.FormFrozen as exc:
            form.add_error(None, str(exc))
        else:
            if changed:
                messages.success(request, _("No.%(n)s を変更しました。") % {"n": item.shown_number})
            return redirect("catalog:detail", template.pk)
    ctx = {"template": template, "item": item, "form": form}
    return render(request, "catalog/item.html", ctx, status=400 if form.errors else 200)


@require_POST
def publish(request, pk: int):
    template = access.get_form_to_manage(request, pk)
    try:
        actions.publish(actor=request.user, template=template)
    except actions.FormFrozen as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(form)s を公開しました。新しい確認票はこの版で作られます。") % {"form": template},
        )
    return redirect("catalog:detail", template.pk)


@require_POST
def new_version(request, pk: int):
    template = access.get_form_to_manage(request, pk, own=False)
    draft = actions.new_version(actor=request.user, template=template)
    messages.success(
        request, _("下書き %(form)s を作りました。変更してから公開してください。") % {"form": draft}
    )
    return redirect("catalog:detail", draft.pk)
