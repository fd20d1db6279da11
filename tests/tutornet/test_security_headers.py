"""Browser protections on every page: Content-Security-Policy without inline script,
Referrer-Policy, no framing; and ``check --deploy`` passes with production-like settings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import Role
from tests.conftest import District, client_for, member

ROOT = Path(__file__).resolve().parents[2]

# What a CSP without 'unsafe-inline' blocks in markup.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def inline_code(html: str) -> list[str]:
    """Everything in ``html`` that the Content-Security-Policy would block."""
    found = []
    for pattern in (INLINE_SCRIPT, INLINE_HANDLER, INLINE_STYLE, JS_URL):
        found += [match.group(0)[:120] for match in pattern.finditer(html)]
    return found


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def test_the_inline_code_detector_finds_what_the_policy_blocks() -> None:
    # The check below must be able to fail.
    assert inline_code('<script>alert(1)</script><script src="/static/a.js"></script>') == ["<script>"]
    assert inline_code('<select name="x" onchange="go()">') and inline_code('<p style="color:red">')
    assert inline_code("<style>p{}</style>") and inline_code('<a href="javascript:go()">')
    assert inline_code('<select data-autosubmit name="x"><p class="style">') == []


def test_no_template_carries_inline_script_handlers_or_styles() -> None:
    templates = [
        path
        for path in ROOT.rglob("*.html")
        if not any(part in {".venv", "var", "node_modules", ".git"} for part in path.parts)
    ]
    assert len(templates) > 20
    offenders = {str(path.relative_to(ROOT)): inline_code(path.read_text()) for path in templates}
    assert {path: found for path, found in offenders.items() if found} == {}


def test_the_policy_allows_only_this_host_and_nothing_inline() -> None:
    policy = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    for directive in ("default-src", "script-src", "style-src"):
        assert policy[directive] == ["'self'"], directive
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    # Images only from the platform itself (a case body's external <img> is no tracking pixel).
    assert policy["img-src"] == ["'self'", "data:"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("where", "path", "signed_in"),
    [
        ("public", "/", False),
        ("school_a", "/accounts/login/", False),
        ("school_a", "/", True),
        ("school_a", "/notifications/", True),
        ("school_a", "/api/organisation/", True),
        ("centre", "/api/docs/", True),
        ("centre", "/healthz", False),
    ],
)
def test_every_response_carries_the_policy_and_the_referrer_policy(
    district: District, where: str, path: str, signed_in: bool
) -> None:
    organisation = district.school_a if where == "public" else getattr(district, where)
    host = "localhost" if where == "public" else district.host(organisation)
    user = member(organisation, Role.TEACHER).user if signed_in else None
    response = client_for(user, host).get(path)
    assert response.status_code == 200, (path, response.status_code)
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    if response["Content-Type"].startswith("text/html"):
        assert inline_code(response.content.decode()) == []


@pytest.mark.django_db
def test_the_api_docs_load_their_start_up_script_from_a_file(district: District) -> None:
    client = client_for(member(district.centre, Role.TEACHER).user, district.host(district.centre))
    page = client.get("/api/docs/").content.decode()
    assert 'src="/api/docs/?script' in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_check_deploy_passes_with_production_like_settings() -> None:
    # A deployment's environment: none of the test run's switches.
    skip = {"DEBUG", "TUTORNET_TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in skip}
    env.update(
        SECRET_KEY="deploy-check-" + "k7Qz9xW2" * 8,
        TUTORNET_URL_SCHEME="https",
        TUTORNET_BASE_DOMAIN="tutornet.example.ru",
        DJANGO_SETTINGS_MODULE="tutornet.settings",
        PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
    )
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_https_deployments_redirect_and_send_hsts_for_every_subdomain() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG"}}
    env.update(
        TUTORNET_URL_SCHEME="https",
        PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
    )
    code = (
        "from tutornet import settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_PROXY_SSL_HEADER, s.CONTENT_SECURITY_POLICY['DIRECTIVES']['connect-src'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split(" ", 5)
    assert out[:5] == ["True", "31536000", "True", "True", "True"]
    # X-Forwarded-Proto is believed only through uvicorn's FORWARDED_ALLOW_IPS, not from anyone.
    assert out[5].startswith("None") and "wss://" in out[5]
