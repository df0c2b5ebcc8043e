"""With a shared cache (CACHE_URL, Redis), sessions are read from it rather than from the
database on every request, and signing out in one web process signs out in all of them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import redis

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
CACHE_URL = os.environ.get("TEST_CACHE_URL", "redis://127.0.0.1:6379/13")


def _redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(CACHE_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


# Two web processes sharing the database and the cache: the first signs a user in, the
# second reads the session, the first signs out, the second must find no session.
SCRIPT = """
import json, sys
import django
django.setup()
from django.conf import settings
from importlib import import_module
from django.core.management import call_command
store = import_module(settings.SESSION_ENGINE).SessionStore
step = sys.argv[1]
if step == "engine":
    print(json.dumps({"engine": settings.SESSION_ENGINE}))
elif step == "sign-in":
    call_command("migrate", "sessions", verbosity=0)
    session = store()
    session["_auth_user_id"] = "1"
    session.create()
    print(session.session_key)
elif step == "read":
    print(json.dumps({"engine": settings.SESSION_ENGINE,
                      "cache": settings.CACHES["default"]["BACKEND"],
                      "user": store(sys.argv[2]).get("_auth_user_id")}))
elif step == "sign-out":
    store(sys.argv[2]).flush()
"""


def _run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "casefiles.settings", **env},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def test_sessions_live_in_the_shared_cache_and_signing_out_reaches_every_process(tmp_path):
    require_service(_redis_available(), f"no Redis at {CACHE_URL}")
    env = {
        "DEBUG": "1",
        "CASEFILES_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CACHE_URL": CACHE_URL,
    }
    key = _run(env, "sign-in")
    seen = json.loads(_run(env, "read", key))
    assert seen["engine"] == "django.contrib.sessions.backends.cached_db"
    assert seen["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert seen["user"] is not None
    _run(env, "sign-out", key)
    assert json.loads(_run(env, "read", key))["user"] is None


def test_without_a_shared_cache_sessions_stay_in_the_database(tmp_path):
    """A cache of each process's own would keep a signed-out session alive elsewhere."""
    env = {"DEBUG": "1", "CASEFILES_VAR_DIR": str(tmp_path)}
    seen = json.loads(_run(env, "engine"))
    assert seen["engine"] == "django.contrib.sessions.backends.db"
