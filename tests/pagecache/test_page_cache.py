"""Public pages cached for anonymous readers, invalidated at once by the content version."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, override_settings
from django.utils.http import http_date

from pagecache.content_version import (
    bump_after_commit,
    bump_content_version,
    content_state,
    content_version,
    mirrored,
)
from pagecache.middleware import accepts_gzip, is_cacheable
from pagecache.models import ContentVersion
from tests.helpers.databases import TEST_REDIS, require_redis
from tests.helpers.factories import make_article

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


def hit_queries() -> int:
    """What a cache hit asks the database: the content version, unless the shared cache keeps
    a copy of it (PostgreSQL + Redis: tests/pagecache/test_version_copy.py)."""
    return 0 if mirrored() else 1


def test_second_anonymous_request_is_served_from_the_cache_with_one_query(
    client, django_assert_num_queries
):
    make_article(title="Harbour reopens", published=True)
    first = client.get("/")
    assert first.status_code == 200
    assert first["X-Cache"] == "MISS"
    with django_assert_num_queries(hit_queries()):  # the content version, nothing else
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


def test_matching_etag_answers_304_without_rendering(
    client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    make_article(title="Harbour reopens", published=True)
    first = client.get("/")
    etag = first["ETag"]
    with django_assert_num_queries(hit_queries()):
        response = client.get("/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag

    with django_capture_on_commit_callbacks(execute=True):
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


def test_a_head_first_stores_the_page_with_the_gets_headers(client):
    head = client.head("/")
    assert head["X-Cache"] == "MISS" and head["ETag"] and head["Last-Modified"]
    get = client.get("/")
    assert get["X-Cache"] == "HIT" and get["ETag"] == head["ETag"]
    assert get.content  # the page as rendered, not the HEAD's empty body
    assert int(head["Content-Length"]) == len(get.content)
    again = client.head("/", HTTP_IF_NONE_MATCH=head["ETag"])
    assert again.status_code == 304 and "Content-Length" not in again


def test_only_the_parameters_pages_read_make_the_key(client, settings):
    make_article(title="Harbour reopens", published=True)
    assert client.get("/")["X-Cache"] == "MISS"
    for query in ("?utm=mail", "?x=1", "?x=2&y=3"):  # made-up parameters: the page of "/"
        assert client.get("/" + query)["X-Cache"] == "HIT"
    assert client.get("/?before=1_1")["X-Cache"] == "MISS"  # a cursor is another page
    assert client.get("/?before=1_1&x=9")["X-Cache"] == "HIT"
    assert client.get("/?before=\u0661_1").status_code == 404  # a cursor in other digits
    assert settings.PAGE_CACHE_QUERY_PARAMETERS == ["before", "after", "p"]


def test_the_parameters_public_pages_read_are_the_keyed_ones(client):
    """Each parameter a public page reads makes another page, so each is in the key."""
    from articles.reader.pagination import Cursor

    stories = [make_article(title=f"Story {n}", published=True) for n in range(25)]
    middle = str(Cursor.of(stories[12]))
    for name, path, value in [
        ("before", "/", middle),
        ("after", "/", middle),
        ("p", "/sitemap-articles.xml", "1"),
    ]:
        client.get(path)
        response = client.get(path, {name: value})
        assert response.status_code == 200, name
        assert response["X-Cache"] == "MISS", name


def test_a_host_with_another_port_is_served_uncached(client):
    assert client.get("/", HTTP_HOST="testserver")["X-Cache"] == "MISS"
    assert client.get("/", HTTP_HOST="testserver")["X-Cache"] == "HIT"
    for port in ("1234", "8080"):  # the request arrived on port 80
        response = client.get("/", HTTP_HOST=f"testserver:{port}")
        assert response.status_code == 200
        assert "X-Cache" not in response
    assert client.get("/", HTTP_HOST="testserver:80")["X-Cache"] == "MISS"  # its own port


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


@pytest.mark.parametrize("mirror", [False, True], ids=["version-in-database", "version-copied"])
def test_pages_are_served_uncached_when_the_cache_is_down(
    client, mirror, django_capture_on_commit_callbacks
):
    make_article(title="Harbour reopens", published=True)
    unreachable = {
        "default": {
            "BACKEND": "pagecache.cache_backends.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with override_settings(CACHES=unreachable, CONTENT_VERSION_IN_CACHE=mirror):
        for _ in range(2):
            response = client.get("/")
            assert response.status_code == 200
            assert b"Harbour reopens" in response.content
        with django_capture_on_commit_callbacks(execute=True):
            bump_content_version()  # the write stands; only the copy could not be made


REDIS = {
    "default": {
        "BACKEND": "pagecache.cache_backends.RedisCache",
        "LOCATION": TEST_REDIS,
        "KEY_PREFIX": "ops-test-cache",
    }
}


@pytest.fixture
def redis_server() -> str:
    return require_redis()


@pytest.mark.parametrize("mirror", [False, True], ids=["version-in-database", "version-copied"])
def test_redis_backend_serves_hits_and_follows_the_version(
    client, redis_server, mirror, django_capture_on_commit_callbacks
):
    with override_settings(CACHES=REDIS, CONTENT_VERSION_IN_CACHE=mirror):
        cache.clear()
        make_article(title="Harbour reopens", published=True)
        assert client.get("/")["X-Cache"] == "MISS"
        assert client.get("/")["X-Cache"] == "HIT"
        with django_capture_on_commit_callbacks(execute=True):
            bump_content_version()
        assert client.get("/")["X-Cache"] == "MISS"
        cache.clear()


@override_settings(CACHES=REDIS)
def test_redis_backend_keeps_one_client_per_pool(redis_server):
    backend = cache._cache
    assert backend.get_client() is backend.get_client(write=True)
    cache.set("ops-test-key", {"a": 1})
    assert cache.get("ops-test-key") == {"a": 1}
    cache.delete("ops-test-key")


@pytest.mark.parametrize(
    "write",
    [
        "save",
        "queryset update",
        "bulk update",
        "queryset delete",
        "instance delete",
        "topic added",
        "topic renamed",
        "image created in bulk",
    ],
)
def test_every_orm_write_reaches_readers_on_the_next_request(
    client, write, django_capture_on_commit_callbacks
):
    """Not only the publishing service, the admin and the importer: a shell, a data migration
    or another app writing through the ORM moves the content version on (articles/content.py)."""
    from articles.models import Article, ArticleImage, Topic

    story = make_article(title="Harbour reopens", published=False, topics=["Harbour"])
    other = make_article(title="Ferry strike ends", published=True)
    assert client.get("/")["X-Cache"] == "MISS"
    assert client.get("/")["X-Cache"] == "HIT"
    before = content_version()
    with django_capture_on_commit_callbacks(execute=True):
        if write == "save":
            story.set_published(True)
            story.save()
        elif write == "queryset update":
            Article.objects.filter(pk=story.pk).update(published=True)
        elif write == "bulk update":
            story.published = True
            Article.objects.bulk_update([story], ["published"])
        elif write == "queryset delete":
            Article.objects.filter(pk=other.pk).delete()
        elif write == "instance delete":
            other.delete()
        elif write == "topic added":
            other.topics.add(Topic.objects.create(name="Ferries", slug="ferries"))
        elif write == "topic renamed":
            Topic.objects.filter(slug="harbour").update(name="Harbours")
        else:
            ArticleImage.objects.bulk_create([ArticleImage(article=other, url="https://i.test/")])
    assert content_version() > before
    assert client.get("/")["X-Cache"] == "MISS"


def test_a_write_that_changes_nothing_leaves_the_version(django_capture_on_commit_callbacks):
    from articles.models import Article

    before = content_version()
    with django_capture_on_commit_callbacks(execute=True):
        Article.objects.filter(pk=-1).update(published=True)
        Article.objects.filter(pk=-1).delete()
    assert content_version() == before


def test_pages_are_sent_gzipped_to_clients_that_accept_it(client):
    import gzip

    for n in range(5):
        make_article(title=f"Harbour story {n}", published=True)
    plain = client.get("/")
    assert plain["X-Cache"] == "MISS" and "Content-Encoding" not in plain
    for outcome in ("HIT", "HIT"):
        packed = client.get("/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert packed["X-Cache"] == outcome
        assert packed["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.content) == plain.content
        assert int(packed["Content-Length"]) == len(packed.content) < len(plain.content) / 2
        assert packed["ETag"] != plain["ETag"]
        assert "Accept-Encoding" in packed["Vary"] and "Cookie" in packed["Vary"]
    assert "Content-Encoding" not in client.get("/")
    again = client.get("/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=packed["ETag"])
    assert again.status_code == 304


@pytest.mark.parametrize(
    "header",
    ["gzip;q=0", "gzip;q=0, deflate", "br, gzip;q=0.0", "*;q=0", "gzip;q=0, *", "identity"],
)
def test_a_client_that_refuses_gzip_gets_the_plain_page(client, header):
    """RFC 9110, 12.5.3: q=0 means "not acceptable"; the page cache sent gzip all the same."""
    for n in range(5):
        make_article(title=f"Harbour story {n}", published=True)
    client.get("/", HTTP_ACCEPT_ENCODING="gzip")  # both copies stored
    for outcome in ("HIT", "HIT"):
        response = client.get("/", HTTP_ACCEPT_ENCODING=header)
        assert response["X-Cache"] == outcome
        assert "Content-Encoding" not in response
        assert response.content.startswith(b"<!doctype html>")


@pytest.mark.parametrize(
    ("header", "gzip"),
    [
        ("gzip, deflate, br", True),
        ("GZIP", True),
        ("x-gzip", True),
        ("*", True),
        ("br;q=1, *;q=0.5", True),
        ("deflate, gzip;q=1.0, *;q=0.5", True),
        ("gzip;q=0.001", True),
        ("gzip;q=0, x-gzip", True),
        ("", False),
        ("br", False),
        ("gzip;q=0", False),
        ("gzip ; q=0.0", False),
        ("gzip;level=1;q=0", False),
        ("gzip;q=abc", False),
        ("br, *;q=0", False),
    ],
)
def test_accept_encoding_is_read_with_its_weights(header, gzip):
    assert accepts_gzip(header) is gzip


def test_a_page_first_asked_for_gzipped_is_stored_both_ways(client):
    import gzip

    make_article(title="Harbour reopens", published=True)
    first = client.get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert first["X-Cache"] == "MISS" and first["Content-Encoding"] == "gzip"
    plain = client.get("/")
    assert plain["X-Cache"] == "HIT" and "Content-Encoding" not in plain
    assert gzip.decompress(first.content) == plain.content


@pytest.mark.parametrize("path", ["/feeds/rss/", "/sitemap-articles.xml"])
def test_feeds_and_sitemaps_are_gzipped_too(client, path):
    for n in range(5):
        make_article(title=f"Harbour story {n}", published=True)
    assert client.get(path, HTTP_ACCEPT_ENCODING="gzip")["Content-Encoding"] == "gzip"


def test_nothing_personal_is_ever_compressed(client, staff_client):
    """A response for someone with a session may carry a CSRF token or their data: its size
    must not depend on how well a guessed secret compresses (BREACH)."""
    make_article(title="Harbour reopens", published=True)
    client.get("/", HTTP_ACCEPT_ENCODING="gzip")
    response = staff_client.get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and "Content-Encoding" not in response
    assert "X-Cache" not in response


def test_small_pages_are_not_compressed(client):
    first = client.get("/robots.txt", HTTP_ACCEPT_ENCODING="gzip")
    assert first.status_code == 200 and "Content-Encoding" not in first
    again = client.get("/robots.txt", HTTP_ACCEPT_ENCODING="gzip")
    assert again["X-Cache"] == "HIT" and "Content-Encoding" not in again
    assert again.content == client.get("/robots.txt").content


def test_a_bump_locks_the_version_row_before_asking_for_the_next_change():
    """Two bumps racing ask for the next scheduled change in turn (pagecache.content_version):
    the row is locked first (PostgreSQL: FOR UPDATE; SQLite's transactions are IMMEDIATE)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    bump_content_version()
    with CaptureQueriesContext(connection) as queries:
        bump_content_version()
    sql = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    if connection.vendor == "postgresql":
        assert "FOR UPDATE" in sql[0]
    assert "UPDATE" in sql[-1] and sql[-1].startswith("UPDATE")
