"""sitemap.xml, its sections and the Google News sitemap: published stories only."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from articles.models import Article
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}
NOW = timezone.now()


def story(title: str, *, hours_ago: float = 0, **fields) -> Article:
    fields.setdefault("published", True)
    return make_article(title=title, published_at=NOW - dt.timedelta(hours=hours_ago), **fields)


def xml(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)


def test_index_lists_every_section_with_lastmod(client):
    story("Live", topics=["AI"])
    index = xml(client, "/sitemap.xml")
    locations = [loc.text for loc in index.findall("sm:sitemap/sm:loc", NS)]
    assert locations == [
        f"http://testserver/sitemap-{section}.xml"
        for section in ["pages", "articles", "topics", "categories", "providers"]
    ]
    article_entry = index.findall("sm:sitemap", NS)[1]
    assert article_entry.find("sm:lastmod", NS) is not None


def test_article_sitemap_lists_published_stories_with_lastmod(client):
    live = story("Live")
    story("Draft", published=False)
    republished = NOW + dt.timedelta(days=3)  # an editor's change after the last import
    Article.objects.filter(pk=live.pk).update(published_changed_at=republished)
    urls = xml(client, "/sitemap-articles.xml").findall("sm:url", NS)
    assert [url.find("sm:loc", NS).text for url in urls] == [
        f"http://testserver{live.get_absolute_url()}"
    ]
    assert urls[0].find("sm:lastmod", NS).text == republished.date().isoformat()


def test_term_sitemaps_list_only_terms_with_published_stories(client):
    story("Live", topics=["AI"])
    story("Draft", topics=["Hidden"], published=False)
    locations = [loc.text for loc in xml(client, "/sitemap-topics.xml").iter(f"{{{NS['sm']}}}loc")]
    assert locations == ["http://testserver/topics/ai/"]
    providers = [
        loc.text for loc in xml(client, "/sitemap-providers.xml").iter(f"{{{NS['sm']}}}loc")
    ]
    assert providers == ["http://testserver/providers/example.com/"]


def test_news_sitemap_holds_the_last_48_hours(client):
    fresh = story("Fresh & new", hours_ago=2, locale="fr-fr")
    story("Two days and more", hours_ago=49)
    story("Fresh draft", hours_ago=1, published=False)
    root = xml(client, "/news-sitemap.xml")
    urls = root.findall("sm:url", NS)
    assert [url.find("sm:loc", NS).text for url in urls] == [
        f"http://testserver{fresh.get_absolute_url()}"
    ]
    news = urls[0].find("news:news", NS)
    assert news.find("news:title", NS).text == "Fresh & new"
    assert news.find("news:publication/news:language", NS).text == "fr"
    assert news.find("news:publication/news:name", NS).text == "Newsroom"
    published = dt.datetime.fromisoformat(news.find("news:publication_date", NS).text)
    assert published == fresh.published_at.replace(microsecond=0) or published == fresh.published_at


def test_sitemap_index_does_not_walk_every_story(client, django_assert_max_num_queries):
    for n in range(30):
        story(f"S{n}")
    with django_assert_max_num_queries(12):
        client.get("/sitemap.xml")
