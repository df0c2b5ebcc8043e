"""Personal API tokens: made on the account page (the key shown once), revoked there."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from casefiles.models import ApiToken

# Recognisable in a leaked file or a secret scanner's rules.
KEY_PREFIX = "cf_"
PREFIX_SHOWN = 10  # "cf_" and the first characters of the random part
TOKENS_PER_USER_MAX = 20


def api_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; the key is returned once, only its hash is kept."""
    name = name.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Name the token after what will use it, e.g. “website list”."
    if (
        ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True).count()
        >= TOKENS_PER_USER_MAX
    ):
        errors["name"] = f"You have {TOKENS_PER_USER_MAX} active tokens; revoke one first."
    if errors:
        raise ValidationError(errors)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, key_hash=api_key_hash(key), prefix=key[:PREFIX_SHOWN])
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Stop a token working; saved (not updated in bulk) so history records who revoked it."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_user(key: str) -> tuple[User, ApiToken] | None:
    """The active user a key belongs to, or None for an unknown, revoked or deactivated one.
    Marks the token used (a plain update: no history row for each request)."""
    token = (
        ApiToken.objects.filter(key_hash=api_key_hash(key), revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # At most one write a minute per token, however many requests it makes.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token
