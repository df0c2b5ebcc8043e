"""Who is calling: a personal token (`Authorization: Token <key>`), or the browser's session
for the browsable docs — the session only once its second factor is given, as on every page."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from casefiles.services.api_tokens import api_token_user
from casefiles.twofactor import user_needs_second_factor


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """DRF's header parsing with our own tokens: hashed, revocable, per user."""

    keyword = "Token"

    def authenticate_credentials(self, key: str):
        found = api_token_user(key)
        if found is None:
            # The same answer for an unknown, revoked or deactivated user's key.
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        return found


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """The signed-in session, with CSRF checks on writes. The API views skip the login and
    second-factor middleware (they answer 401, not a redirect), so the second factor is
    asked here: a session that still owes it counts as not signed in."""

    def authenticate(self, request):
        found = super().authenticate(request)
        if found is None:
            return None
        user = found[0]
        if user_needs_second_factor(user) and not getattr(user, "is_verified", lambda: False)():
            return None
        return found


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "casefiles.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`; make a key on /account/api-tokens/.",
        }


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "casefiles.api.authentication.VerifiedSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
