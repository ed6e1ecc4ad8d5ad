"""RSS and Atom feeds: parsed with feedparser, published stories only."""

from __future__ import annotations

import datetime as dt
import html

import feedparser
import pytest
from django.utils import timezone

from articles.models import Article, Category, Provider, Topic
from tests.helpers.factories import make_article

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


# --- Issue #11: excerpts as text, control characters, update dates ----------------------------

HOSTILE_EXCERPT = "Tap <img src=x onerror=alert(1)> & see <b>this</b> <!-- the rest is hidden"


def test_rss_sends_the_excerpt_as_escaped_text(client):
    story("Hostile excerpt", excerpt=HOSTILE_EXCERPT)
    entry = parse(client, "/feeds/rss/").entries[0]
    # RSS 2.0 descriptions are HTML: the excerpt's own characters come back as text.
    assert entry.summary_detail.type == "text/html"
    assert "<" not in entry.summary and ">" not in entry.summary
    assert html.unescape(entry.summary) == HOSTILE_EXCERPT


def test_atom_sends_the_excerpt_as_a_text_summary(client):
    story("Hostile excerpt", excerpt=HOSTILE_EXCERPT)
    response = client.get("/feeds/atom/")
    assert b'<summary type="text">' in response.content
    entry = parse(client, "/feeds/atom/").entries[0]
    assert entry.summary_detail.type == "text/plain"
    assert entry.summary == HOSTILE_EXCERPT


def test_channel_description_of_a_term_is_escaped_text_in_rss(client):
    story("Odd topic").topics.add(Topic.objects.create(name="<b>Bold</b>", slug="bold"))
    feed = parse(client, "/topics/bold/rss/")
    assert "<" not in feed.feed.subtitle
    assert html.unescape(feed.feed.subtitle) == "The newest stories under topic <b>Bold</b>."


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_control_characters_in_stored_text_never_break_a_feed(client, kind):
    paper = Provider.objects.create(name="Pa\x02per", domain="paper.example")
    article = story(
        "Bell\x07 and\x01 null", excerpt="Vertical\x0btab\x1f.\ufffe", provider=paper,
        category=Category.objects.create(name="Ne\x0cws", slug="news"),
    )  # fmt: skip
    article.topics.add(Topic.objects.create(name="Ta\x1bg", slug="tag"))
    for url in [f"/feeds/{kind}/", f"/topics/tag/{kind}/", f"/providers/paper.example/{kind}/"]:
        entry = parse(client, url).entries[0]
        assert entry.title == "Bell and null"
        assert entry.summary == "Verticaltab."
        assert entry.author == "Paper"
        assert [tag.term for tag in entry.tags] == ["Tag"]
    assert parse(client, f"/providers/paper.example/{kind}/").feed.title == "Newsroom: Paper"
    assert parse(client, f"/categories/news/{kind}/").feed.title == "Newsroom: News"


def test_atom_updated_ignores_a_source_update_before_publication(client):
    stale = story("Stale update", minutes_ago=1)
    fresh = story("Real update", minutes_ago=2)
    Article.objects.filter(pk=stale.pk).update(
        source_updated_at=stale.published_at - dt.timedelta(days=400)
    )
    later = fresh.published_at + dt.timedelta(minutes=1, seconds=1)
    Article.objects.filter(pk=fresh.pk).update(source_updated_at=later)
    entries = {entry.title: entry for entry in parse(client, "/feeds/atom/").entries}

    def when(value) -> dt.datetime:
        return dt.datetime(*value[:6], tzinfo=dt.UTC)

    assert when(entries["Stale update"].updated_parsed) == stale.published_at.replace(microsecond=0)
    assert when(entries["Real update"].updated_parsed) == later.replace(microsecond=0)


def test_xml_text_drops_every_character_xml_cannot_carry():
    from articles.reader.syndication import xml_text

    assert xml_text("a\x00b\x08c\td\ne\rf\x0b\x0c\x1f\x7fé\ufffe\uffffg") == "abc\td\ne\rf\x7fég"


@pytest.mark.parametrize("url", ["/feeds/rss/", "/feeds/atom/"])
def test_a_stored_lead_image_is_the_entrys_jpeg_enclosure_from_this_site(client, url):
    from articles.images.models import StoredImage
    from tests.helpers import images

    pictured = story("Pictured", minutes_ago=1)
    made = {**images.manifest(pictured.pk), "jpeg_bytes": 12345}
    StoredImage.objects.create(article=pictured, renditions=made)
    story("Plain", minutes_ago=2)
    entries = parse(client, url).entries
    [enclosure] = [link for link in entries[0].links if link.rel == "enclosure"]
    assert enclosure.href == f"http://testserver/media/{made['jpeg'][2]}"
    assert (enclosure.type, enclosure.length) == ("image/jpeg", "12345")
    assert not [link for link in entries[1].links if link.rel == "enclosure"]
