"""Issuing, using, revoking and expiring tokens: each audited in its own transaction."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kakunin.api.models import MAX_DAYS, Token, digest, new_secret
from kakunin.audit.trail import record
from kakunin.notifications.actions import notify
from kakunin.notifications.models import Kind
from kakunin.tenants.active import current_id_for, everywhere
from kakunin.tenants.models import Municipality

# last_used_at is written at most this often (a token in a busy pipeline would
# otherwise write a row on every request).
TOUCH_EVERY = timedelta(minutes=1)


@transaction.atomic
def issue_token(
    *, actor, user, name: str, days: int, read_only: bool, with_totp: bool
) -> tuple[Token, str]:
    """A new token for `user`; returns it with its secret, which is never kept."""
    name = name.strip()
    if not name:
        raise ValidationError(_("トークンの名前を入力してください。"))
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(_("有効期限は 1〜%(max)d 日で指定してください。") % {"max": MAX_DAYS})
    if not user.is_active:
        raise ValidationError(_("無効な利用者にはトークンを発行できません。"))
    if user.needs_mfa and not with_totp:
        raise ValidationError(
            _(
                "このロールのトークンは、二要素認証（TOTP）でログインした画面から本人が発行してください。"
            )
        )
    municipality = _municipality_for(user)
    secret = new_secret()
    token = Token.objects.create(
        user=user,
        municipality_id=municipality,
        name=name[:100],
        digest=digest(secret),
        hint=secret[:8],
        read_only=read_only,
        with_totp=with_totp,
        expires_at=timezone.now() + timedelta(days=days),
    )
    record(
        "api_token.create",
        token,
        actor=actor,
        changes={
            "name": [None, token.name],
            "scope": [None, token.scope],
            "expires_at": [None, token.expires_at.isoformat()],
        },
    )
    return token, secret


def note_use(token: Token, ip: str | None) -> None:
    """Remember when and from where the token was used; the first use is audited."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    first = token.last_used_at is None
    with transaction.atomic():
        # Only one request records the first use, however many arrive together.
        updated = Token.objects.filter(pk=token.pk, last_used_at=token.last_used_at).update(
            last_used_at=now, last_used_ip=ip
        )
        if updated and first:
            record("api_token.first_use", token, actor=token.user, changes={"ip": [None, ip]})
    token.last_used_at, token.last_used_ip = now, ip


@transaction.atomic
def revoke_token(*, actor, token: Token, reason: str = "") -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    changes = {"name": [token.name, None]} | ({"reason": [None, reason]} if reason else {})
    record("api_token.revoke", token, actor=actor, changes=changes)


def revoke_all(*, actor, user, reason: str) -> int:
    """Every live token of the person, revoked when their credentials change
    (accounts.credentials): a token must not outlive the password it was issued under.
    The person is told, in the app and by e-mail. Returns how many."""
    live = list(user.api_tokens.live())
    for token in live:
        revoke_token(actor=actor, token=token, reason=reason)
    if live:
        url = reverse("tokens:index")
        names = ", ".join(t.name for t in live)
        context = {"n": len(live), "names": names, "why": reason, "url": url}
        notify([user], Kind.TOKENS_REVOKED, context, url=url)
    return len(live)


def record_expired() -> int:
    """Write each token's expiry to the audit trail once (the daily job)."""
    now, done = timezone.now(), 0
    due = Token.objects.filter(
        expires_at__lte=now, expiry_recorded_at__isnull=True, revoked_at__isnull=True
    )
    for token in due:
        with transaction.atomic():
            if Token.objects.filter(pk=token.pk, expiry_recorded_at__isnull=True).update(
                expiry_recorded_at=now
            ):
                record(
                    "api_token.expire",
                    token,
                    changes={"expires_at": [token.expires_at.isoformat(), None]},
                )
                done += 1
    return done


def _municipality_for(user) -> int | None:
    """The municipality a new token works in: the one worked in, a member of the ward's
    staff's own, or the only one a vendor person works for (none: a token that sees
    nothing). A vendor person working for several must say which (on the web: the one
    they switched to)."""
    if municipality := current_id_for(user):
        return municipality
    with everywhere():
        theirs = list(
            Municipality.objects.filter(systems__memberships__user=user)
            .distinct()
            .values_list("pk", flat=True)[:2]
        )
    if len(theirs) > 1:
        raise ValidationError(
            _("%(name)s さんは複数の団体で作業しています。トークンを使う団体を指定してください。")
            % {"name": user}
        )
    return theirs[0] if theirs else None
