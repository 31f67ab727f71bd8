"""Migrate the provider's database and register Kakunin as its client (argv: client id,
secret, redirect URIs separated by spaces)."""

import sys

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402

call_command("migrate", verbosity=0)
client_id, secret, redirects = sys.argv[1:4]
Application.objects.update_or_create(
    client_id=client_id,
    defaults={
        "name": "Kakunin",
        "client_secret": secret,
        "client_type": Application.CLIENT_CONFIDENTIAL,
        "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
        "redirect_uris": redirects,
        "algorithm": Application.RS256_ALGORITHM,
        "skip_authorization": True,
    },
)
