"""Test-wide set-up. Settings come from the environment, as in production."""

import os
import tempfile

# The suite runs with DEBUG off, as production does; these are throwaway values.
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop beside the ORM


def pytest_configure(config):
    from django.conf import settings

    # The manifest needs collectstatic; tests serve static files from the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.STATIC_ROOT = tempfile.mkdtemp(prefix="kakunin-static-")
    settings.PASSWORD_HASHERS = [
        # Fast hashing for the many users tests create; tests of storage check argon2 directly.
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]
