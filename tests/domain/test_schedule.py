"""Scheduled publishing: published() holds the schedule at the time it is asked, every reader
page and feed follows it, and the page cache moves on by itself when the next scheduled moment
comes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import scheduling
from articles.models import Article
from articles.reader import queries
from pagecache.content_version import (
    MIRROR_KEY,
    bump_content_version,
    content_state,
    current_state,
)
from pagecache.models import ContentVersion
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def story(title: str, **fields) -> Article:
    fields.setdefault("published", True)
    fields.setdefault("published_at", timezone.now() - HOUR)
    return make_article(title=title, topics=["Harbour"], **fields)


def titles(queryset) -> set[str]:
    return set(queryset.values_list("title", flat=True))


def test_published_holds_the_schedule_at_the_time_asked():
    now = timezone.now()
    story("Always")
    story("Later", publish_at=now + HOUR)
    story("Gone", unpublish_at=now - HOUR)
    story("Window", publish_at=now - HOUR, unpublish_at=now + HOUR)
    story("Draft in window", published=False, publish_at=now - HOUR)
    assert titles(Article.objects.published()) == {"Always", "Window"}
    assert titles(Article.objects.published(now + 2 * HOUR)) == {"Always", "Later"}
    assert titles(Article.objects.published(now - 2 * HOUR)) == {"Always", "Gone"}


def test_reader_pages_and_feeds_follow_the_schedule(client):
    now = timezone.now()
    shown = story("Visible harbour story")
    later = story("Embargoed harbour story", publish_at=now + HOUR)
    gone = story("Expired harbour story", unpublish_at=now - dt.timedelta(seconds=1))
    pages = ["/", "/top/", "/topics/harbour/", "/providers/example.com/", "/feeds/rss/"]
    pages += ["/feeds/json/", "/topics/harbour/atom/", "/sitemap-articles.xml"]
    for url in pages:
        body = client.get(url).content.decode()
        assert shown.get_absolute_url() in body, url
        assert later.get_absolute_url() not in body and "Embargoed" not in body, url
        assert gone.get_absolute_url() not in body and "Expired" not in body, url
    assert client.get(later.get_absolute_url()).status_code == 404
    assert client.get(gone.get_absolute_url()).status_code == 404


def test_compiled_queries_take_the_time_as_a_value_not_baked_in():
    now = timezone.now()
    later = story("Embargoed", publish_at=now + HOUR)
    assert [r.pk for r in queries.newest(None, 20).articles] == []
    # The same compiled query, asked at a later time, lets it through.
    query = queries._page_query(None, 20, None)
    assert [row.pk for row in query.rows(now + 2 * HOUR)] == [later.pk]
    topic = later.topics.get()
    assert [row.pk for row in queries._page_query(type(topic), 20, None).rows(topic.pk, now)] == []
    rows = queries._page_query(type(topic), 20, None).rows(topic.pk, now + 2 * HOUR)
    assert [row.pk for row in rows] == [later.pk]
    assert queries._story_query(False).rows(later.pk, now) == []
    assert len(queries._story_query(False).rows(later.pk, now + 2 * HOUR)) == 1


def test_a_topic_page_fills_up_past_scheduled_stories():
    now = timezone.now()
    for n in range(3):
        story(f"Old {n}", published_at=now - HOUR * (10 + n))
    for n in range(3):
        story(f"Embargoed {n}", publish_at=now + HOUR, published_at=now - HOUR)
    topic = Article.objects.get(title="Old 0").topics.get()
    page = queries.newest(topic, 2)
    assert [row.shown_title for row in page.articles] == ["Old 0", "Old 1"]
    assert page.older is not None


def test_next_change_is_the_first_scheduled_moment_of_a_published_story():
    now = timezone.now()
    assert scheduling.next_change(now) is None
    story("Appears", publish_at=now + 3 * HOUR)
    story("Expires", unpublish_at=now + 2 * HOUR)
    story("Draft", published=False, publish_at=now + HOUR)
    story("Past", publish_at=now - HOUR)
    assert scheduling.next_change(now) == now + 2 * HOUR
    assert scheduling.next_change(now + 2 * HOUR) == now + 3 * HOUR
    assert scheduling.next_change(now + 3 * HOUR) is None


def test_next_change_reads_its_partial_indexes():
    with CaptureQueriesContext(connection) as queries_run:
        scheduling.next_change(timezone.now())
    for field, query in zip(("publish_at", "unpublish_at"), queries_run, strict=True):
        explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        with connection.cursor() as cursor:
            cursor.execute(explain + query["sql"])
            assert f"article_{field}" in str(cursor.fetchall())


def test_every_bump_records_the_next_scheduled_moment():
    now = timezone.now()
    story("Appears", publish_at=now + HOUR)
    bump_content_version()
    assert content_state().next_change_at == now + HOUR


def test_the_version_moves_on_once_when_the_scheduled_moment_comes():
    now = timezone.now()
    story("Appears", publish_at=now + HOUR)
    story("Then expires", unpublish_at=now + 2 * HOUR)
    bump_content_version()
    before = content_state()
    assert current_state(now) == before  # not yet
    moved = current_state(now + HOUR)
    assert moved.version == before.version + 1
    assert moved.changed_at == now + HOUR  # pages changed then: Last-Modified says so
    assert moved.next_change_at == now + 2 * HOUR
    assert current_state(now + HOUR) == moved  # once only


def test_a_cached_page_does_not_outlive_the_scheduled_moment(client):
    now = timezone.now()
    article = story("Embargoed until noon", publish_at=now + HOUR)
    bump_content_version()
    first = client.get("/")
    assert b"Embargoed until noon" not in first.content
    assert client.get("/")["X-Cache"] == "HIT"
    # The hour passes: the story's time comes (set here as if it had been), and nothing writes.
    Article.objects.filter(pk=article.pk).update(publish_at=now - HOUR)
    ContentVersion.objects.update(next_change_at=now - dt.timedelta(seconds=1))
    cache.delete(MIRROR_KEY)  # Redis's copy of the version (if kept) lives no longer than that
    second = client.get("/")
    assert second["X-Cache"] == "MISS"
    assert b"Embargoed until noon" in second.content
    assert second["ETag"] != first["ETag"]
    # A client holding the old page's ETag gets the new page, not a 304.
    assert client.get("/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_a_story_cannot_expire_before_it_appears():
    now = timezone.now()
    article = story("Backwards")
    article.publish_at, article.unpublish_at = now, now - HOUR
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "unpublish_at" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(publish_at=now, unpublish_at=now - HOUR)


def test_schedule_times_are_stored_in_utc(settings):
    settings.TIME_ZONE = "America/New_York"
    local = dt.datetime(2030, 1, 5, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    article = story("Zoned", publish_at=local)
    article.refresh_from_db()
    assert article.publish_at == local
    assert article.publish_at.utcoffset() == dt.timedelta(0)
    assert article.publish_at.hour == 14
