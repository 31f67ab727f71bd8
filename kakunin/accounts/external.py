"""What an upper app knows of an account that accounts does not: registered from the
app's AppConfig.ready() (the directory a municipality signs its staff in through),
read here; accounts never names the app."""

from collections.abc import Callable

_STATES: list[Callable] = []
_MFA_RULES: list[Callable] = []


def register_state(state: Callable) -> None:
    """`state(users) -> {user pk: (words, finding or "")}`: where the accounts are kept
    and what that says of them (the account review shows it beside each)."""
    if state not in _STATES:
        _STATES.append(state)


def states_of(users) -> dict[int, tuple[str, str]]:
    found: dict[int, tuple[str, str]] = {}
    for state in _STATES:
        found.update(state(users))
    return found


def register_mfa_rule(rule: Callable) -> None:
    """`rule(user) -> bool | None`: whether this person needs a second factor (None: no
    opinion, the settings decide)."""
    if rule not in _MFA_RULES:
        _MFA_RULES.append(rule)


def mfa_rule(user) -> bool | None:
    for rule in _MFA_RULES:
        decided = rule(user)
        if decided is not None:
            return decided
    return None
