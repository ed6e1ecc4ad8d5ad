"""RSS and Atom feeds: parsed with feedparser, published stories only."""

from __future__ import annotations

import datetime as dt

import feedparser
import pytest
from django.utils import timezone

from articles.models import Category, Provider

from .factories import make_article

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def story(title: str, *, minutes_ago: int = 0, **fields):
    fields.setdefault("published", True)
    return make_article(title=title, published_at=NOW - dt.timedelta(minutes=minutes_ago), **fields)


def parse(client, url: str) -> feedparser.FeedParserDict:
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


@pytest.mark.parametrize(("url", "version"), [("/feeds/rss/", "rss20"), ("/feeds/atom/", "atom10")])
def test_home_feeds_list_published_stories_newest_first(client, url, version):
    older = story("Older story", minutes_ago=5, excerpt="Before.", topics=["AI"])
    story("Newer story", minutes_ago=1)
    story("Draft story", published=False)
    feed = parse(client, url)
    assert feed.version == version
    assert [entry.title for entry in feed.entries] == ["Newer story", "Older story"]
    entry = feed.entries[1]
    assert entry.link == f"http://testserver{older.get_absolute_url()}"
    assert entry.summary == "Before."
    assert [tag.term for tag in entry.tags] == ["AI"]
    assert entry.author == "Example News"
    assert dt.datetime(*entry.published_parsed[:6], tzinfo=dt.UTC) == older.published_at.replace(
        microsecond=0
    )


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_topic_category_and_provider_feeds_hold_their_own_stories(client, kind):
    news = Category.objects.create(name="News", slug="news")
    paper = Provider.objects.create(name="Paper", domain="paper.example")
    story("Climate story", topics=["Climate"])
    story("News story", category=news)
    story("Paper story", provider=paper)
    story("Draft climate", topics=["Climate"], published=False)
    expected = {
        "/topics/climate/": "Climate story",
        "/categories/news/": "News story",
        "/providers/paper.example/": "Paper story",
    }
    for page, title in expected.items():
        feed = parse(client, f"{page}{kind}/")
        assert [entry.title for entry in feed.entries] == [title]
        assert feed.feed.link == f"http://testserver{page}"


def test_feed_of_a_topic_without_published_stories_is_not_found(client):
    story("Draft", topics=["Quiet"], published=False)
    assert client.get("/topics/quiet/rss/").status_code == 404


def test_feeds_escape_hostile_text(client):
    hostile = '<script>alert("x")</script> & more'
    story(hostile, excerpt=hostile)
    response = client.get("/feeds/rss/")
    assert b"<script>" not in response.content
    feed = feedparser.parse(response.content)
    assert feed.entries[0].title == hostile


def test_feed_query_count_does_not_grow_with_the_list(client, django_assert_num_queries):
    for n in range(12):
        story(f"S{n}", minutes_ago=n, topics=[f"T{n}", "AI"])
    # content version + stories + topics
    with django_assert_num_queries(3):
        client.get("/feeds/atom/")
