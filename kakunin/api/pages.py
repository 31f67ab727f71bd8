"""The person's own API tokens on the web: list, issue (the secret shown once, on this
response only), revoke."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kakunin import access
from kakunin.api import actions
from kakunin.api.forms import TokenForm


def _page(request, form, issued=None, status=200):
    tokens = request.user.api_tokens.all()
    ctx = {"tokens": tokens, "form": form, "issued": issued}
    return render(request, "api/tokens.html", ctx, status=status)


def tokens(request):
    return _page(request, TokenForm(request=request))


@require_POST
def issue(request):
    form = TokenForm(request.POST, request=request)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        token, secret = actions.issue_token(
            actor=request.user, user=request.user, name=form.cleaned_data["name"],
            days=form.cleaned_data["days"], read_only=form.cleaned_data["read_only"],
            with_totp=form.with_totp,
        )  # fmt: skip
    except ValidationError as exc:
        form.add_error(None, exc)
        return _page(request, form, status=400)
    return _page(request, TokenForm(request=request), issued={"token": token, "secret": secret})


@require_POST
def revoke(request, pk: int):
    token = access.get_own_token(request, pk)
    actions.revoke_token(actor=request.user, token=token)
    messages.success(request, _("トークン「%(name)s」を取り消しました。") % {"name": token.name})
    return redirect("tokens:index")
