"""A reader in Chromium: home → topic → story → related story, axe-core on every page in light
and dark mode and at phone width, no CSP violations, and screenshots of the main pages.

Screenshots go to a temporary folder; set NEWSROOM_SCREENSHOTS=docs/screenshots to refresh
the ones the README shows.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

from articles.images.models import StoredImage
from articles.images.renditions import make_renditions
from articles.images.storage import store
from articles.models import ArticleImage, Category, Provider, RelatedLink
from tests.conftest import axe_violations
from tests.helpers import images
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
EXCERPT = (
    "On Friday the city council approved a new ordinance that bars the city from buying "
    "facial recognition technology or using data derived from it, with narrow exceptions."
)


def _publisher(route) -> None:
    """Nothing may load a publisher's image: the pages show our stored copies."""
    route.abort()
    raise AssertionError(f"a page loaded {route.request.url}")


@pytest.fixture
def newsroom(settings, tmp_path):
    """A small published site: stories with topics, images (stored, with their renditions, as
    fetch_images leaves them; a third only at its source, not yet stored) and related
    coverage."""
    settings.MEDIA_ROOT = tmp_path / "media"
    now = timezone.now()
    kstp = Provider.objects.create(name="KSTP", domain="kstp.com")
    cbs = Provider.objects.create(name="CBS Local", domain="cbslocal.com")
    news = Category.objects.create(name="News", slug="news")
    lead = make_article(
        title="Minneapolis City Council votes to bar use of facial recognition technology",
        excerpt=EXCERPT,
        body="The ordinance passed unanimously.\n\nIt takes effect next month.",
        original_url="https://kstp.com/news/facial-recognition/",
        web_url="https://kstp.com/news/facial-recognition/",
        amp_url="https://amp.kstp.com/news/facial-recognition.html",
        provider=kstp, category=news, topics=["Computer Vision", "AI"],
        published=True, published_at=now - dt.timedelta(hours=1),
    )  # fmt: skip
    follow_up = make_article(
        title="Minneapolis City Council bans use of facial recognition technology",
        excerpt="The council approved an ordinance banning the technology.",
        original_url="https://minnesota.cbslocal.com/2021/02/12/ban/",
        provider=cbs, category=news, topics=["AI"],
        published=True, published_at=now - dt.timedelta(hours=2),
    )  # fmt: skip
    others = []
    for n in range(6):
        story = make_article(
            title=f"Council budget story number {n + 1} with a long enough headline",
            excerpt=EXCERPT, provider=cbs if n % 2 else kstp, category=news,
            topics=["Elections", "AI"] if n % 2 else ["Climate"],
            published=True, published_at=now - dt.timedelta(hours=3 + n),
        )  # fmt: skip
        others.append(story)
    waiting = others[0]
    for n, article in enumerate((lead, follow_up, waiting)):
        ArticleImage.objects.create(
            article=article, position=0, url=f"https://img.{article.provider.domain}/lead.jpg",
            width=800, height=450, attribution="Photo: staff",
        )  # fmt: skip
        if article is not waiting:
            made = make_renditions(images.photo((1600, 900), seed=n + 3))
            StoredImage.objects.create(
                article=article, source_url=article.images.get().url, renditions=store(made)
            )
    RelatedLink.objects.create(
        article=lead, position=0, title=follow_up.title, url=follow_up.url,
        web_url=follow_up.original_url, provider=cbs, published_at=follow_up.published_at,
        target=follow_up,
    )  # fmt: skip
    RelatedLink.objects.create(
        article=lead, position=1, title="Council weighs surveillance rules",
        url="https://startribune.example/surveillance", web_url="https://startribune.example/s",
        provider=cbs, published_at=now - dt.timedelta(hours=5),
    )  # fmt: skip
    return lead, follow_up


@pytest.fixture
def open_page(browser):
    """open_page(url, dark=False, phone=False) -> a page that recorded its console errors."""
    contexts = []

    def open_(url: str, *, dark: bool = False, phone: bool = False):
        context = browser.new_context(
            viewport=PHONE if phone else DESKTOP, color_scheme="dark" if dark else "light"
        )
        contexts.append(context)
        page = context.new_page()
        page.route("https://img.*/**", _publisher)
        page.errors = []
        page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
        page.goto(url)
        return page

    yield open_
    for context in contexts:
        context.close()


def screenshot(page, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("NEWSROOM_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.mark.slow
def test_reader_goes_home_topic_story_related(live_server, open_page, newsroom, tmp_path):
    lead, follow_up = newsroom
    page = open_page(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Latest stories"
    screenshot(page, "home", tmp_path)

    page.get_by_role("link", name="AI", exact=True).first.click()
    assert "/topics/" in page.url
    assert page.locator("h1").inner_text().endswith("AI")
    screenshot(page, "topic", tmp_path)

    page.get_by_role("link", name=lead.title).click()
    assert page.locator("h1").inner_text() == lead.title
    picture = page.locator(".lead img")
    page.wait_for_load_state("load")  # the lead image is eager: the load event waits for it
    assert picture.evaluate("img => img.complete && img.naturalWidth") > 0  # our copy loaded
    assert picture.evaluate("img => new URL(img.currentSrc).pathname").startswith("/media/")
    source = page.get_by_role("link", name="Read the full story at KSTP")
    assert source.get_attribute("href") == "https://kstp.com/news/facial-recognition/"
    screenshot(page, "article", tmp_path)

    page.locator(".related").get_by_role("link", name=follow_up.title).click()
    assert page.locator("h1").inner_text() == follow_up.title
    assert page.url.endswith(follow_up.get_absolute_url())


@pytest.mark.parametrize(
    ("dark", "phone"), [(False, False), (True, False), (False, True), (True, True)]
)
@pytest.mark.slow
def test_pages_pass_axe_without_serious_violations(live_server, open_page, newsroom, dark, phone):
    lead, _ = newsroom
    paths = ["/", "/topics/ai/", lead.get_absolute_url(), "/topics/", "/nothing-here/"]
    for path in [*paths, "/search/?q=facial+recognition", "/search/?q="]:
        page = open_page(live_server.url + path, dark=dark, phone=phone)
        assert axe_violations(page) == [], path
        assert not [e for e in page.errors if "Content Security Policy" in e], path


@pytest.mark.slow
def test_phone_layout_does_not_scroll_sideways(live_server, open_page, newsroom, tmp_path):
    lead, _ = newsroom
    unbroken = "x" * 200  # a search of one long word, and a topic filter of another
    for path, name in [
        ("/", "home-phone"),
        (lead.get_absolute_url(), "article-phone-dark"),
        (f"/search/?q={unbroken}&topic={'y' * 200}", "search-unbroken-phone"),
    ]:
        page = open_page(live_server.url + path, phone=True, dark=name.endswith("dark"))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], path
        screenshot(page, name, tmp_path)


@pytest.mark.slow
def test_reader_searches_from_the_header(live_server, open_page, newsroom, tmp_path):
    lead, _ = newsroom
    page = open_page(live_server.url + "/", phone=True)
    page.get_by_role("searchbox", name="Search stories").fill("facial recognitions")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=facial+recognitions")
    result = page.locator(".search-result").first
    assert result.get_by_role("link").first.inner_text() == lead.title
    assert result.locator("mark").first.inner_text().lower() == "facial"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.wait_for_load_state("load")
    image = result.locator("img").first
    assert image.evaluate("img => img.complete && img.naturalWidth") > 0  # our copy, loaded
    assert image.evaluate("img => new URL(img.currentSrc).pathname").startswith("/media/")
    screenshot(page, "search-phone", tmp_path)
    follow = page.get_by_role("link", name="Follow this search")
    assert follow.get_attribute("href") == "/search/rss/?q=facial+recognitions"


@pytest.mark.slow
def test_dark_mode_follows_the_system_setting(live_server, open_page, newsroom, tmp_path):
    light = open_page(live_server.url + "/")
    dark = open_page(live_server.url + "/", dark=True)
    background = "getComputedStyle(document.body).backgroundColor"
    assert light.evaluate(background) != dark.evaluate(background)
    screenshot(dark, "home-dark", tmp_path)


@pytest.mark.slow
def test_skip_link_is_first_and_focus_is_visible(live_server, open_page, newsroom):
    page = open_page(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


@pytest.mark.slow
def test_pages_run_no_javascript(live_server, open_page, newsroom):
    lead, _ = newsroom
    page = open_page(live_server.url + lead.get_absolute_url())
    types = page.evaluate("[...document.scripts].map(s => s.type)")
    assert types == ["application/ld+json"]


@pytest.mark.slow
def test_empty_site_explains_itself(live_server, open_page, tmp_path):
    make_article(title="Waiting for an editor", published=False)
    page = open_page(live_server.url + "/")
    assert page.get_by_role("heading", name="Nothing is published yet").is_visible()
    assert page.get_by_role("link", name="admin").get_attribute("href") == "/admin/"
    assert "Waiting for an editor" not in page.content()
    assert axe_violations(page) == []
    screenshot(page, "empty", tmp_path)
