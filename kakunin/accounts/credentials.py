"""What else ends when a person's credentials change (a new password, one reset by an
administrator, the account disabled): the upper apps register what they hold for the
person (the REST API its tokens) from their AppConfig.ready(), and the accounts'
actions call them in the change's own transaction. Accounts never names them."""

from collections.abc import Callable

# Why the credentials changed (codes, kept in the audit trail; not passwords).
PASSWORD_CHANGED = "password_changed"  # noqa: S105
PASSWORD_RESET = "password_reset"  # noqa: S105
DISABLED = "disabled"

_ENDERS: list[Callable] = []


def register(ender: Callable) -> None:
    """`ender(actor=…, user=…, reason=…)`: ends what it holds for the person."""
    if ender not in _ENDERS:
        _ENDERS.append(ender)


def changed(*, actor, user, reason: str) -> None:
    for ender in _ENDERS:
        ender(actor=actor, user=user, reason=reason)
