"""Public pages cached for anonymous readers, invalidated at once by the content version."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, override_settings
from django.utils.http import http_date

from serving.content_version import (
    bump_after_commit,
    bump_content_version,
    content_state,
    content_version,
)
from serving.middleware import is_cacheable
from serving.models import ContentVersion
from tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(django_user_model):
    user = django_user_model.objects.create_user("desk", password="x", is_staff=True)
    staff = Client()
    staff.force_login(user)
    return staff


def publish(title: str, django_capture_on_commit_callbacks) -> None:
    """What the publishing service does: write, then bump once the transaction commits."""
    with django_capture_on_commit_callbacks(execute=True):
        make_article(title=title, published=True)
        bump_after_commit()


def test_second_anonymous_request_is_served_from_the_cache_with_one_query(
    client, django_assert_num_queries
):
    make_article(title="Harbour reopens", published=True)
    first = client.get("/")
    assert first.status_code == 200
    assert first["X-Cache"] == "MISS"
    with django_assert_num_queries(1):  # the content version, nothing else
        second = client.get("/")
    assert second["X-Cache"] == "HIT"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert b"Harbour reopens" in second.content


def test_a_publish_is_visible_on_the_next_request(client, django_capture_on_commit_callbacks):
    make_article(title="Harbour reopens", published=True)
    client.get("/")
    make_article(title="Written without a bump", published=True)
    assert b"Written without a bump" not in client.get("/").content  # really cached

    publish("Bridge closes", django_capture_on_commit_callbacks)
    response = client.get("/")
    assert response["X-Cache"] == "MISS"
    assert b"Bridge closes" in response.content
    assert b"Written without a bump" in response.content


def test_the_version_moves_only_after_commit(django_capture_on_commit_callbacks):
    before = content_version()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bump_after_commit()
        assert content_version() == before
    assert len(callbacks) == 1
    callbacks[0]()
    assert content_version() == before + 1


def test_the_version_survives_clearing_the_cache_and_a_missing_row():
    bump_content_version()
    bump_content_version()
    version = content_version()
    cache.clear()  # another worker's empty local-memory cache, or a flushed Redis
    assert content_version() == version
    ContentVersion.objects.all().delete()  # a truncated table starts again, still moving on
    bump_content_version()
    assert content_version() >= 1
    assert ContentVersion.objects.count() == 1


def test_staff_never_receive_cached_pages(client, staff_client):
    make_article(title="Harbour reopens", published=True)
    client.get("/")
    make_article(title="Written without a bump", published=True)

    response = staff_client.get("/")
    assert "X-Cache" not in response
    assert b"Written without a bump" in response.content
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    assert "ETag" not in response
    assert b"Written without a bump" not in client.get("/").content


def test_staff_requests_do_not_populate_the_cache(client, staff_client):
    make_article(title="Harbour reopens", published=True)
    staff_client.get("/")
    assert client.get("/")["X-Cache"] == "MISS"


def test_anonymous_requests_create_no_session_and_set_no_cookie(client):
    make_article(title="Harbour reopens", published=True)
    for _ in range(3):
        response = client.get("/")
        assert not response.cookies
    assert Session.objects.count() == 0


def test_anonymous_pages_are_public_and_vary_on_cookie(client):
    response = client.get("/")
    assert response["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert "Cookie" in response["Vary"]


def test_matching_etag_answers_304_without_rendering(client, django_assert_num_queries):
    make_article(title="Harbour reopens", published=True)
    first = client.get("/")
    etag = first["ETag"]
    with django_assert_num_queries(1):
        response = client.get("/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag

    bump_content_version()
    response = client.get("/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_last_modified_is_the_time_of_the_last_bump(client):
    bump_content_version()
    response = client.get("/")
    assert response["Last-Modified"] == http_date(content_state().changed_at.timestamp())
    again = client.get("/", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert again.status_code == 304


def test_head_is_answered_from_the_cached_get(client):
    client.get("/")
    response = client.head("/")
    assert response.status_code == 200
    assert response["X-Cache"] == "HIT"


def test_the_query_string_is_part_of_the_key(client):
    client.get("/")
    assert client.get("/?utm=mail")["X-Cache"] == "MISS"
    assert client.get("/?utm=mail")["X-Cache"] == "HIT"


def test_the_host_is_part_of_the_key(client, settings):
    settings.ALLOWED_HOSTS = ["a.example", "b.example"]
    client.get("/", HTTP_HOST="a.example")
    assert client.get("/", HTTP_HOST="b.example")["X-Cache"] == "MISS"


def test_not_found_pages_are_not_cached(client):
    assert client.get("/topics/no-such-topic/").status_code == 404
    assert "X-Cache" not in client.get("/topics/no-such-topic/")


def _response(**headers: str) -> HttpResponse:
    return HttpResponse(b"<p>page</p>", headers=headers)


@pytest.mark.parametrize(
    ("response", "cacheable"),
    [
        (_response(), True),
        (_response(Vary="Cookie"), True),
        (_response(Vary="Accept-Language"), False),
        (_response(**{"Cache-Control": "private"}), False),
        (_response(**{"Cache-Control": "max-age=0, no-cache, no-store"}), False),
        (HttpResponse(status=302), False),
    ],
)
def test_what_may_be_stored(rf, response, cacheable):
    assert is_cacheable(rf.get("/"), response) is cacheable


def test_responses_that_set_a_cookie_or_used_a_nonce_are_not_stored(rf):
    response = _response()
    response.set_cookie("csrftoken", "x")
    assert not is_cacheable(rf.get("/"), response)

    # The policy CSPMiddleware wrote for a page whose template used request.csp_nonce.
    nonce = _response(**{"Content-Security-Policy": "script-src 'self' 'nonce-q2Zx'"})
    assert not is_cacheable(rf.get("/"), nonce)


def test_posts_are_never_cached(client):
    response = client.post("/", {})
    assert "X-Cache" not in response


def test_pages_are_served_uncached_when_the_cache_is_down(client):
    make_article(title="Harbour reopens", published=True)
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with override_settings(CACHES=unreachable):
        response = client.get("/")
    assert response.status_code == 200
    assert b"Harbour reopens" in response.content


REDIS = {
    "default": {
        "BACKEND": "serving.cache_backends.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/3",
        "KEY_PREFIX": "ops-test-cache",
    }
}


@override_settings(CACHES=REDIS)
def test_redis_backend_serves_hits_and_follows_the_version(client):
    cache.clear()
    make_article(title="Harbour reopens", published=True)
    assert client.get("/")["X-Cache"] == "MISS"
    assert client.get("/")["X-Cache"] == "HIT"
    bump_content_version()
    assert client.get("/")["X-Cache"] == "MISS"
    cache.clear()


@override_settings(CACHES=REDIS)
def test_redis_backend_keeps_one_client_per_pool():
    backend = cache._cache
    assert backend.get_client() is backend.get_client(write=True)
    cache.set("ops-test-key", {"a": 1})
    assert cache.get("ops-test-key") == {"a": 1}
    cache.delete("ops-test-key")
