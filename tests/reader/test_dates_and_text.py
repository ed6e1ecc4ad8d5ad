"""Issue #11 on the reader's pages: dates as HTML takes them, update dates that make sense,
excerpts cut off by their source, /top/ with the largest scores, the favicon, and the news
sitemap with control characters."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Provider, RelatedLink
from articles.reader.presenters import TEASER_WORDS, whole
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db

# A publication date with microseconds, as imports and the admin store them.
PUBLISHED = timezone.now().replace(microsecond=123456) - dt.timedelta(hours=1)
INT_MAX = 2**31 - 1


def story(title: str, **fields) -> Article:
    fields.setdefault("published", True)
    fields.setdefault("published_at", PUBLISHED)
    return make_article(title=title, **fields)


def html_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def ld_json(html: str) -> dict:
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(block[1])


# --- <time datetime> and metadata: at most 3 fraction digits ---------------------------------


def test_dates_in_pages_carry_no_microseconds(client):
    article = story("Timed", topics=["AI"], source_updated_at=PUBLISHED + dt.timedelta(hours=1))
    RelatedLink.objects.create(
        article=article, position=0, title="Elsewhere", url="https://a.example/1",
        web_url="https://a.example/1", published_at=PUBLISHED,
    )  # fmt: skip
    for url in ["/", "/top/", "/topics/ai/", article.get_absolute_url()]:
        html = html_of(client, url)
        stamps = re.findall(r'(?:datetime|content)="(\d{4}-\d\d-\d\dT[^"]*)"', html)
        assert stamps, url
        for stamp in stamps:
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?[+-]\d\d:\d\d", stamp)
    html = html_of(client, article.get_absolute_url())
    assert html.count("<time datetime=") == 3  # published, updated, related coverage
    assert f'datetime="{PUBLISHED.isoformat(timespec="seconds")}"' in html


# --- An update date before the publication date is no update ---------------------------------


def test_an_update_before_publication_is_not_shown(client):
    article = story("Old update", source_updated_at=PUBLISHED - dt.timedelta(days=400))
    html = html_of(client, article.get_absolute_url())
    assert "updated" not in html
    data = ld_json(html)
    assert data["dateModified"] == data["datePublished"]


def test_an_update_after_publication_is_shown(client):
    later = PUBLISHED + dt.timedelta(days=2)
    article = story("New update", source_updated_at=later)
    html = html_of(client, article.get_absolute_url())
    assert f'updated <time datetime="{later.isoformat(timespec="seconds")}">' in html
    modified = dt.datetime.fromisoformat(ld_json(html)["dateModified"])
    assert modified.replace(microsecond=0) == later.replace(microsecond=0)


# --- Excerpts cut off by their source ----------------------------------------------------------


@pytest.mark.parametrize(
    ("excerpt", "shown"),
    [
        ("The council voted.", "The council voted."),
        ("Did it pass?", "Did it pass?"),
        ("It passed!", "It passed!"),
        ("And then…", "And then…"),
        ("And then...", "And then..."),
        ('He said "yes."', 'He said "yes."'),
        ("Il a dit « oui. »", "Il a dit « oui. »"),
        ("Il a dit\u00a0: « oui »", "Il a dit\u00a0: « oui »…"),
        ("(It passed.)", "(It passed.)"),
        ("会议通过了。", "会议通过了。"),
        ("The council voted to", "The council voted to…"),
        ("The council voted to ban,", "The council voted to ban…"),
        ("Officials said: ", "Officials said…"),
        ("The mayor — ", "The mayor…"),
        ("", ""),
        ("— ", "—"),
    ],
)
def test_an_excerpt_cut_off_by_its_source_ends_with_an_ellipsis(excerpt, shown):
    assert whole(excerpt) == shown


def test_list_and_story_page_mark_an_excerpt_cut_off_by_its_source(client):
    cut = story("Cut", excerpt="The council voted to ban facial recognition in the")
    full = story("Full", excerpt="The council voted.")
    home = html_of(client, "/")
    assert '<p class="story__excerpt">The council voted to ban facial recognition in the…</p>' in (
        home
    )
    assert '<p class="story__excerpt">The council voted.</p>' in home
    page = html_of(client, cut.get_absolute_url())
    assert '<p class="standfirst">The council voted to ban facial recognition in the…</p>' in page
    assert '<p class="standfirst">The council voted.</p>' in html_of(
        client, full.get_absolute_url()
    )


def test_a_long_excerpt_is_cut_to_its_summary_with_one_ellipsis(client):
    words = " ".join(f"w{n}" for n in range(TEASER_WORDS + 5))
    story("Long", excerpt=words)
    home = html_of(client, "/")
    summary = " ".join(f"w{n}" for n in range(TEASER_WORDS)) + " …"
    assert f'<p class="story__excerpt">{summary}</p>' in home


# --- /top/ with the largest scores the importer accepts ----------------------------------------


def test_top_ranks_stories_whose_scores_overflow_an_integer(client):
    story("Lukewarm", heat=10, quality=10)
    story("Off the scale", heat=INT_MAX, quality=INT_MAX)
    story("Deep negative", heat=-INT_MAX - 1, quality=-INT_MAX - 1)
    html = html_of(client, reverse("articles:top"))
    assert html.index("Off the scale") < html.index("Lukewarm") < html.index("Deep negative")


# --- The favicon ---------------------------------------------------------------------------------


def test_favicon_ico_answers_with_the_site_icon_and_is_cacheable(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/articles/favicon.ico"
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", "max-age=86400"} <= cache_control
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_pages_link_the_icon(client):
    story("Any")
    html = html_of(client, "/")
    assert '<link rel="icon" href="/static/articles/favicon.ico"' in html
    assert '<link rel="icon" href="/static/articles/logo.svg" type="image/svg+xml">' in html


# --- The news sitemap with control characters --------------------------------------------------


def test_news_sitemap_drops_what_xml_cannot_carry(client):
    fresh = story(
        "Bell\x07 and\x01 null",
        published_at=timezone.now().replace(microsecond=654321) - dt.timedelta(hours=1),
        provider=Provider.objects.create(name="Paper", domain="paper.example"),
    )
    response = client.get("/news-sitemap.xml")
    assert response.status_code == 200
    ns = {"news": "http://www.google.com/schemas/sitemap-news/0.9"}
    news = ET.fromstring(response.content).find(".//news:news", ns)
    assert news.find("news:title", ns).text == "Bell and null"
    date = news.find("news:publication/../news:publication_date", ns).text
    assert date == fresh.published_at.isoformat(timespec="seconds")
