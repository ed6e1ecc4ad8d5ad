"""The public pages: what readers and staff see, query budgets, pagination, escaping."""

from __future__ import annotations

import datetime as dt
import gzip
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.images.models import StoredImage
from articles.models import Article, ArticleImage, Category, Provider, RelatedLink
from articles.reader.pagination import Cursor
from tests.helpers import images
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def staff_client(django_user_model) -> Client:
    """A member of the desk who may view stories in the admin (a Reviewer's permission)."""
    user = django_user_model.objects.create_user("desk", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_article"))
    client = Client()
    client.force_login(user)
    return client


def story(title: str, *, minutes_ago: int = 0, **fields) -> Article:
    fields.setdefault("published", True)
    return make_article(title=title, published_at=NOW - dt.timedelta(minutes=minutes_ago), **fields)


def with_image(article: Article, *, stored: bool = True, **fields) -> ArticleImage:
    """The source's lead image, and (``stored``) our copy of it, as fetch_images leaves it."""
    values = {"url": f"https://img.example.com/{article.pk}.jpg", "width": 640, "height": 360}
    image = ArticleImage.objects.create(article=article, position=0, **{**values, **fields})
    if stored:
        StoredImage.objects.create(
            article=article, source_url=image.url, renditions=images.manifest(article.pk)
        )
    return image


def links(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


# --- Home -------------------------------------------------------------------------------


def test_home_lists_published_stories_newest_first_and_nothing_else(client):
    story("Older news", minutes_ago=10)
    story("Fresh news", minutes_ago=1)
    story("Secret draft", published=False)
    html = client.get("/").content.decode()
    assert html.index("Fresh news") < html.index("Older news")
    assert "Secret draft" not in html


def test_home_items_show_provider_date_excerpt_image_and_topics(client):
    article = story("A story", excerpt="What happened.", topics=["Climate"])
    with_image(article, title="Flooded street")
    html = client.get("/").content.decode()
    assert "Example News" in html
    assert f'datetime="{article.published_at.isoformat(timespec="seconds")}"' in html
    assert "What happened." in html
    made = images.manifest(article.pk)
    assert f'src="/media/{made["jpeg"][2]}"' in html and 'alt="Flooded street"' in html
    assert f"/media/{made['webp'][0][2]} 400w" in html
    assert 'width="1200" height="675"' in html
    assert "img.example.com" not in html  # never the publisher's copy
    assert reverse("articles:topic", args=["climate"]) in links(html)
    assert article.get_absolute_url() in links(html)


def test_empty_site_explains_itself_and_points_staff_to_the_admin(client):
    story("Not yet", published=False)
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing is published yet" in html
    assert reverse("admin:index") in links(html)
    assert "Not yet" not in html


@pytest.mark.parametrize("count", [3, 25])
def test_home_runs_the_same_few_queries_whatever_the_page_holds(
    client, django_assert_num_queries, count
):
    for n in range(count):
        with_image(story(f"Story {n}", minutes_ago=n, topics=["AI", f"T{n}"]))
    # content version (cache middleware) + stories (the page's and the featured lead's, in
    # one statement) with provider, category and lead image joined + the topics of both
    with django_assert_num_queries(3):
        assert client.get("/").status_code == 200


# --- Top ---------------------------------------------------------------------------------


def test_top_ranks_recent_published_stories_by_heat_and_quality(client, django_assert_num_queries):
    story("Lukewarm", heat=10, quality=10)
    story("Hot", heat=90, quality=80, minutes_ago=5)
    story("Unscored", minutes_ago=2)
    story("Hidden scorcher", heat=100, quality=100, published=False)
    with django_assert_num_queries(3):
        html = client.get(reverse("articles:top")).content.decode()
    assert html.index("Hot") < html.index("Lukewarm") < html.index("Unscored")
    assert "Hidden scorcher" not in html


# --- Topic, category and provider pages ------------------------------------------------------


def test_topic_page_lists_its_published_stories_with_feeds(client, django_assert_num_queries):
    story("On topic", topics=["Climate"])
    story("Off topic", topics=["Sports"])
    story("Draft on topic", topics=["Climate"], published=False)
    # content version + topic + stories + their topics
    with django_assert_num_queries(4):
        response = client.get("/topics/climate/")
    html = response.content.decode()
    assert "On topic" in html and "Off topic" not in html and "Draft on topic" not in html
    assert '<link rel="alternate" type="application/rss+xml"' in html
    assert "/topics/climate/rss/" in html and "/topics/climate/atom/" in html


def test_category_and_provider_pages_list_their_stories(client, django_assert_num_queries):
    news = Category.objects.create(name="News", slug="news")
    other = Provider.objects.create(name="Other Paper", domain="other.example")
    story("Category story", category=news)
    story("Provider story", provider=other)
    with django_assert_num_queries(4):
        category_html = client.get("/categories/news/").content.decode()
    with django_assert_num_queries(4):
        provider_html = client.get("/providers/other.example/").content.decode()
    assert "Category story" in category_html and "Provider story" not in category_html
    assert "Provider story" in provider_html and "Category story" not in provider_html
    assert "other.example" in provider_html


def test_topic_with_only_unpublished_stories_is_not_found(client):
    story("Draft", topics=["Secret Merger"], published=False)
    assert client.get("/topics/secret-merger/").status_code == 404
    assert client.get("/topics/no-such-topic/").status_code == 404


def test_browse_pages_list_only_terms_with_published_stories(client, django_assert_num_queries):
    story(
        "Seen", topics=["Visible Topic"], category=Category.objects.create(name="World", slug="w")
    )
    hidden = Provider.objects.create(name="Hidden Press", domain="hidden.example")
    story("Unseen", topics=["Hidden Topic"], provider=hidden, published=False)
    with django_assert_num_queries(3):  # content version + topics + categories
        topics = client.get(reverse("articles:topics")).content.decode()
    with django_assert_num_queries(2):  # content version + providers
        providers = client.get(reverse("articles:providers")).content.decode()
    assert "Visible Topic" in topics and "World" in topics and "Hidden Topic" not in topics
    assert "Example News" in providers and "Hidden Press" not in providers


# --- Article page --------------------------------------------------------------------------


def full_story(**fields) -> Article:
    category = Category.objects.create(name="Science", slug="science")
    article = story(
        "Council votes on cameras",
        excerpt="The council approved it.",
        body="First paragraph.\n\nSecond paragraph.",
        original_url="https://kstp.com/story/1",
        web_url="https://kstp.com/story/1",
        amp_url="https://amp.kstp.com/story/1",
        cdn_amp_url="https://amp-kstp-com.cdn.ampproject.org/c/s/amp.kstp.com/story/1",
        category=category,
        topics=["AI", "Privacy"],
        **fields,
    )
    with_image(article, width=800, height=450, attribution="Photo: A. Jokich")
    return article


def test_article_page_shows_the_story_and_links_to_the_source(client, django_assert_num_queries):
    article = full_story()
    # content version + story (provider, category, lead image joined) + topics + related
    with django_assert_num_queries(4):
        response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert "<h1>Council votes on cameras</h1>" in html
    assert "<p>First paragraph.</p>" in html and "<p>Second paragraph.</p>" in html
    assert f'<time datetime="{article.published_at.isoformat(timespec="seconds")}">' in html
    assert 'width="1200" height="675" fetchpriority="high"' in html  # above the fold
    assert "img.example.com" not in html
    assert 'Example News</a> <span class="muted">(example.com)</span>' in html
    hrefs = links(html)
    assert "Read the full story at Example News" in html
    assert hrefs.index("https://kstp.com/story/1") < hrefs.index("https://amp.kstp.com/story/1")
    assert not any("cdn.ampproject.org" in href for href in hrefs)
    for url in [
        "/categories/science/",
        "/topics/ai/",
        "/topics/privacy/",
        "/providers/example.com/",
    ]:
        assert url in hrefs


def test_article_page_carries_seo_metadata(client):
    article = full_story()
    html = client.get(article.get_absolute_url()).content.decode()
    canonical = f"http://testserver{article.get_absolute_url()}"
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert '<meta name="description" content="The council approved it.">' in html
    assert '<meta property="og:title" content="Council votes on cameras">' in html
    card = f"http://testserver/media/{images.manifest(article.pk)['card'][2]}"
    assert f'<meta property="og:image" content="{card}">' in html
    assert '<meta property="og:image:width" content="1200">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    data = ld_json(html)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Council votes on cameras"
    assert data["publisher"]["name"] == "Example News"
    assert data["isBasedOn"] == "https://kstp.com/story/1"
    assert data["image"] == [card]
    assert data["datePublished"].startswith(article.published_at.strftime("%Y-%m-%dT%H:%M"))


def ld_json(html: str) -> dict:
    import json

    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(block[1])


def test_related_coverage_links_to_our_page_only_when_the_story_is_published(client):
    article = full_story()
    ours = story("Our copy", minutes_ago=30)
    draft = story("Draft copy", published=False)
    cbs = Provider.objects.create(name="CBS Local", domain="cbslocal.com")
    for position, (title, target, url) in enumerate(
        [
            ("Held and published", ours, "https://a.example/1"),
            ("Held but unpublished", draft, "https://b.example/2"),
            ("Only at the source", None, "https://c.example/3"),
            ("Hostile link", None, "javascript:alert(1)"),
        ]
    ):
        RelatedLink.objects.create(
            article=article, position=position, title=title, url=url, web_url=url,
            target=target, provider=cbs, published_at=NOW,
        )  # fmt: skip
    html = client.get(article.get_absolute_url()).content.decode()
    hrefs = links(html)
    assert ours.get_absolute_url() in hrefs
    assert draft.get_absolute_url() not in hrefs and "https://b.example/2" in hrefs
    assert "https://c.example/3" in hrefs
    assert "Hostile link" in html and not any(h.startswith("javascript") for h in hrefs)
    assert html.count("CBS Local") == 4


def test_unpublished_story_is_not_found_for_readers(client):
    article = story("Embargoed", published=False)
    assert client.get(article.get_absolute_url()).status_code == 404


def test_staff_preview_unpublished_story_with_banner_and_no_cache(staff_client):
    article = story("Embargoed", published=False)
    response = staff_client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "Not published" in response.content.decode()
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-cache", "no-store"} <= cache_control
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()


@pytest.mark.parametrize("permission", [None, "view_provider"])
def test_staff_who_may_not_view_stories_get_no_preview(django_user_model, permission):
    """Staff with no group (403 on the admin's story list) read unpublished stories at their
    public address: the preview was granted on is_staff."""
    user = django_user_model.objects.create_user("nogroup", is_staff=True)
    if permission:
        user.user_permissions.add(Permission.objects.get(codename=permission))
    client = Client()
    client.force_login(user)
    article = story("Embargoed", published=False)
    assert client.get("/admin/articles/article/").status_code == 403
    response = client.get(article.get_absolute_url())
    assert response.status_code == 404
    assert "Embargoed" not in response.content.decode()


def test_an_editor_who_may_change_stories_gets_the_preview(django_user_model):
    user = django_user_model.objects.create_user("ed", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_article"))
    client = Client()
    client.force_login(user)
    assert client.get(story("Embargoed", published=False).get_absolute_url()).status_code == 200


def test_staff_see_published_story_without_banner(staff_client):
    article = story("Live")
    html = staff_client.get(article.get_absolute_url()).content.decode()
    assert "Not published" not in html


def test_wrong_slug_redirects_permanently_to_the_canonical_address(client):
    article = story("Right title")
    response = client.get(reverse("articles:detail", args=[article.pk, "wrong-title"]))
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


def test_non_ascii_slug_is_served_without_a_redirect(client):
    article = story("Montréal vote", slug="montréal-vote")
    assert "%C3%A9" in article.get_absolute_url()
    assert client.get(article.get_absolute_url()).status_code == 200


def test_wrong_slug_of_unpublished_story_is_not_found(client):
    article = story("Hidden", published=False)
    assert client.get(reverse("articles:detail", args=[article.pk, "x"])).status_code == 404


# --- Escaping and unsafe URLs ----------------------------------------------------------------


def test_hostile_text_from_seed_files_is_escaped_everywhere(client):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    article = story(
        hostile, excerpt=hostile, body=hostile, topics=["<i onclick=alert(1)>tag"],
        provider=Provider.objects.create(name=hostile, domain="evil.example"),
    )  # fmt: skip
    for url in ["/", article.get_absolute_url(), "/providers/evil.example/"]:
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html and "<i onclick" not in html
        assert "&lt;script&gt;" in html
    data = ld_json(client.get(article.get_absolute_url()).content.decode())
    assert data["headline"] == hostile[:110]


@pytest.mark.parametrize(
    ("value", "link"),
    [
        ("https://example.com/a?b#c", "https://example.com/a?b#c"),
        ("  HTTP://Example.com  ", "HTTP://Example.com"),
        ("http://user@example.com:8080/", "http://user@example.com:8080/"),
        ("javascript:alert(1)", ""),
        (" javascript:alert(1)", ""),
        ("data:text/html,hi", ""),
        ("ftp://example.com/", ""),
        ("mailto:a@example.com", ""),
        ("//example.com/x", ""),
        ("http:/example.com", ""),
        ("http:///path", ""),
        ("http://", ""),
        ("\x00http://example.com", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_only_http_urls_with_a_host_are_links(value, link):
    from articles.reader.presenters import http_url

    assert http_url(value) == link


def test_non_http_urls_never_become_links_or_images(client):
    article = story(
        "Odd links",
        original_url="javascript:alert(1)",
        web_url="data:text/html,hi",
        amp_url="ftp://amp.example/1",
    )
    with_image(article, url="javascript:alert(2)")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "javascript:" not in html and "data:text" not in html and "ftp://" not in html
    assert "Read the full story" not in html


# --- Error pages and robots ------------------------------------------------------------------


def test_custom_404_page(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_custom_500_page_renders_without_a_request():
    from django.template.loader import render_to_string

    assert "Something went wrong" in render_to_string("500.html")


def test_custom_500_page_renders_even_without_a_static_manifest(settings):
    """The error page must not fail in turn when the static files were not collected."""
    from django.template.loader import render_to_string

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    assert "Something went wrong" in render_to_string("500.html")


def test_robots_txt_points_at_the_sitemaps(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Sitemap: http://testserver/news-sitemap.xml" in text
    assert "Disallow: /admin/" in text


def test_every_page_has_title_description_and_canonical(client):
    article = story("Everywhere", topics=["AI"])
    for url in ["/", "/top/", "/topics/", "/providers/", "/topics/ai/", article.get_absolute_url()]:
        html = client.get(url).content.decode()
        assert re.search(r"<title>[^<]+</title>", html), url
        assert re.search(r'<meta name="description" content="[^"]+">', html), url
        assert '<link rel="canonical" href="http://testserver/' in html, url


def test_a_full_page_and_its_css_weigh_under_30_kb_compressed(client):
    from django.contrib.staticfiles import finders

    long_text = "A long excerpt about the council vote and what it means for the city. " * 12
    for n in range(25):
        with_image(story(f"A headline of a usual length for story {n}", minutes_ago=n,
                         excerpt=long_text, topics=["AI", "Privacy", f"Topic {n}"]))  # fmt: skip
    html = client.get("/").content
    css = Path(finders.find("articles/site.css")).read_bytes()
    assert len(gzip.compress(html)) + len(gzip.compress(css)) <= 30 * 1024
    assert b"<style" not in html and b' style="' not in html


def test_a_story_id_beyond_any_database_id_is_not_found(client):
    story("Real")
    assert client.get("/articles/99999999999999999999999/any-slug/").status_code == 404
    assert client.get(f"/articles/{2**63}/any-slug/").status_code == 404


@pytest.mark.parametrize("cursor_id", [1, 2_147_400_000, 2**62])
def test_a_cursor_is_read_as_given_whatever_its_id(client, cursor_id):
    """A page from a cursor compares with the cursor's own values (no stand-in is mistaken
    for one, articles.reader.compiled), on a page that also takes the term's id."""
    news = Category.objects.create(name="News", slug="news")
    tied = story("Same minute as the cursor", category=news, minutes_ago=10)
    cursor = Cursor(tied.published_at, cursor_id)
    html = client.get(f"/categories/news/?before={cursor}").content.decode()
    assert ("Same minute as the cursor" in html) is (tied.pk < cursor_id)
