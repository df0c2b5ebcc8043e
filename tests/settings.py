"""Settings for the test suite: the app's own settings with test-only keys and speed-ups."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")

from casefiles.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="casefiles-test-media-"))
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests run tasks in-process; the real-worker tests switch this off for themselves.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = False
# The test client and the live server speak plain HTTP; production redirects to HTTPS
# (tests/security/test_headers.py checks the production defaults in a subprocess).
SECURE_SSL_REDIRECT = False
# As in production with a shared cache (CACHE_URL): sessions read from the cache, written
# through to the database. One process here, so the in-memory cache is shared by all.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="casefiles-test-static-"))
