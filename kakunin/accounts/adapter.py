from allauth.account.adapter import DefaultAccountAdapter

from kakunin.accounts import actions


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Administrators issue every account: one named person, one ID.
        return False

    def set_password(self, user, password) -> None:
        """Every password change or reset goes through here (allauth's own hook)."""
        super().set_password(user, password)
        actions.password_changed(user=user)
