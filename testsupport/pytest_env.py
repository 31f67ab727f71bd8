"""A pytest plugin (loaded with -p, see pyproject.toml) that sets the test
environment before pytest-django imports the settings.

The suite runs with DEBUG off, as production does; these are throwaway values.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# Playwright's event loop runs beside the ORM in browser tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Throwaway AES-256 keys for the encrypted fields (32 bytes each, base64).
os.environ.setdefault(
    "FIELD_ENCRYPTION_KEYS",
    "test1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=,old:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=",
)
# Background jobs run at once, in the test's own transaction.
os.environ.setdefault("HUEY_IMMEDIATE", "true")
# The scanner's test servers listen on loopback only.
os.environ.setdefault("SCAN_ALLOW_LOOPBACK", "true")
