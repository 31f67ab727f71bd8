"""A pytest plugin (loaded with -p, see pyproject.toml) that sets the test
environment before pytest-django imports the settings.

The suite runs with DEBUG off, as production does; these are throwaway values.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# Playwright's event loop runs beside the ORM in browser tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
