"""Test-wide set-up. The environment is set by testsupport/pytest_env.py."""

import tempfile

import pytest
from django.conf import settings
from django.utils import translation


def pytest_configure(config):
    # The manifest needs collectstatic; tests serve static files from the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.STATIC_ROOT = tempfile.mkdtemp(prefix="kakunin-static-")
    # Files the tests write go to throwaway folders, never to var/.
    settings.EVIDENCE_DIR = tempfile.mkdtemp(prefix="kakunin-evidence-")
    settings.AUDIT_ARCHIVE_DIR = tempfile.mkdtemp(prefix="kakunin-archive-")

    settings.PASSWORD_HASHERS = [
        # Fast hashing for the many users tests create; tests of storage check argon2 directly.
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def _japanese_to_start_with():
    """Each test starts in the site's language. A request leaves the language it
    activated in the thread (as in Django; each real request activates its own), and
    an English page in one test would make the next test's strings English."""

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _nothing_kept_from_the_last_test():
    """What the last test's pages kept in this process (core/kept.py) goes with its
    database: a test that starts afresh (cache.clear()) starts with nothing kept."""
    from kakunin.core import kept

    kept.forget()


@pytest.fixture(autouse=True, scope="session")
def _the_tests_own_set_up_sees_every_municipality():
    """What a test sets up and asserts reads the database directly, across
    municipalities, as the service itself does (kakunin.tenants.active.everywhere).
    Every request, command and job the test runs activates its own municipality as
    it does in production; the tests of isolation activate one themselves."""
    from django_scopes import scopes_disabled

    with scopes_disabled():
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL the suite runs as the application does in production: as a role
    that owns no table and is no superuser, so that row-level security binds every
    query the tests make (kakunin.tenants.rls). The test database was migrated by the
    login, its owner."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    from testsupport.rls import give_the_role_back, take_the_applications_role

    with django_db_blocker.unblock():
        take_the_applications_role()
    yield
    with django_db_blocker.unblock():
        give_the_role_back()  # the login drops the test database
