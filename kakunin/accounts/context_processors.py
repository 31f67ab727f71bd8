from kakunin import access


def menu(request):
    """What the header offers this user, decided by the access gate."""
    user = getattr(request, "user", None)
    return {"menu": access.menu(user) if user is not None else {}}
