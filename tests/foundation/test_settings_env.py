"""Settings come from environment variables; a malformed one stops start-up, naming it."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from casefiles.env import env_bool, env_database, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]


def test_a_malformed_boolean_names_its_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG='maybe' is not a boolean"):
        env_bool("DEBUG")


def test_a_malformed_number_names_its_variable(monkeypatch):
    monkeypatch.setenv("SESSION_COOKIE_AGE", "8h")
    with pytest.raises(ImproperlyConfigured, match="SESSION_COOKIE_AGE='8h' is not a whole number"):
        env_int("SESSION_COOKIE_AGE", 60)


def test_a_database_url_of_unknown_kind_names_its_variable(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "oracle-ish://somewhere/db")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        env_database("DATABASE_URL", "sqlite:///x.sqlite3")


def test_a_postgres_url_becomes_a_postgresql_database(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casefiles")
    config = env_database("DATABASE_URL", "sqlite:///x.sqlite3")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "casefiles"


def test_allowed_hosts_is_a_comma_separated_list(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "casefiles.example.org, 10.0.0.5")
    assert env_list("ALLOWED_HOSTS", []) == ["casefiles.example.org", "10.0.0.5"]


def run_check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "casefiles.settings", **env},
        timeout=60,
    )


def test_start_up_refuses_to_run_without_a_secret_key_when_debug_is_off(tmp_path):
    result = run_check({"DEBUG": "0", "CASEFILES_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_start_up_names_a_misspelt_debug_value(tmp_path):
    result = run_check({"DEBUG": "ture", "CASEFILES_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "DEBUG='ture' is not a boolean" in result.stderr


def test_start_up_succeeds_with_a_secret_key_and_sqlite_default(tmp_path):
    result = run_check({"DEBUG": "0", "SECRET_KEY": "x" * 50, "CASEFILES_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
