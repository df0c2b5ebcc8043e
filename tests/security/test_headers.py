"""Response headers: a Content-Security-Policy with no inline code, no caching of case data,
HTTPS remembered, powerful browser features off, and `check --deploy` clean in production.

The browser side (Chromium refusing nothing on real pages) is in tests/staff/test_browser.py.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from casefiles.middleware import NoStoreMiddleware
from people.roles import ADMINISTRATOR
from tests.conftest import login_verified, make_user

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"


@pytest.fixture
def admin_client(client, db):
    user = make_user("ada_admin", ADMINISTRATOR)
    return login_verified(client, user)


def staff_pages(demo) -> dict[str, str]:
    letter = demo.case.letters.get()
    return {
        "dashboard": reverse("staff:dashboard"),
        "case page": reverse("staff:case_detail", args=[demo.case.pk]),
        "letter page": reverse("letters:detail", args=[letter.pk]),
        "back office case": reverse("admin:casefiles_case_change", args=[demo.case.pk]),
    }


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: sources
        for name, *sources in (part.split() for part in policy.split(";") if part.strip())
    }


# Content-Security-Policy


def test_staff_pages_forbid_inline_script_and_style_and_being_framed(admin_client, demo):
    for name, url in staff_pages(demo).items():
        response = admin_client.get(url)
        assert response.status_code == 200, name
        assert "unsafe-inline" not in response["Content-Security-Policy"], name
        directives = csp_directives(response)
        assert directives["default-src"] == ["'self'"], name
        assert directives["script-src"] == ["'self'"], name
        assert directives["style-src"] == ["'self'"], name
        assert directives["object-src"] == ["'none'"], name
        assert directives["base-uri"] == ["'none'"], name
        assert directives["frame-ancestors"] == ["'none'"], name
        assert directives["form-action"] == ["'self'"], name


def test_the_letter_preview_may_be_framed_by_the_letter_page_only(admin_client, demo):
    letter = demo.case.letters.get()
    response = admin_client.get(reverse("letters:preview", args=[letter.pk]))
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    directives = csp_directives(response)
    assert directives["frame-ancestors"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]


def test_the_letter_preview_takes_its_font_from_a_stylesheet_not_an_inline_style(
    admin_client, demo
):
    letter = demo.case.letters.get()
    html = admin_client.get(reverse("letters:preview", args=[letter.pk])).content.decode()
    assert "<style" not in html and "style=" not in html
    assert f'href="{reverse("letters:preview_fonts")}"' in html

    fonts = admin_client.get(reverse("letters:preview_fonts"))
    assert fonts["Content-Type"].startswith("text/css")
    css = fonts.content.decode()
    assert "@font-face" in css and "/static/letters/fonts/DejaVuSerif-Bold.ttf" in css
    assert 'html { font-family: "DejaVu Serif", serif; }' in css


def test_the_pdf_still_gets_its_font_reference_and_draft_mark_from_its_own_style(demo):
    from letters.rendering import letter_html

    html = letter_html(demo.case.letters.get(), for_pdf=True, final=False)
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert style is not None
    assert 'font-family: "DejaVu Serif"' in style.group(1)
    assert "Ref. LTR" in style.group(1) and "DRAFT" in style.group(1)


# No inline code in templates

INLINE_CODE = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I),
    "<style> block": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
    "event handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}
# Rendered by WeasyPrint into PDFs, never served to a browser as HTML: their <style> holds
# the @page rules (running reference, DRAFT mark) and the configured font, which WeasyPrint
# reads from the document. letter_document.html is also the on-screen preview, whose
# <style> is inside {% if for_pdf %} (the preview test above checks its rendered HTML).
PDF_ONLY = {
    "letters/letter_document.html": {"<style> block"},
    # The final PDF's audit page, included by letter_document.html only.
    "letters/_audit_page.html": {"<style> block"},
    "staff/brief_pdf.html": {"<style> block"},
}


def inline_code(text: str) -> set[str]:
    return {kind for kind, pattern in INLINE_CODE.items() if pattern.search(text)}


def test_the_inline_code_scan_finds_each_kind():
    assert inline_code("<script>alert(1)</script>") == {"inline <script>"}
    assert inline_code("<style>p { color: red }</style>") == {"<style> block"}
    assert inline_code('<p class="a" style="color: red">') == {"style attribute"}
    assert inline_code('<button type="button" onclick="go()">') == {"event handler attribute"}
    assert inline_code('<a href="javascript:go()">') == {"javascript: URL"}
    assert inline_code("<script src=\"{% static 'js/staff.js' %}\" defer></script>") == set()
    assert inline_code('<p class="online">style=</p>') == set()


def test_no_template_has_inline_script_style_or_handlers():
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 20
    found = {}
    for path in templates:
        name = path.relative_to(TEMPLATES).as_posix()
        kinds = inline_code(path.read_text()) - PDF_ONLY.get(name, set())
        if kinds:
            found[name] = sorted(kinds)
    assert found == {}


# Caching, referrer, permissions, sniffing, window opener


def test_case_page_and_letter_page_are_never_stored(admin_client, demo):
    pages = staff_pages(demo)
    for name in ("case page", "letter page", "dashboard"):
        response = admin_client.get(pages[name])
        assert response["Cache-Control"] == "no-store, private", name
        assert response["Pragma"] == "no-cache", name


def test_a_page_that_sets_its_own_caching_keeps_it(admin_client, demo):
    # The admin marks its pages never_cache, which already says no-store.
    response = admin_client.get(staff_pages(demo)["back office case"])
    assert "no-store" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


def test_static_files_may_be_cached():
    def static_file(request):
        return HttpResponse("body { }", content_type="text/css")

    middleware = NoStoreMiddleware(static_file)
    response = middleware(RequestFactory().get(f"{settings.STATIC_URL}css/staff.css"))
    assert "Cache-Control" not in response
    response = middleware(RequestFactory().get("/cases/1/"))
    assert response["Cache-Control"] == "no-store, private"


def test_pages_send_referrer_permissions_nosniff_and_opener_policies(admin_client, demo):
    response = admin_client.get(staff_pages(demo)["case page"])
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    features = dict(
        part.strip().split("=", 1) for part in response["Permissions-Policy"].split(",")
    )
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "display-capture"):
        assert features[feature] == "()", feature


def test_the_login_page_sends_the_same_headers(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
    assert "camera=()" in response["Permissions-Policy"]


# Production settings

PRODUCTION_PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client

client = Client(HTTP_HOST="casefiles.example.org")
plain = client.get("/accounts/login/")
secure = client.get("/accounts/login/", secure=True)
print(json.dumps({
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "SECURE_HSTS_PRELOAD": settings.SECURE_HSTS_PRELOAD,
    "SECURE_PROXY_SSL_HEADER": settings.SECURE_PROXY_SSL_HEADER,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "plain": [plain.status_code, plain.get("Location")],
    "hsts": secure.get("Strict-Transport-Security"),
}))
"""


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "casefiles.example.org",
        "DJANGO_SETTINGS_MODULE": "casefiles.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'casefiles.sqlite3'}",
        "CASEFILES_VAR_DIR": str(tmp_path),
        **extra,
    }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120
    )


def production_settings(tmp_path: Path, **extra: str) -> dict:
    result = run(["-c", PRODUCTION_PROBE], production_env(tmp_path, **extra))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_when_hsts_is_switched_off(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(tmp_path, SECURE_HSTS_SECONDS="0"),
    )
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


def test_production_redirects_to_https_and_remembers_it_for_a_year(tmp_path):
    production = production_settings(tmp_path)
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] == 31_536_000
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["SECURE_HSTS_PRELOAD"] is False
    assert production["SECURE_PROXY_SSL_HEADER"] is None
    assert production["SESSION_COOKIE_SECURE"] and production["CSRF_COOKIE_SECURE"]
    assert production["plain"] == [301, "https://casefiles.example.org/accounts/login/"]
    assert production["hsts"] == "max-age=31536000; includeSubDomains"


def test_hsts_redirect_and_proxy_header_are_set_from_the_environment(tmp_path):
    production = production_settings(
        tmp_path,
        SECURE_HSTS_SECONDS="600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="0",
        SECURE_HSTS_PRELOAD="1",
        SECURE_SSL_REDIRECT="off",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
    )
    assert production["SECURE_SSL_REDIRECT"] is False
    assert production["plain"][0] == 200
    assert production["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert production["hsts"] == "max-age=600; preload"


def test_development_neither_redirects_nor_sends_hsts(tmp_path):
    development = production_settings(tmp_path, DEBUG="1", ALLOWED_HOSTS="casefiles.example.org")
    assert development["SECURE_SSL_REDIRECT"] is False
    assert development["SECURE_HSTS_SECONDS"] == 0
    assert development["hsts"] is None


def test_a_malformed_proxy_header_names_its_variable(tmp_path):
    result = run(
        ["manage.py", "check"], production_env(tmp_path, SECURE_PROXY_SSL_HEADER="X-Proto: https")
    )
    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER='X-Proto: https' is not a header name" in result.stderr
