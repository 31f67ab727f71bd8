"""The one access gate: who sees and who edits which system and assessment.

Views start with one of the get_*_for_user functions. An object the user may
not see answers 404 (its existence is not revealed); an object the user may see
but not change answers 403.

| role        | sees systems             | edits profile, creates | edits answers          |
|-------------|--------------------------|------------------------|------------------------|
| admin       | all (read-only)          | no                     | no                     |
| reviewer    | all                      | yes                    | every applicable item  |
| department  | its department's systems | its department's       | every applicable item  |
| vendor      | systems it is a party to | no                     | vendor items only      |
| auditor     | all (read-only)          | no                     | no                     |

Administrators manage users and settings; they do not fill checklists.
"""

import enum
import ipaddress

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from kakunin.accounts.models import Role
from kakunin.assessments.models import Assessment
from kakunin.audit.middleware import client_ip
from kakunin.catalog.models import Item
from kakunin.systems.models import System

SEE_ALL = {Role.ADMIN, Role.REVIEWER, Role.AUDITOR}


def visible_systems(user):
    if not user.is_authenticated or not user.is_active:
        return System.objects.none()
    if user.role in SEE_ALL:
        return System.objects.all()
    if user.role == Role.DEPARTMENT and user.organisation_id:
        return System.objects.filter(department_id=user.organisation_id)
    if user.role == Role.VENDOR and user.organisation_id:
        return System.objects.filter(vendors=user.organisation_id)
    return System.objects.none()


def visible_assessments(user):
    return Assessment.objects.filter(system__in=visible_systems(user))


def can_create_system(user) -> bool:
    return user.has_role(Role.REVIEWER, Role.DEPARTMENT)


def can_edit_system(user, system: System) -> bool:
    if user.has_role(Role.REVIEWER):
        return True
    return user.has_role(Role.DEPARTMENT) and system.department_id == user.organisation_id


class AnswerScope(enum.Enum):
    """Which answers of one assessment a user may edit."""

    NONE = "none"
    VENDOR_ITEMS = "vendor"
    ALL = "all"

    def allows(self, item: Item, applies: bool) -> bool:
        """Only applicable items are edited; answers to the others are kept as they were."""
        if self is AnswerScope.ALL:
            return applies
        return self is AnswerScope.VENDOR_ITEMS and applies and not item.is_ward_item


def answer_scope(user, assessment: Assessment) -> AnswerScope:
    if can_edit_system(user, assessment.system):
        return AnswerScope.ALL
    if (
        user.has_role(Role.VENDOR)
        and assessment.system.vendors.filter(pk=user.organisation_id).exists()
    ):
        return AnswerScope.VENDOR_ITEMS
    return AnswerScope.NONE


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
    owner = (
        user.has_role(Role.DEPARTMENT) and assessment.system.department_id == user.organisation_id
    )
    return settings.DEPARTMENT_REVIEWS and owner


def can_decide(user, assessment: Assessment) -> bool:
    """Returning and approving are the security reviewer's alone."""
    return user.has_role(Role.REVIEWER)


def can_comment(user, assessment: Assessment) -> bool:
    return can_review(user, assessment) or answer_scope(user, assessment) is not AnswerScope.NONE


def can_manage_users(user) -> bool:
    return user.has_role(Role.ADMIN)


def get_system_for_user(request, pk: int) -> System:
    return get_object_or_404(visible_systems(request.user), pk=pk)


def get_rw_system_for_user(request, pk: int) -> System:
    system = get_system_for_user(request, pk)
    if not can_edit_system(request.user, system):
        raise PermissionDenied
    return system


def get_assessment_for_user(request, pk: int) -> Assessment:
    qs = visible_assessments(request.user).select_related("system", "template")
    return get_object_or_404(qs, pk=pk)


def get_rw_assessment_for_user(request, pk: int) -> Assessment:
    """An assessment the user may answer at least part of."""
    assessment = get_assessment_for_user(request, pk)
    if answer_scope(request.user, assessment) is AnswerScope.NONE:
        raise PermissionDenied
    return assessment


def require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied


def from_admin_network(request) -> bool:
    """Whether the client is on a network allowed to reach user management (item 39)."""
    address = client_ip(request)
    if not address:
        return False
    ip = ipaddress.ip_address(address)
    return any(
        ip in ipaddress.ip_network(net, strict=False) for net in settings.ADMIN_ALLOWED_NETWORKS
    )


def require_user_admin(request) -> None:
    """User management: administrators, from an allowed network. Elsewhere it does not exist."""
    if not can_manage_users(request.user) or not from_admin_network(request):
        raise Http404
