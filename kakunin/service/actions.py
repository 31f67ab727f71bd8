"""Audited writes of the service operator: a municipality registered with its first
administrator, suspended, resumed. None of them reads a municipality's data."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kakunin.accounts import actions as accounts
from kakunin.accounts.models import Role, User
from kakunin.audit.trail import record
from kakunin.tenants.codes import normalise_local_government_code
from kakunin.tenants.models import Municipality


def create_municipality(
    *, actor, code: str, name: str, admin_email: str
) -> tuple[Municipality, User, str]:
    """The municipality and its first administrator, who chooses their own ID, name and
    e-mail at the first login (individual-ids), with a one-time password returned once.
    Nothing is saved when anything is wrong (ValidationError, in the person's language)."""
    code = normalise_local_government_code(code)
    name = name.strip()
    if not name:
        raise ValidationError(_("団体名を入力してください。"))
    if found := Municipality.objects.filter(code=code).first():
        raise ValidationError(
            _("全国地方公共団体コード %(code)s の団体（%(name)s）は登録済みです。"),
            params={"code": code, "name": found.name},
        )
    admin_email = admin_email.strip()
    if User.objects.filter(email__iexact=admin_email).exists():
        raise ValidationError(
            _("メールアドレス %(email)s は別の利用者が使っています。"),
            params={"email": admin_email},
        )
    with transaction.atomic():
        municipality = Municipality(code=code, name=name)
        municipality.full_clean()
        municipality.save()
        admin, password = accounts.create_user(
            actor=actor,
            data={
                "username": f"admin-{code}",
                "email": admin_email,
                "full_name": _("%(name)s 初期管理者") % {"name": name},
                "role": Role.ADMIN,
                "municipality": municipality,
                "must_choose_id": True,
            },
        )
        record(
            "municipality.create",
            municipality,
            actor=actor,
            changes={
                "code": [None, code],
                "name": [None, name],
                "administrator": [None, admin.username],
            },
        )
    return municipality, admin, password


@transaction.atomic
def suspend_municipality(*, actor, municipality: Municipality) -> None:
    municipality.suspended_at = timezone.now()
    municipality.save(update_fields=["suspended_at"])
    record("municipality.suspend", municipality, actor=actor, changes={"suspended": [False, True]})


@transaction.atomic
def resume_municipality(*, actor, municipality: Municipality) -> None:
    municipality.suspended_at = None
    municipality.save(update_fields=["suspended_at"])
    record("municipality.resume", municipality, actor=actor, changes={"suspended": [True, False]})
