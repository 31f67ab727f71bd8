from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend


class AuthenticationBackend(AllauthBackend):
    """allauth's backend, except that a disabled account fails like a wrong password.

    allauth remembers a disabled user whose password matched and shows an
    "account inactive" page: that page would tell a stranger the password was
    right (form item 43). Remembering nothing gives the one generic message.
    """

    @classmethod
    def _stash_user(cls, user):
        return None
