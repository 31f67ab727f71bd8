from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kakunin.accounts import access, actions
from kakunin.accounts.forms import DisableForm, OrganisationForm, UserForm
from kakunin.accounts.models import Organisation, User


def users(request):
    access.require_user_admin(request)
    qs = User.objects.select_related("organisation", "issued_by").order_by("-is_active", "username")
    return render(request, "accounts/users.html", {"users": qs})


def user_create(request):
    access.require_user_admin(request)
    form = UserForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user, password = actions.create_user(actor=request.user, data=form.cleaned_data)
        return render(request, "accounts/issued.html", {"issued": user, "password": password})
    return render(request, "accounts/user_form.html", {"form": form})


def user_edit(request, pk: int):
    access.require_user_admin(request)
    user = get_object_or_404(User, pk=pk)
    form = UserForm(request.POST if request.method == "POST" else None, instance=user)
    if request.method == "POST" and form.is_valid():
        if actions.update_user(actor=request.user, user=user, data=form.cleaned_data):
            messages.success(request, _("利用者の情報を更新しました。"))
        return redirect("accounts:users")
    ctx = {"form": form, "edited": user, "disable_form": DisableForm()}
    return render(request, "accounts/user_form.html", ctx)


@require_POST
def user_disable(request, pk: int):
    access.require_user_admin(request)
    user = get_object_or_404(User, pk=pk)
    form = DisableForm(request.POST)
    if user == request.user:
        messages.error(request, _("自分自身のアカウントは無効化できません。"))
    elif not form.is_valid():
        messages.error(request, _("無効化の理由を300文字以内で入力してください。"))
    else:
        actions.disable_user(actor=request.user, user=user, reason=form.cleaned_data["reason"])
        messages.success(request, _("%(name)s を無効化しました。") % {"name": user})
    return redirect("accounts:user_edit", user.pk)


@require_POST
def user_enable(request, pk: int):
    access.require_user_admin(request)
    user = get_object_or_404(User, pk=pk)
    actions.enable_user(actor=request.user, user=user)
    messages.success(request, _("%(name)s を有効にしました。") % {"name": user})
    return redirect("accounts:user_edit", user.pk)


@require_POST
def user_reset_password(request, pk: int):
    access.require_user_admin(request)
    user = get_object_or_404(User, pk=pk)
    password = actions.reset_password(actor=request.user, user=user)
    return render(request, "accounts/issued.html", {"issued": user, "password": password})


def organisations(request):
    access.require_user_admin(request)
    form = OrganisationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        actions.create_organisation(actor=request.user, **form.cleaned_data)
        messages.success(request, _("組織を登録しました。"))
        return redirect("accounts:organisations")
    ctx = {"form": form, "organisations": Organisation.objects.annotate(n_users=Count("users"))}
    return render(request, "accounts/organisations.html", ctx)
