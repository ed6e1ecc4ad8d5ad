"""Security headers on every response; production mode; the admin under the CSP in Chromium."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.factories import make_article

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
    "DJANGO_ALLOWED_HOSTS": "news.example.com,testserver",
}


def assert_security_headers(response) -> None:
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/topics/no-such-topic/", "/healthz", "/admin/login/"])
def test_every_response_carries_the_security_headers(client, path):
    make_article(published=True)
    assert_security_headers(client.get(path))


@pytest.mark.django_db
def test_a_page_served_from_the_cache_carries_them_too(client):
    """The cache stores a page with its headers and answers a hit without the middleware that
    adds them (pagecache/middleware.py): the hit must carry them all the same."""
    make_article(published=True)
    first = client.get("/")
    assert first["X-Cache"] == "MISS"
    hit = client.get("/")
    assert hit.status_code == 200 and hit["X-Cache"] == "HIT"
    assert_security_headers(hit)


@pytest.mark.django_db
def test_a_304_carries_them_too(client):
    etag = client.get("/")["ETag"]
    response = client.get("/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert_security_headers(response)


def base_env() -> dict[str, str]:
    """This process's environment, less what the browser fixture sets (no deployment would)."""
    return {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}


def run_python(code: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **base_env(),
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_its_secrets(tmp_path, missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = run_python("import django; django.setup()", {**env, missing: ""}, tmp_path)
    assert result.returncode != 0
    assert f"DJANGO_ENV=production needs {missing}" in result.stderr


def test_production_refuses_debug(tmp_path):
    result = run_python(
        "import django; django.setup()", {**PRODUCTION_ENV, "DJANGO_DEBUG": "true"}, tmp_path
    )
    assert result.returncode != 0
    assert "do not mix" in result.stderr


@pytest.mark.slow
def test_deploy_checks_pass_in_production_mode(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**base_env(), **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
c = Client()
plain = c.get("/topics/x/", HTTP_HOST="news.example.com")
tls = c.get("/healthz", HTTP_HOST="news.example.com", HTTP_X_FORWARDED_PROTO="https")
probe = c.get("/healthz", HTTP_HOST="news.example.com")
print(json.dumps({
    "debug": settings.DEBUG,
    "plain": [plain.status_code, plain.get("Location")],
    "hsts": tls.get("Strict-Transport-Security"),
    "probe": probe.status_code,
    "cookies_secure": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
}))
"""


@pytest.mark.slow
def test_production_mode_is_https_only_behind_a_proxy(tmp_path):
    result = run_python(PROBE, PRODUCTION_ENV, tmp_path)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["debug"] is False
    assert seen["plain"] == [301, "https://news.example.com/topics/x/"]
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert seen["probe"] == 200  # the load balancer's plain-HTTP probe is not redirected
    assert seen["cookies_secure"] == [True, True]


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_the_admin_works_under_the_policy_in_chromium(live_server, page, django_user_model):
    django_user_model.objects.create_superuser("chief", password="correct horse battery")
    article = make_article(title="Harbour reopens", topics=["Ports"])
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", "correct horse battery")
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")
    for path in (
        "/admin/",
        "/admin/articles/article/",
        f"/admin/articles/article/{article.pk}/change/",
        "/admin/articles/topic/",
    ):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        # The admin's stylesheet applied: the header bar has its dark background.
        background = page.eval_on_selector("#header", "e => getComputedStyle(e).backgroundColor")
        assert background not in ("rgba(0, 0, 0, 0)", "transparent"), path
    assert violations == []
