"""The reader's search: /search/, its feeds, /opensearch.xml, the header's search box."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from articles.models import Article, Provider
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db


def results(response) -> list[str]:
    """The headlines listed, marks taken out."""
    html = response.content.decode()
    return [
        re.sub(r"</?mark>", "", title)
        for title in re.findall(r'<h2 class="story__title"><a [^>]+>(.*?)</a></h2>', html)
    ]


def test_every_page_has_the_search_box_and_the_opensearch_link(client):
    story = make_article(title="Boxed", published=True)
    for url in ("/", "/topics/", "/providers/", story.get_absolute_url(), "/search/", "/nope/"):
        html = client.get(url).content.decode()
        assert '<form class="site-search" action="/search/" method="get" role="search">' in html
        assert '<input type="search" id="site-search-q" name="q"' in html, url
        assert (
            '<link rel="search" type="application/opensearchdescription+xml" title="Newsroom" '
            'href="/opensearch.xml">'
        ) in html, url
        assert "<script" not in html.replace('<script type="application/ld+json">', ""), url


def test_readers_find_only_published_stories_marked_and_escaped(client):
    make_article(title="Otters <b>return</b>", body="The river otters came back.", published=True)
    make_article(title="Otters unpublished", published=False)
    response = client.get("/search/", {"q": "otter"})
    html = response.content.decode()
    assert response.status_code == 200
    assert results(response) == ["Otters &lt;b&gt;return&lt;/b&gt;"]
    assert "<mark>Otters</mark> &lt;b&gt;return&lt;/b&gt;" in html
    assert "river <mark>otters</mark> came back" in html
    assert "1 story matches" in html
    assert '<meta name="robots" content="noindex, follow">' in html


def test_a_search_is_never_cached_and_follows_publishing(client):
    story = make_article(title="Harbour news", published=True)
    assert "X-Cache" not in client.get("/search/", {"q": "harbour"})
    Article.objects.filter(pk=story.pk).update(published=False)
    assert results(client.get("/search/", {"q": "harbour"})) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Type a word or two to search the stories."),
        ("   ", "Type a word or two to search the stories."),
        ("x" * 10_000, "That search is 10,000 characters long: shorten it to 200 or fewer."),
        ("-rain", "Type a word to look for, not only words to leave out."),
        ("* 🚀 ^", "Type a word to look for: letters or digits (symbols alone find nothing)."),
        ("* or OR", "Type a word to look for: “or” only joins two."),
        ("nothingmatchesthis", "No published story matches."),
    ],
)
def test_an_empty_long_or_unmatched_search_gets_a_friendly_page(client, query, message):
    make_article(title="Rain", published=True)
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert f'<p class="search-empty" role="status">{message}' in response.content.decode()


def test_filters_by_topic_provider_and_dates(client):
    now = timezone.now()
    gazette = Provider.objects.create(name="Valley Gazette", domain="valley.test")
    make_article(title="Flood A", topics=["Weather"], published=True, published_at=now)
    make_article(title="Flood B", provider=gazette, published=True, published_at=now)
    old = now - dt.timedelta(days=400)
    make_article(title="Flood C", published=True, published_at=old)

    def search(**filters):
        return results(client.get("/search/", {"q": "flood", **filters}))

    assert sorted(search()) == ["Flood A", "Flood B", "Flood C"]
    assert search(topic="Weather") == ["Flood A"]
    assert search(topic="weather") == ["Flood A"]
    assert search(provider="valley.test") == ["Flood B"]
    assert search(provider="valley gazette") == ["Flood B"]
    day = old.date().isoformat()
    assert search(**{"from": day, "to": day}) == ["Flood C"]
    assert "Flood C" not in search(**{"from": (old.date() + dt.timedelta(days=1)).isoformat()})
    html = client.get("/search/", {"q": "flood", "topic": "Nope", "to": "31/12/2020"}).content
    assert "No topic called “Nope”: searched every topic." in html.decode()
    assert "“31/12/2020” is not a date like 2024-05-31: left out." in html.decode()


def test_filters_know_only_what_readers_can_browse(client):
    gazette = Provider.objects.create(name="Valley Gazette", domain="valley.test")
    hidden = Provider.objects.create(name="Back Office", domain="back.test")
    make_article(title="Flood A", provider=gazette, topics=["Weather"], published=True)
    make_article(title="Flood B", provider=hidden, topics=["Secret plans"], published=False)

    def search(**filters):
        return client.get("/search/", {"q": "flood", **filters}).content.decode()

    assert results(client.get("/search/", {"q": "flood", "provider": "www.valley.test"})) == [
        "Flood A"
    ]
    wide = Provider.objects.create(name="ＮＨＫ ﾆｭｰｽ", domain="nhk.test")  # as stored, typed so
    make_article(title="Flood W", provider=wide, published=True)
    assert results(client.get("/search/", {"q": "flood", "provider": "ＮＨＫ ﾆｭｰｽ"})) == ["Flood W"]
    # a provider or topic with no published story is as unknown here as at its own page
    assert "No provider “back.test”: searched every provider." in search(provider="back.test")
    assert "No topic called “Secret plans”: searched every topic." in search(topic="Secret plans")
    assert client.get("/providers/back.test/").status_code == 404


def test_pages_of_twenty(client, monkeypatch):
    from articles.reader import search_page as search

    now = timezone.now()
    for n in range(25):
        make_article(title=f"Comet {n}", published=True, published_at=now - dt.timedelta(hours=n))
    first = client.get("/search/", {"q": "comet"})
    assert results(first) == [f"Comet {n}" for n in range(20)]
    assert '<a rel="next" href="?q=comet&amp;page=2">' in first.content.decode()
    second = client.get("/search/", {"q": "comet", "page": "2"})
    assert results(second) == [f"Comet {n}" for n in range(20, 25)]
    assert '<a rel="prev" href="?q=comet">' in second.content.decode()
    assert "page 2 of 2" in second.content.decode()
    monkeypatch.setattr(search, "MAX_PAGE", 1)
    capped = client.get("/search/", {"q": "comet"}).content.decode()
    assert "More than 20 stories match (add a word to narrow it)" in capped
    assert 'rel="next"' not in capped
    monkeypatch.undo()
    beyond = client.get("/search/", {"q": "comet", "page": "7"})
    assert beyond.status_code == 200 and "No more matches." in beyond.content.decode()
    for page in ("x", "-1", "0", "١"):
        assert results(client.get("/search/", {"q": "comet", "page": page}))[0] == "Comet 0"


def test_a_page_of_results_costs_a_fixed_number_of_queries(client, django_assert_num_queries):
    for n in range(30):
        make_article(title=f"Lantern {n}", topics=["Light", "Festival"], published=True)
    client.get("/search/", {"q": "lantern"})
    # the matches, their count, their highlights, the rows, their topics; on PostgreSQL the
    # search's two run in a savepoint that turns parallel workers off (articles.search)
    from django.db import connection

    with django_assert_num_queries(5 if connection.vendor == "sqlite" else 8):
        assert len(results(client.get("/search/", {"q": "lantern"}))) == 20


def test_a_search_can_be_followed_as_a_feed(client):
    now = timezone.now()
    make_article(
        title="Facial recognition old", published=True, published_at=now - dt.timedelta(days=2)
    )
    make_article(title="Facial recognition new", published=True, published_at=now)
    make_article(title="Facial recognition draft", published=False)
    page = client.get("/search/", {"q": "facial recognition"}).content.decode()
    assert 'href="/search/rss/?q=facial+recognition"' in page
    assert 'href="/search/atom/?q=facial+recognition"' in page
    rss = client.get("/search/rss/", {"q": "facial recognition"})
    assert rss["Content-Type"].startswith("application/rss+xml")
    titles = re.findall(r"<item><title>(.*?)</title>", rss.content.decode())
    assert titles == ["Facial recognition new", "Facial recognition old"]
    assert "stories matching “facial recognition”" in rss.content.decode()
    atom = client.get("/search/atom/", {"q": "facial recognition"})
    assert atom["Content-Type"].startswith("application/atom+xml")
    assert atom.content.decode().count("<entry>") == 2
    # a reader can subscribe from the feed's own address: it names the search
    assert 'href="http://testserver/search/atom/?q=facial+recognition" rel="self"' in (
        atom.content.decode()
    ) or 'rel="self" href="http://testserver/search/atom/?q=facial+recognition"' in (
        atom.content.decode()
    )
    assert 'href="/search/json/?q=facial+recognition"' in page
    feed = client.get("/search/json/", {"q": "facial recognition"})
    assert feed["Content-Type"].startswith("application/feed+json")
    assert [item["title"] for item in feed.json()["items"]] == [
        "Facial recognition new",
        "Facial recognition old",
    ]
    empty = client.get("/search/rss/", {"q": '"('})
    assert empty.status_code == 200 and "<item>" not in empty.content.decode()


def test_a_followed_search_keeps_its_filters(client):
    now = timezone.now()
    gazette = Provider.objects.create(name="Valley Gazette", domain="valley.test")
    make_article(title="Flood A", topics=["Weather"], published=True, published_at=now)
    make_article(
        title="Flood B", provider=gazette, topics=["Weather"], published=True,
        published_at=now - dt.timedelta(hours=1),
    )  # fmt: skip
    old = now - dt.timedelta(days=400)
    make_article(title="Flood C", provider=gazette, published=True, published_at=old)
    wanted = {"q": "flood", "topic": "weather", "provider": "valley.test"}
    page = client.get("/search/", wanted).content.decode()
    for kind in ("rss", "atom", "json"):  # "Follow this search", the head's and foot's links
        filtered = f'href="/search/{kind}/?q=flood&amp;topic=weather&amp;provider=valley.test"'
        assert filtered in page and f'href="/search/{kind}/?q=flood"' not in page
    assert 'title="Newsroom: stories matching “flood” in Weather from Valley Gazette (RSS)"' in page
    rss = client.get("/search/rss/", wanted).content.decode()
    assert re.findall(r"<item><title>(.*?)</title>", rss) == ["Flood B"]
    assert "<title>Newsroom: stories matching “flood” in Weather from Valley Gazette</title>" in rss
    assert (
        "<link>http://testserver/search/?q=flood&amp;topic=weather&amp;provider=valley.test</link>"
        in rss
    )
    day = old.date().isoformat()
    dated = client.get("/search/json/", {"q": "flood", "to": day}).json()
    assert [item["title"] for item in dated["items"]] == ["Flood C"]
    assert dated["title"] == f"Newsroom: stories matching “flood”, until {day}"
    assert dated["feed_url"] == f"http://testserver/search/json/?q=flood&to={day}"


def test_opensearch_description(client):
    response = client.get("/opensearch.xml")
    assert response["Content-Type"] == "application/opensearchdescription+xml; charset=utf-8"
    xml = response.content.decode()
    assert (
        '<Url type="text/html" method="get" template="http://testserver/search/?q={searchTerms}"/>'
        in xml
    )
    assert "<ShortName>Newsroom</ShortName>" in xml


def test_a_nul_in_a_search_is_no_error_but_still_is_in_an_address(client):
    make_article(title="Tide tables", published=True)
    assert results(client.get("/search/?q=ti%00de+tables")) == []
    assert results(client.get("/search/?q=tide%00tables")) == ["Tide tables"]
    assert client.get("/search%00/?q=tide").status_code == 400
    assert client.get("/?before=%00").status_code == 400


def test_robots_keep_crawlers_out_of_searches(client):
    assert "Disallow: /search/" in client.get("/robots.txt").content.decode()
