"""Group → role and group → department: written one per line (`role: group`,
`department: group`), checked, and applied to the groups a person is in."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kakunin.accounts.models import WARD_ROLES, Organisation, Role

# The roles a directory may give: the ward's (never a vendor's, never the operator's).
DIRECTORY_ROLES = [r for r in Role.values if r in WARD_ROLES]


def same(group: str) -> str:
    """Groups compare without case and without spaces after a DN's commas."""
    return ",".join(part.strip() for part in str(group).split(",")).casefold()


def _lines(text: str):
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, group = line.partition(":")
        if not sep or not name.strip() or not group.strip():
            raise ValidationError(
                _("%(n)s 行目: 「名前: グループ」の形で書いてください。") % {"n": number}
            )
        yield number, name.strip(), group.strip()


def parse_roles(text: str) -> dict[str, list[str]]:
    """`reviewer: CN=…` per line → {role: [group, …]}. A group given two roles is refused."""
    roles: dict[str, list[str]] = {}
    seen: dict[str, str] = {}
    for number, role, group in _lines(text):
        if role not in DIRECTORY_ROLES:
            raise ValidationError(
                _("%(n)s 行目: 「%(role)s」はロールではありません（%(roles)s のいずれか）。")
                % {"n": number, "role": role, "roles": ", ".join(DIRECTORY_ROLES)}
            )
        other = seen.get(same(group))
        if other and other != role:
            raise ValidationError(
                _("グループ「%(group)s」が2つのロール（%(a)s、%(b)s）に割り当てられています。")
                % {"group": group, "a": Role(other).label, "b": Role(role).label}
            )
        seen[same(group)] = role
        roles.setdefault(role, []).append(group)
    return roles


def parse_departments(text: str, municipality) -> dict[str, int]:
    """`情報政策課: CN=…` per line → {group: department pk}, the municipality's own departments."""
    departments = {
        d.name: d.pk
        for d in Organisation.objects.filter(kind=Organisation.Kind.WARD, municipality=municipality)
    }
    mapped: dict[str, int] = {}
    for number, name, group in _lines(text):
        if name not in departments:
            raise ValidationError(
                _("%(n)s 行目: 部署「%(name)s」は登録されていません。")
                % {"n": number, "name": name}
            )
        if same(group) in {same(g) for g in mapped} and mapped.get(group) != departments[name]:
            raise ValidationError(
                _("グループ「%(group)s」が2つの部署に割り当てられています。") % {"group": group}
            )
        mapped[group] = departments[name]
    return mapped


def roles_text(roles: dict) -> str:
    return "\n".join(f"{role}: {group}" for role, groups in roles.items() for group in groups)


def departments_text(departments: dict) -> str:
    names = dict(Organisation.objects.filter(pk__in=departments.values()).values_list("pk", "name"))
    return "\n".join(f"{names.get(pk, pk)}: {group}" for group, pk in departments.items())


@dataclass
class Placement:
    role: str = ""
    department_id: int | None = None
    problem: str = ""  # a refusal's code (no_role, two_roles, two_departments, no_department)


def place(directory, groups: list[str]) -> Placement:
    """The role and department a person's groups give them."""
    mine = {same(g) for g in groups}
    roles = sorted(
        {role for role, gs in directory.role_groups.items() for g in gs if same(g) in mine}
    )
    departments = sorted({pk for g, pk in directory.department_groups.items() if same(g) in mine})
    if not roles:
        return Placement(problem="no_role")
    if len(roles) > 1:
        return Placement(problem="two_roles")
    if len(departments) > 1:
        return Placement(problem="two_departments")
    role = roles[0]
    department = departments[0] if departments else None
    if role in (Role.REVIEWER, Role.DEPARTMENT) and department is None:
        return Placement(problem="no_department")
    return Placement(role=role, department_id=department)
