"""The provider's people (people.json) and its claims; mode.json names the one fault
the next ID token has: wrong_audience, expired or wrong_signature."""

import json
import os
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils import timezone
from jwcrypto import jwk, jwt
from oauth2_provider.oauth2_validators import OAuth2Validator

HERE = Path(os.environ["OIDC_PROVIDER_DIR"])


def people() -> dict:
    return json.loads((HERE / "people.json").read_text())


def mode() -> str:
    path = HERE / "mode.json"
    return json.loads(path.read_text()).get("mode", "") if path.exists() else ""


class PeopleBackend:
    def authenticate(self, request, username=None, password=None, **kwargs):
        person = people().get(username or "")
        if not person or person["password"] != password:
            return None
        user, _ = get_user_model().objects.get_or_create(username=username)
        return user

    def get_user(self, user_id):
        return get_user_model().objects.filter(pk=user_id).first()


class Validator(OAuth2Validator):
    oidc_claim_scope = None  # every claim, whatever the scopes

    def get_additional_claims(self, request):
        person = people()[request.user.username]
        return {
            "sub": person["sub"],
            "preferred_username": request.user.username,
            "name": person["name"],
            "email": person["email"],
            "groups": person["groups"],
        }

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration = super().get_id_token_dictionary(token, token_handler, request)
        if mode() == "wrong_audience":
            claims["aud"] = "another-client"
        elif mode() == "expired":
            past = timezone.now() - timedelta(hours=2)
            claims["iat"], claims["exp"] = int(past.timestamp()), int(past.timestamp()) + 600
        return claims, expiration

    def finalize_id_token(self, id_token, token, token_handler, request):
        signed = super().finalize_id_token(id_token, token, token_handler, request)
        if mode() != "wrong_signature":
            return signed
        # The same header (its kid names the provider's key) and claims, signed by another key.
        token = jwt.JWT(jwt=signed)
        other = jwk.JWK.generate(kty="RSA", size=2048)
        forged = jwt.JWT(
            header=token.token.jose_header, claims=token.token.objects["payload"].decode()
        )
        forged.make_signed_token(other)
        return forged.serialize()
