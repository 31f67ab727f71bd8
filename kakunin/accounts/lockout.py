"""What django-axes counts failures against: the account, however it was named.

A person may log in with the user ID or the e-mail address; both lock the same
account. An identifier that matches no account is counted as typed, so that an
unknown name locks exactly like a known one (nothing to enumerate).
"""

from django.db.models import Q

from kakunin.accounts.models import User


def login_identifier(request, credentials) -> str:
    typed = ""
    if credentials:
        typed = credentials.get("username") or credentials.get("email") or ""
    if not typed and request is not None:
        typed = request.POST.get("login", "")
    typed = str(typed).strip()[:254]
    user = User.objects.filter(Q(username__iexact=typed) | Q(email__iexact=typed)).first()
    return user.username.lower() if user else typed.lower()
