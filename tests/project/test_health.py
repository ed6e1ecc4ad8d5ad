"""/healthz: 200 when the database and the cache answer, 503 otherwise; no session, no CSRF."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import ConnectionHandler
from django.test import override_settings

from newsroom.http.health import check_database

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


def test_healthy_answers_200_with_one_query_and_no_cookie(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert not response.cookies
    assert "no-store" in response["Cache-Control"]
    assert "X-Cache" not in response  # never cached, whatever it answered
    assert Session.objects.count() == 0


def test_head_works_and_writes_are_refused(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_a_cache_that_does_not_answer_gives_503(client):
    with override_settings(CACHES=UNREACHABLE_REDIS):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "fail", "cache": "fail"}


def test_a_database_that_does_not_answer_is_reported():
    # A real PostgreSQL connection to a port where nothing listens.
    broken = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "nowhere",
                "HOST": "127.0.0.1",
                "PORT": "1",
                "USER": "postgres",
            }
        }
    )
    try:
        reason = check_database(broken["default"])
    finally:
        broken.close_all()
    assert reason is not None
    assert "OperationalError" in reason
    assert check_database() is None
