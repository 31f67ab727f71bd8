from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_credentials

from kakunin.accounts import lockout
from kakunin.audit.middleware import client_ip


class AuthenticationBackend(AllauthBackend):
    """allauth's backend, except that a disabled account fails like a wrong password.

    allauth remembers a disabled user whose password matched and shows an
    "account inactive" page: that page would tell a stranger the password was
    right (login-error-message). Remembering nothing gives the one generic message.
    """

    @classmethod
    def _stash_user(cls, user):
        return None


class LockoutBackend(AxesStandaloneBackend):
    """First of the backends: refuses every attempt on a locked account (django-axes)
    and from an address throttled for spraying (kakunin.accounts.lockout).

    A refused attempt is marked on the request (`kakunin_refused`), so that the
    audit trail records it as a refusal, not as a new failure or a new lock.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is not None and lockout.address_locked(client_ip(request)):
            request.kakunin_refused = "address"
            request.axes_locked_out = True
            request.axes_credentials = get_credentials(username=username, **kwargs)
            raise AxesBackendPermissionDenied("the address is throttled (password spraying)")
        try:
            return super().authenticate(request, username, password, **kwargs)
        except AxesBackendPermissionDenied:
            request.kakunin_refused = "account"
            raise
