"""The production server (`make serve`): gunicorn with DEBUG off serves the login page and
the static files it links to, collected and served by WhiteNoise, from a fresh checkout."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("serve")
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "DEBUG", "DATABASE_URL")
    } | {
        "DEBUG": "0",
        "SECRET_KEY": "serve-test-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    # The two steps of a fresh checkout touch different things (the database, the static
    # directory): run side by side, they take the time of the longer one.
    steps = [
        subprocess.Popen(
            manage + command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput", "-v", "0"])
    ]
    for step in steps:
        out, err = step.communicate()
        if step.returncode != 0:
            raise subprocess.CalledProcessError(step.returncode, step.args, out, err)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "casefiles.wsgi", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            _get(base + "/accounts/login/")
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("gunicorn did not start: " + server.stderr.read().decode()[-2000:])
            time.sleep(0.2)
    yield base
    server.terminate()
    server.wait(timeout=10)


def test_the_production_server_serves_the_login_page_and_its_static_files(production_server):
    status, headers, body = _get(production_server + "/accounts/login/")
    assert status == 200
    page = body.decode()
    assert "<form" in page and 'name="password"' in page
    # DEBUG is off: no debug toolbar, and the page says so through its security headers.
    assert "Content-Security-Policy" in headers
    stylesheets = re.findall(r'href="(/static/[^"]+\.css)"', page)
    assert stylesheets, "the login page links no stylesheet"
    for path in stylesheets:
        status, headers, css = _get(production_server + path)
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        # WhiteNoise serves the compressed copy collectstatic made.
        assert headers.get("Content-Encoding") == "gzip"
        assert len(css) > 0


def test_a_missing_page_is_a_plain_404_without_debug_details(production_server):
    with pytest.raises(urllib.error.HTTPError) as refused:
        _get(production_server + "/no-such-page/")
    assert refused.value.code in (302, 404)
    assert b"Traceback" not in refused.value.read()
