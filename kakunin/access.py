"""The one access gate: who sees and who does what, for every view.

Views start with one of the get_*_for_user functions or a can_* predicate. An
object the user may not see answers 404 (its existence is not revealed); an
object the user may see but not change answers 403. Templates read the same
predicates (through `menu()` and the view's context), never a role.

| role        | sees systems                 | profile, creates | writes answers     | verdicts, comments         | returns, approves | grants access to a system           |
|-------------|------------------------------|------------------|--------------------|----------------------------|-------------------|-------------------------------------|
| admin       | all (read-only)              | no               | no                 | no                         | no                | no (issues accounts)                |
| reviewer    | all                          | yes              | never              | verdicts and comments      | yes               | any system                          |
| department  | its department's systems     | its department's | every applicable   | comments; verdicts when    | no                | its department's systems            |
|             |                              |                  | item               | DEPARTMENT_REVIEWS is on   |                   |                                     |
| vendor      | the systems it is a member   | no               | vendor items       | comments                   | no                | a company manager: colleagues, to   |
|             | of, while its company is one |                  |                    |                            |                   | the systems the manager works on    |
|             | of the system's vendors      |                  |                    |                            |                   |                                     |
| auditor     | all (read-only)              | no               | no                 | no                         | no                | no                                  |

Separation of duties: whoever judges answers (reviewers) never writes them; the
vendor and the owning department write them.

Granting access. Belonging to a vendor company gives no system by itself: a person
sees a system once granted it (systems.Membership). An inviter may only grant what
the inviter holds:
- a department invites people, or adds people of the system's vendor companies,
  to its own systems only;
- a vendor company's manager adds colleagues to the systems the manager works on;
- a security reviewer may grant any system.
Adding a vendor company to a system is a change of the system's profile (audited,
shown on the system's page), never a side effect of an invitation.

A system's operating data (the software inventory, kakunin.inventory; the records
of its operating years, kakunin.records; its yearly report, kakunin.reports) is
kept like the answers: the vendor people of the system and the owning department
write it; everyone who sees the system reads it; whoever works on it comments. The
yearly report is judged, returned and approved as an assessment is. The lists all
systems are checked against (end of life, vulnerability feeds, ISMAP) are imported
by the security reviewers.

A vendor company's answer library (回答マスタ) is its own people's: nobody else, not
a municipality's staff, not the operator, sees it (a 404); its administrator approves
its entries; the vendor people who answer an assessment fill it from the library, and
the municipality sees only what was filled, and where it came from.

Administrators manage users and settings; they do not fill checklists. The audit
trail is read by auditors, reviewers and administrators; security alerts by
reviewers and administrators; user management answers only from
ADMIN_ALLOWED_NETWORKS (admin-interface-restriction) and is a 404 elsewhere.
"""

import ipaddress

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from kakunin.accounts.models import Organisation, Role, User
from kakunin.assessments import workflow
from kakunin.assessments.models import AnswerScope, Assessment
from kakunin.audit.middleware import client_ip
from kakunin.catalog.models import Template
from kakunin.systems.models import AccessRequest, Membership, System
from kakunin.tenants.active import current_id_for, everywhere
from kakunin.tenants.models import Municipality


def municipalities_of(user):
    """The municipalities a person works for: a member of the ward's staff their own; a
    vendor person each municipality that gave them a system (an invitation, a grant)."""
    if not user.is_authenticated or not user.is_active:
        return Municipality.objects.none()
    if user.role == Role.VENDOR:
        # Across municipalities, as the service: their systems are in several.
        with everywhere():
            theirs = list(
                Membership.objects.filter(user=user)
                .order_by()  # not by the memberships' ordering: one row a municipality
                .values_list("system__municipality_id", flat=True)
                .distinct()
            )
        return Municipality.objects.filter(pk__in=theirs)
    return Municipality.objects.filter(pk=user.municipality_id)


def get_municipality_for_user(user, code: str) -> Municipality:
    """One of the person's municipalities by its code; any other is a 404 (its
    existence is not revealed)."""
    return get_object_or_404(municipalities_of(user), code=code)


def visible_systems(user):
    return System.objects.visible_to(user)


def visible_assessments(user):
    return Assessment.objects.visible_to(user)


def can_see_system(user, system: System) -> bool:
    """For one system already loaded: the rule of System.objects.visible_to, asked in
    Python (with at most the one membership query that is_member keeps). The access
    tests hold the two to the same answer for every role."""
    if not user.is_authenticated or not user.is_active:
        return False
    if system.municipality_id != current_id_for(user):
        return False
    if user.role in (Role.ADMIN, Role.REVIEWER, Role.AUDITOR):
        return True
    if user.role == Role.DEPARTMENT:
        return bool(user.organisation_id) and system.department_id == user.organisation_id
    return bool(user.organisation_id) and is_member(user, system)


def can_create_system(user) -> bool:
    return user.has_role(Role.REVIEWER, Role.DEPARTMENT)


def owns(user, system: System) -> bool:
    """Staff of the department that owns the system."""
    return user.has_role(Role.DEPARTMENT) and system.department_id == user.organisation_id


def can_edit_system(user, system: System) -> bool:
    return user.has_role(Role.REVIEWER) or owns(user, system)


def editable_systems(user):
    """The systems whose profile, assessments and people this user manages."""
    if user.has_role(Role.REVIEWER):
        return System.objects.all()
    if user.has_role(Role.DEPARTMENT) and user.organisation_id:
        return System.objects.filter(department_id=user.organisation_id)
    return System.objects.none()


def is_member(user, system: System) -> bool:
    """A vendor person granted the system, whose company still serves it."""
    if not user.has_role(Role.VENDOR):
        return False
    # One query (the membership, and the company among the system's vendors), asked once
    # per person for this copy of the system: a page asks several rules that rest on it.
    known = system.__dict__.setdefault("_members_known", {})
    if user.pk not in known:
        known[user.pk] = _memberships(user).filter(system=system).exists()
    return known[user.pk]


def _memberships(user):
    return Membership.objects.filter(user=user, system__vendors=user.organisation_id)


def answer_scope(user, assessment: Assessment) -> AnswerScope:
    """The vendor and the owning department write answers; nobody else does."""
    if owns(user, assessment.system):
        return AnswerScope.ALL
    if is_member(user, assessment.system):
        return AnswerScope.VENDOR_ITEMS
    return AnswerScope.NONE


def can_edit_answer(user, assessment: Assessment, answer) -> bool:
    """Whether this user may change this answer (and its evidence) now: their scope
    allows the item, the item applies, and the assessment's state lets it change."""
    applies = assessment.template.evaluate(answer.item, assessment.system).applies
    return answer_scope(user, assessment).may_edit(assessment, answer, applies)


def can_edit_system_of(user, assessment: Assessment) -> bool:
    return can_edit_system(user, assessment.system)


def can_submit(user, assessment: Assessment) -> bool:
    """The vendor, or the owning department on its behalf, hands the answers in."""
    return assessment.can("submit") and answer_scope(user, assessment) is not AnswerScope.NONE


def can_review(user, assessment: Assessment) -> bool:
    """Security reviewers judge answers; the owning department too where the ward
    has the department look first (DEPARTMENT_REVIEWS)."""
    if user.has_role(Role.REVIEWER):
        return True
    return settings.DEPARTMENT_REVIEWS and owns(user, assessment.system)


def can_decide(user, assessment: Assessment) -> bool:
    """Returning and approving are the security reviewer's alone."""
    return user.has_role(Role.REVIEWER)


def can_comment(user, assessment: Assessment) -> bool:
    return (
        user.has_role(Role.REVIEWER)
        or owns(user, assessment.system)
        or is_member(user, assessment.system)
    )


# --- Granting access to a system ---------------------------------------------------


def can_invite(user, system: System) -> bool:
    """Inviting a new person (a new account) to the system."""
    return can_edit_system(user, system)


def can_grant(user, system: System) -> bool:
    """Adding or removing existing people of the system's vendor companies."""
    if can_edit_system(user, system):
        return True
    return user.is_active and user.manages_organisation and is_member(user, system)


def grantable_people(user, system: System):
    """Whom this user may add to the system: active vendor people of its vendor
    companies (a company manager: of the manager's own company only)."""
    if not can_grant(user, system):
        return User.objects.none()
    people = User.objects.filter(
        role=Role.VENDOR, is_active=True, organisation__in=system.vendors.all()
    ).exclude(memberships__system=system)
    if not can_edit_system(user, system):
        people = people.filter(organisation_id=user.organisation_id)
    return people.select_related("organisation")


def can_remove_member(user, system: System, member) -> bool:
    if can_edit_system(user, system):
        return True
    return can_grant(user, system) and member.organisation_id == user.organisation_id


def can_request_access(user, system: System) -> bool:
    """A vendor person asks the department to invite a colleague."""
    return is_member(user, system)


def departments_for(user):
    """The departments this user may register a system for (of the municipality)."""
    departments = Organisation.objects.filter(
        kind=Organisation.Kind.WARD, municipality=current_id_for(user)
    )
    if user.has_role(Role.REVIEWER):
        return departments
    if user.has_role(Role.DEPARTMENT):
        return departments.filter(pk=user.organisation_id)
    return departments.none()


def can_decide_access_requests(user) -> bool:
    """The page of colleagues' access requests: department staff and reviewers."""
    return user.has_role(Role.REVIEWER, Role.DEPARTMENT)


def can_keep_operations(user, system: System) -> bool:
    """A system's operating data (its software inventory, the responses to its
    vulnerabilities, the records of its operating years and its yearly report) is kept
    like the answers: by the vendor people of the system and the owning department."""
    return owns(user, system) or is_member(user, system)


def can_import_ward_lists(user) -> bool:
    """The lists every system is checked against (end of life, vulnerability feeds, the
    ISMAP cloud service list) and the yearly reports' due month: the security
    reviewers keep them."""
    return user.has_role(Role.REVIEWER)


def can_comment_records(user, system: System) -> bool:
    """Whoever works on the system comments: its vendor people, the owning department,
    the security reviewers (auditors and administrators read)."""
    return user.has_role(Role.REVIEWER) or owns(user, system) or is_member(user, system)


def can_submit_report(user, report) -> bool:
    """Whoever keeps the system's operating records hands its yearly report in."""
    return can_keep_operations(user, report.system)


def can_review_report(user, report) -> bool:
    """Verdicts on a yearly report's sections: as for an assessment's answers."""
    if user.has_role(Role.REVIEWER):
        return True
    return settings.DEPARTMENT_REVIEWS and owns(user, report.system)


def can_decide_report(user, report) -> bool:
    """Returning and approving a yearly report are the security reviewer's alone."""
    return user.has_role(Role.REVIEWER)


def gets_ward_copy(user) -> bool:
    """The ward's copy of the Excel form also carries the verdicts and comments."""
    return user.is_active and user.is_ward_staff


def uses_vendor_dashboard(user) -> bool:
    return user.has_role(Role.VENDOR)


def can_see_scan_authorisations(user) -> bool:
    """The test account of the active checks is the ward's business, not the vendor's."""
    return user.is_active and user.is_ward_staff


# --- Pages outside the systems ------------------------------------------------------


def can_keep_library(user) -> bool:
    """A vendor company's answer library (回答マスタ) is its people's: no municipality's
    staff and not the operator ever see it. What reaches a municipality is what the
    company's people put into its assessments."""
    return user.has_role(Role.VENDOR) and user.organisation_id is not None


def can_approve_library(user) -> bool:
    """The company's administrator approves its library's entries."""
    return can_keep_library(user) and user.manages_organisation


def can_fill_from_library(user, assessment: Assessment) -> bool:
    """The vendor people who answer the assessment fill it from their company's library."""
    return can_keep_library(user) and answer_scope(user, assessment) is not AnswerScope.NONE


def library_of(user, queryset):
    """The rows of `queryset` in the person's own company's library (the model names the
    way to its company, ORGANISATION_PATH); nothing for anyone else."""
    if not can_keep_library(user):
        return queryset.none()
    return queryset.filter(**{queryset.model.ORGANISATION_PATH: user.organisation_id})


def get_library_object_for_user(request, queryset, pk: int):
    """One object of the person's own company's library; another company's, or the
    library asked for by anyone who is not a vendor company's person, is a 404 (the
    library's consent: only its company reads it)."""
    require_visible(can_keep_library(request.user))
    return get_object_or_404(library_of(request.user, queryset), pk=pk)


def can_manage_users(user) -> bool:
    return user.has_role(Role.ADMIN)


def people_managed_by(user):
    """The accounts a municipality's administrator manages: its own staff, and the
    vendor people who work on its systems, whose account it issued, or who work for no
    municipality yet. Another municipality's staff, and vendor people it never dealt
    with, are not there (a 404)."""
    municipality = current_id_for(user)
    if not can_manage_users(user) or not municipality:
        return User.objects.none()
    return User.objects.managed_in(municipality)


def organisations_seen_by(user):
    """The municipality's departments, and the vendor companies (one list across the
    service: a company is registered once, by its 法人番号)."""
    return Organisation.objects.filter(
        Q(kind=Organisation.Kind.VENDOR) | Q(municipality_id=current_id_for(user))
    )


def can_read_forms(user) -> bool:
    """The forms (checklists) loaded, their versions and what changed between them:
    the ward's staff and the auditors."""
    return user.is_active and (user.is_ward_staff or user.has_role(Role.AUDITOR))


def can_manage_forms(user) -> bool:
    """Loading a municipality's own form from its Excel file, tagging, publishing a
    version: the security reviewers and the administrators."""
    return user.has_role(Role.REVIEWER, Role.ADMIN)


def can_operate(user) -> bool:
    """The service's operator: registers, suspends and watches municipalities, by their
    counts and sizes; never their data (in no municipality, every scoped query of theirs
    finds nothing)."""
    return user.has_role(Role.OPERATOR)


def require_operator(request) -> None:
    require_visible(can_operate(request.user))


def can_read_audit(user) -> bool:
    return user.has_role(Role.AUDITOR, Role.REVIEWER, Role.ADMIN)


def can_see_alerts(user) -> bool:
    """A municipality's reviewers and administrators its alerts; the operator the
    service's (Alert.objects.seen_in)."""
    return user.has_role(Role.REVIEWER, Role.ADMIN, Role.OPERATOR)


def menu(user) -> dict[str, bool]:
    """What the header offers this user (the templates read this, never a role)."""
    if not user.is_authenticated:
        return {}
    return {
        "users": can_manage_users(user),
        "audit": can_read_audit(user),
        "alerts": can_see_alerts(user),
        "forms": can_read_forms(user),
        "service": can_operate(user),
        "library": can_keep_library(user),
    }


# --- Getting objects for a request ---------------------------------------------------


def get_system_for_user(request, pk: int) -> System:
    return get_object_or_404(visible_systems(request.user), pk=pk)


def get_rw_system_for_user(request, pk: int) -> System:
    system = get_system_for_user(request, pk)
    if not can_edit_system(request.user, system):
        raise PermissionDenied
    return system


def get_operations_system_for_user(request, pk: int) -> System:
    """A system whose operating data (inventory, records, yearly report) this user may
    write (404 unseen, 403 read-only)."""
    system = get_system_for_user(request, pk)
    require(can_keep_operations(request.user, system))
    return system


def get_assessment_for_user(request, pk: int) -> Assessment:
    user = request.user
    qs = Assessment.objects.select_related("system", "template")
    vendor = user.is_authenticated and user.has_role(Role.VENDOR)
    if vendor:  # is_member's answer in the same query (one round trip less a page)
        qs = qs.annotate(member=Exists(_memberships(user).filter(system=OuterRef("system"))))
    try:  # get(): no ORDER BY to build, where first() adds one
        assessment = qs.get(pk=pk)
    except Assessment.DoesNotExist:
        raise Http404 from None
    if vendor:
        assessment.system.__dict__.setdefault("_members_known", {})[user.pk] = assessment.member  # type: ignore[attr-defined]  # (the annotation)
    if not can_see_system(user, assessment.system):
        raise Http404
    return assessment


def get_rw_assessment_for_user(request, pk: int) -> Assessment:
    """An assessment the user may answer at least part of."""
    assessment = get_assessment_for_user(request, pk)
    if answer_scope(request.user, assessment) is AnswerScope.NONE:
        raise PermissionDenied
    return assessment


def get_answer_for_user(request, pk: int, key: str, allowed=None):
    """One answer of a visible assessment (404 otherwise); `allowed(user, assessment)`
    decides whether the user may act on it (403 otherwise)."""
    assessment = get_assessment_for_user(request, pk)
    if allowed is not None:
        require(allowed(request.user, assessment))
    answer = assessment.answers.select_related("item", "updated_by").filter(item__key=key).first()
    if answer is None:
        raise Http404
    answer.assessment = assessment
    return answer


def get_rw_answer_for_user(request, pk: int, key: str):
    """An answer this user may change now, evidence included (403 otherwise)."""
    return answer_to_edit(request, pk, key)[0]


def answer_to_edit(request, pk: int, key: str) -> tuple:
    """An answer this user may change now (403 otherwise), and whose answers they write
    (their AnswerScope): all an autosave asks of the gate, in one question."""
    answer = get_answer_for_user(request, pk, key)
    assessment = answer.assessment
    scope = answer_scope(request.user, assessment)
    applies = assessment.template.evaluate(answer.item, assessment.system).applies
    require(scope.may_edit(assessment, answer, applies))
    return answer, scope


def get_own_token(request, pk: int):
    """One of the person's own API tokens; anyone else's is a 404."""
    token = request.user.api_tokens.filter(pk=pk).first()
    if token is None:
        raise Http404
    return token


def get_access_request_for_user(request, pk: int) -> AccessRequest:
    """An access request of a system the user may edit: others are a 404."""
    return get_object_or_404(
        AccessRequest.objects.select_related("system"),
        pk=pk,
        system__in=editable_systems(request.user),
    )


def step(user, thing, name: str) -> workflow.Step:
    """A step of a reviewed thing (workflow.STEPS), when this person may take it: a
    step the thing does not have is a 404, one the person may not take a 403."""
    step = workflow.steps_of(thing).get(name)
    if step is None:
        raise Http404
    require(step.allowed(user, thing))
    return step


def get_form_for_user(request, pk: int) -> Template:
    """A form (one version), for whoever may read the forms; 404 for the others."""
    require_visible(can_read_forms(request.user))
    return get_object_or_404(Template, pk=pk)


def can_change_form(user, form: Template) -> bool:
    """A form's items, levels and publication change in its own municipality only."""
    return can_manage_forms(user) and form.municipality_id == current_id_for(user)


def get_form_to_manage(request, pk: int, own: bool = True) -> Template:
    """A form this person changes: their municipality's own (`own=False`: also the
    service's, of which they make their own new version)."""
    form = get_form_for_user(request, pk)
    require(can_manage_forms(request.user))
    require(not own or can_change_form(request.user, form))
    return form


def require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied


def require_visible(condition: bool) -> None:
    """For pages whose very existence is not for this user: a 404, not a 403."""
    if not condition:
        raise Http404


def from_admin_network(request) -> bool:
    """Whether the client is on a network allowed to reach user management (admin-interface-restriction)."""
    address = client_ip(request)
    if not address:
        return False
    ip = ipaddress.ip_address(address)
    # The municipality's own networks where it set them, else the service's.
    municipality = getattr(request, "municipality", None)
    networks = municipality.allowed_networks if municipality else settings.ADMIN_ALLOWED_NETWORKS
    return any(ip in ipaddress.ip_network(net, strict=False) for net in networks)


def require_user_admin(request) -> None:
    """User management: administrators, from an allowed network. Elsewhere it does not exist."""
    if not can_manage_users(request.user) or not from_admin_network(request):
        raise Http404
