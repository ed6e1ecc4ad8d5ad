"""The content version's copy in a shared cache (Redis): a cached page costs one round trip to
Redis and no query, and invalidation stays immediate (pagecache/content_version.py)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import redis
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from pagecache.content_version import (
    MIRROR_KEY,
    MIRROR_SECONDS,
    bump_content_version,
    check_mirror,
    content_version,
)
from tests.helpers.databases import TEST_REDIS, require_redis
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db

SHARED = {
    "default": {
        "BACKEND": "pagecache.cache_backends.RedisCache",
        "LOCATION": TEST_REDIS,
        "KEY_PREFIX": "ops-test-mirror",
    }
}


@pytest.fixture
def shared_cache():
    """Redis as the cache, keeping the copy; emptied before and after."""
    require_redis()
    with override_settings(CACHES=SHARED, CONTENT_VERSION_IN_CACHE=True):
        cache.clear()
        yield redis.Redis.from_url(TEST_REDIS)
        cache.clear()


def bump(django_capture_on_commit_callbacks) -> None:
    """A write's bump, as it runs: after its transaction commits."""
    with django_capture_on_commit_callbacks(execute=True):
        bump_content_version()


def copy(raw: redis.Redis) -> int | None:
    value = raw.get(cache.make_key(MIRROR_KEY))
    return None if value is None else int(value)


def test_a_hit_asks_the_database_nothing(client, shared_cache, django_assert_num_queries):
    make_article(title="Harbour reopens", published=True)
    first = client.get("/")
    assert first["X-Cache"] == "MISS"
    with django_assert_num_queries(0):
        hit = client.get("/")
        not_modified = client.get("/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert hit["X-Cache"] == "HIT" and hit.content == first.content
    assert not_modified.status_code == 304


def test_a_bump_moves_the_copy_and_the_next_request_renders_afresh(
    client, shared_cache, django_capture_on_commit_callbacks
):
    make_article(title="Harbour reopens", published=True)
    client.get("/")
    make_article(title="Bridge closes", published=True)  # no bump yet: still the old page
    assert b"Bridge closes" not in client.get("/").content
    bump(django_capture_on_commit_callbacks)
    assert copy(shared_cache) == content_version()
    response = client.get("/")
    assert response["X-Cache"] == "MISS"
    assert b"Bridge closes" in response.content


def test_a_lost_copy_is_read_again_from_the_database(
    client, shared_cache, django_assert_num_queries
):
    make_article(title="Harbour reopens", published=True)
    client.get("/")
    shared_cache.delete(cache.make_key(MIRROR_KEY))  # evicted, or expired
    with django_assert_num_queries(1):  # the version, from the database
        assert client.get("/")["X-Cache"] == "HIT"  # the page itself was still current
    assert copy(shared_cache) == content_version()
    assert 0 < shared_cache.ttl(cache.make_key(MIRROR_KEY)) <= MIRROR_SECONDS


def test_a_copy_that_missed_a_bump_lives_no_longer_than_its_lifetime_and_the_next_render_fixes_it(
    client, shared_cache, django_capture_on_commit_callbacks
):
    make_article(title="Harbour reopens", published=True)
    client.get("/")
    behind = copy(shared_cache)
    bump(django_capture_on_commit_callbacks)
    shared_cache.set(cache.make_key(MIRROR_KEY), behind, ex=MIRROR_SECONDS)  # the bump's copy lost
    assert shared_cache.ttl(cache.make_key(MIRROR_KEY)) <= MIRROR_SECONDS
    assert client.get("/topics/")["X-Cache"] == "MISS"  # any page rendered reads the database
    assert copy(shared_cache) == content_version()
    assert client.get("/")["X-Cache"] == "MISS"


def test_a_copy_ahead_of_the_database_never_serves_an_old_page(client, shared_cache):
    make_article(title="Harbour reopens", published=True)
    client.get("/")
    shared_cache.set(cache.make_key(MIRROR_KEY), 10**12, ex=MIRROR_SECONDS)
    make_article(title="Bridge closes", published=True)
    response = client.get("/")
    assert response["X-Cache"] == "MISS"  # slower until the copy expires, never stale
    assert b"Bridge closes" in response.content


@pytest.mark.slow
def test_the_copy_never_lives_past_the_next_scheduled_change(
    client, shared_cache, django_capture_on_commit_callbacks
):
    """A story scheduled to appear in a moment: the copy expires at that moment, so the first
    request after it reads the database, which moves the version on (articles.scheduling)."""
    soon = timezone.now() + dt.timedelta(seconds=1.5)
    with django_capture_on_commit_callbacks(execute=True):
        make_article(title="Embargoed for a moment", published=True, publish_at=soon)
    assert b"Embargoed for a moment" not in client.get("/").content
    assert client.get("/")["X-Cache"] == "HIT"
    assert 0 < shared_cache.pttl(cache.make_key(MIRROR_KEY)) <= 1500
    time.sleep(max(0.0, (soon - timezone.now()).total_seconds()) + 0.05)
    response = client.get("/")
    assert response["X-Cache"] == "MISS"
    assert b"Embargoed for a moment" in response.content


def test_the_copy_only_moves_forward_even_when_writers_race(shared_cache):
    assert cache.set_if_greater("race", 5, 60)
    assert not cache.set_if_greater("race", 3, 60)
    assert cache.get("race") == 5
    values = list(range(1, 301))
    threads = [
        threading.Thread(
            target=lambda part: [cache.set_if_greater("race", v, 60) for v in part],
            args=(values[n::6],),
        )
        for n in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.get("race") == 300


def test_the_check_refuses_a_copy_in_a_cache_that_cannot_keep_it(settings):
    settings.CONTENT_VERSION_IN_CACHE = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [message.id for message in check_mirror()] == ["serving.E001"]
    settings.CONTENT_VERSION_IN_CACHE = False
    assert check_mirror() == []
