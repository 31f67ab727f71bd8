from django.conf import settings


def site(request):
    return {"SITE_NAME": settings.SITE_NAME, "password_max_age": settings.PASSWORD_MAX_AGE_DAYS}
