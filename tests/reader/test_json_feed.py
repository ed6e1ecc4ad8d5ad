"""JSON Feed 1.1 beside RSS and Atom: every list with feeds has one, pages link it, and it holds
what the RSS feed holds, excerpts as ``content_text``."""

from __future__ import annotations

import datetime as dt
import json

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from articles.reader.feeds import feed_routes
from articles.reader.syndication import JSON_FEED_VERSION
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db

NOW = timezone.now()
LISTS = ["/feeds/", "/topics/harbour/", "/categories/city/", "/providers/example.com/"]


def story(title: str, *, minutes_ago: int = 0, **fields):
    fields.setdefault("published", True)
    return make_article(title=title, published_at=NOW - dt.timedelta(minutes=minutes_ago), **fields)


def json_feed(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/feed+json; charset=utf-8"
    return json.loads(response.content)


def assert_json_feed_1_1(feed: dict) -> None:
    """The fields JSON Feed 1.1 requires, and the types it gives the ones used here."""
    assert feed["version"] == JSON_FEED_VERSION
    assert isinstance(feed["title"], str) and feed["title"]
    assert feed["home_page_url"].startswith("http://testserver/")
    assert feed["feed_url"].startswith("http://testserver/")
    assert isinstance(feed["items"], list)
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert "content_text" in item or "content_html" in item
        assert item["url"].startswith("http://testserver/articles/")
        dt.datetime.fromisoformat(item["date_published"])  # RFC 3339
        assert all(isinstance(tag, str) for tag in item.get("tags", []))
        assert all(isinstance(author["name"], str) for author in item.get("authors", []))


@pytest.mark.parametrize("base", LISTS)
def test_every_list_with_feeds_has_a_json_feed_of_the_same_stories(client, base):
    from articles.models import Category

    city = Category.objects.create(name="City", slug="city")
    story("Older", minutes_ago=10, topics=["Harbour"], category=city, excerpt="Plain <b>text</b>")
    story("Newer", topics=["Harbour"], category=city)
    story("Hidden", published=False, topics=["Harbour"], category=city)
    feed = json_feed(client, f"{base}json/")
    assert_json_feed_1_1(feed)
    assert [item["title"] for item in feed["items"]] == ["Newer", "Older"]
    rss = feedparser.parse(client.get(f"{base}rss/").content)
    assert [item["url"] for item in feed["items"]] == [entry.link for entry in rss.entries]
    older = feed["items"][1]
    assert older["content_text"] == "Plain <b>text</b>"  # text, as it is: JSON needs no escape
    assert older["tags"] == ["Harbour"]
    assert older["authors"] == [{"name": "Example News"}]


def test_pages_link_their_json_feed(client):
    story("Linked", topics=["Harbour"])
    for page, feed in [("/", "/feeds/json/"), ("/topics/harbour/", "/topics/harbour/json/")]:
        html = client.get(page).content.decode()
        assert (
            '<link rel="alternate" type="application/feed+json" title="' in html
            and f'href="{feed}">' in html
        )


def test_a_json_feed_of_an_unknown_or_empty_list_is_404(client):
    assert client.get("/topics/nothing/json/").status_code == 404


def test_a_json_feed_carries_what_xml_cannot(client):
    story('Bell \x07 and quote " in a title', excerpt="Line\x0bfeed")
    feed = json_feed(client, "/feeds/json/")
    assert feed["items"][0]["title"] == 'Bell \x07 and quote " in a title'


def test_one_declaration_gives_a_list_all_three_formats():
    from articles.reader.feeds import LatestFeed

    routes = feed_routes("late/", "late", LatestFeed)
    assert [(str(r.pattern), r.name) for r in routes] == [
        ("late/rss/", "late-rss"),
        ("late/atom/", "late-atom"),
        ("late/json/", "late-json"),
    ]
    assert reverse("articles:topic-json", args=["x"]) == "/topics/x/json/"


def test_a_json_feed_with_no_items_still_has_its_items(client):
    """JSON Feed 1.1 requires ``items`` (and ``title``), even when nothing matches."""
    feed = json.loads(client.get("/search/json/", {"q": "nothingmatchesthis"}).content)
    assert feed["items"] == [] and feed["title"]
    assert feed["feed_url"] == "http://testserver/search/json/?q=nothingmatchesthis"
