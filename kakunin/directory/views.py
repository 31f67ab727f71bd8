"""The municipality's directory, for its administrators (user management's networks
only): the settings, a test against the server, the accounts it keeps and its latest
refusals in words."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kakunin import access
from kakunin.audit.models import Event
from kakunin.directory import actions, ldap, oidc
from kakunin.directory.forms import DirectoryForm, ProbeForm, discovery_problem
from kakunin.directory.models import Directory
from kakunin.tenants.active import current


def _directory(request) -> Directory:
    access.require_user_admin(request)
    municipality = current()
    if municipality is None:
        raise Http404
    found = Directory.objects.filter(municipality=municipality).first()
    return found or Directory(municipality=municipality, kind=Directory.Kind.LDAP)


def _tried(directory: Directory) -> list[str]:
    """What stops these settings working, tried against the server ([] if nothing)."""
    if directory.kind == Directory.Kind.LDAP:
        return [words for ok, words in ldap.probe(directory) if not ok]
    problem = discovery_problem(directory)
    return [problem] if problem else []


def settings_page(request):
    directory = _directory(request)
    form = DirectoryForm(
        request.POST if request.method == "POST" else None,
        instance=directory,
        municipality=directory.municipality,
    )
    if request.method == "POST" and form.is_valid():
        changed = form.changed()
        candidate = form.save(commit=False)
        candidate.role_groups = form.cleaned_data["roles"]
        candidate.department_groups = form.cleaned_data["departments"]
        problems = _tried(candidate) if candidate.enabled else []
        if problems:
            for problem in problems:
                form.add_error(None, problem)
        else:
            actions.configure(actor=request.user, directory=candidate, changed=changed)
            messages.success(request, _("ディレクトリの設定を保存しました。"))
            return redirect("directory:settings")
    return render(request, "directory/settings.html", _context(directory, form, ProbeForm()))


@require_POST
def probe(request):
    directory = _directory(request)
    form = ProbeForm(request.POST)
    steps = []
    if directory.pk is None:
        messages.error(request, _("先に設定を保存してください。"))
    elif form.is_valid():
        if directory.kind == Directory.Kind.LDAP:
            steps = ldap.probe(directory, form.cleaned_data["login"])
        else:
            problem = discovery_problem(directory)
            steps = [(not problem, problem or _("提供者の設定（discovery）を読めました。"))]
    settings_form = DirectoryForm(instance=directory, municipality=directory.municipality)
    return render(
        request, "directory/settings.html", _context(directory, settings_form, form, steps)
    )


def _context(directory, form, probe_form, steps=()):
    failures = []
    if directory.pk:
        events = Event.objects.filter(
            action="auth.directory_failed", municipality=directory.municipality_id
        ).order_by("-seq")[:20]
        for event in events:
            reason = event.changes.get("reason", "error")
            words = _(actions.REASONS.get(reason, actions.REASONS["error"]))
            failures.append(
                (event, words, event.changes.get("login", ""), event.changes.get("detail", ""))
            )
    accounts = directory.accounts.select_related("user").order_by("login") if directory.pk else []
    return {
        "directory": directory,
        "form": form,
        "probe_form": probe_form,
        "steps": steps,
        "failures": failures,
        "accounts": accounts,
    }


@login_not_required
def oidc_start(request, code: str):
    """The sign-in page's button for a municipality's OpenID Connect provider."""
    directory = oidc.directories(f"m{code}").first()
    if directory is None:
        raise Http404
    response = render(request, "directory/oidc_start.html", {"directory": directory})
    # The button's POST is answered by a redirect to the provider: CSP's form-action
    # follows redirects, so the provider's origin is allowed on this page only.
    parts = urlsplit(directory.issuer)
    response._csp_update = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}  # type: ignore[attr-defined]
    return response


@login_not_required
def not_here(request):
    """allauth's pages for connecting accounts and signing up through a provider: a
    directory sign-in is placed by the directory, never connected or signed up."""
    raise Http404


oidc_login = login_not_required(oidc.login)
oidc_callback = login_not_required(oidc.callback)
