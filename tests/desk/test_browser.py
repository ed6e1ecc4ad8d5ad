"""An editor's day in a real browser: filter, publish with one click, unpublish in bulk.

A reader in a separate browser context (no shared cookies) sees the story appear on the
home page and disappear again.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import ArticleImage, Category, Provider
from tests.helpers.admin_users import editor_without_groups
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "Harbour ferry returns after winter"


def csp_errors(page) -> list[str]:
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return errors


def log_in(page, base_url: str, then: str, username: str = "ed") -> None:
    page.goto(f"{base_url}/admin/login/?next={then}")
    page.fill("#id_username", username)
    page.fill("#id_password", "a-long-test-password")
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(re.escape(then) + "$"))


@pytest.mark.slow
def test_editor_publishes_with_one_click_and_unpublishes_in_bulk(live_server, browser, tmp_path):
    now = timezone.now()
    provider = Provider.objects.create(name="Harbour Times", domain="harbour.test")
    for i in range(3):
        make_article(
            title=f"Older story {i}", published=True, published_at=now - timedelta(days=i + 1)
        )
    make_article(title="Another draft", published=False, published_at=now - timedelta(hours=2))
    article = make_article(title=TITLE, published=False, published_at=now, provider=provider)
    editor_without_groups("ed")

    desk = browser.new_context(viewport={"width": 1600, "height": 900})
    page = desk.new_page()
    errors = csp_errors(page)
    log_in(page, live_server.url, "/admin/articles/article/")

    # Filter: only the stories not yet published.
    page.locator(
        "#changelist-filter details[data-filter-title='published'] a", has_text="No"
    ).click()
    page.wait_for_url(re.compile(r"published__exact=0"))
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    page.screenshot(path=str(tmp_path / "1-unpublished.png"), full_page=True)

    # One click publishes, and says so.
    page.get_by_role("button", name=f"Publish “{TITLE}”").click()
    page.wait_for_load_state()
    assert "published__exact=0" in page.url
    assert f"“{TITLE}” is published" in page.locator(".messagelist").inner_text()
    assert page.locator("#result_list tbody tr").count() == 1  # it left the filtered list
    page.screenshot(path=str(tmp_path / "2-published.png"), full_page=True)

    # A reader, in a fresh context, finds it on the home page and opens it.
    reader = browser.new_context()
    public = reader.new_page()
    public.goto(live_server.url + "/")
    public.get_by_role("link", name=TITLE).first.click()
    public.wait_for_load_state()
    assert TITLE in public.locator("h1").inner_text()
    story_url = public.url

    # The editor finds it by provider (the autocomplete filter), then unpublishes it in bulk.
    page.goto(live_server.url + "/admin/articles/article/")
    page.locator(
        "#changelist-filter details[data-filter-title='provider'] .select2-selection"
    ).click()
    page.locator(".select2-search__field").fill("Harbour")
    page.locator(".select2-results__option", has_text="Harbour Times").click()
    page.wait_for_url(re.compile(rf"provider__id__exact={provider.pk}"))
    assert page.locator("#result_list tbody tr").count() == 1
    page.locator(f"input.action-select[value='{article.pk}']").check()
    page.select_option("select[name=action]", "unpublish_selected")
    page.click("button[name=index]")
    assert "Unpublish 1 story" in page.locator("#content").inner_text()
    page.screenshot(path=str(tmp_path / "3-confirm.png"), full_page=True)
    page.get_by_role("button", name="Yes, unpublish 1 story").click()
    page.wait_for_load_state()
    assert "1 story unpublished." in page.locator(".messagelist").inner_text()
    page.screenshot(path=str(tmp_path / "4-unpublished.png"), full_page=True)
    assert errors == []

    # The reader now gets a 404.
    response = public.goto(story_url)
    assert response.status == 404
    reader.close()
    desk.close()


# --- The list at a laptop's width ------------------------------------------------------------

ON_SCREEN = """el => {
    const box = el.getBoundingClientRect();
    const list = el.closest('.results').getBoundingClientRect();
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return {
        inViewport: box.left >= 0 && box.top >= 0
            && box.right <= window.innerWidth && box.bottom <= window.innerHeight,
        inList: box.left >= list.left && box.right <= list.right,
        notCovered: hit !== null && (hit === el || el.contains(hit)),
        scrolled: window.scrollX !== 0 || el.closest('.results').scrollLeft !== 0,
    };
}"""


@pytest.mark.slow
def test_the_publish_button_and_public_link_are_on_screen_at_1280_with_the_sidebar_open(
    live_server, browser, tmp_path
):
    """Issue #11: at 1280×800, beside the nav sidebar and the filters, an editor reaches the
    first story's Publish button and its View/Preview link without scrolling sideways."""
    provider = Provider.objects.create(name="The Harbour Evening Times", domain="harbour.test")
    category = Category.objects.create(name="Entertainment", slug="entertainment")
    article = make_article(
        title="Harbour ferry returns after a long winter, and the island towns celebrate",
        published=False,
        provider=provider,
        category=category,
        quality=100,
        heat=1000,
    )
    ArticleImage.objects.create(article=article, position=0, url="https://img.test/lead.jpg")
    editor_without_groups("ed")

    desk = browser.new_context(viewport={"width": 1280, "height": 800})
    page = desk.new_page()
    log_in(page, live_server.url, "/admin/articles/article/")
    assert page.locator("#nav-sidebar").is_visible()  # the sidebar is open
    row = page.locator("#result_list tbody tr").first
    page.screenshot(path=str(tmp_path / "list-1280.png"))

    for control in (
        row.get_by_role("button", name=re.compile("^Publish ")),
        row.locator("td.field-public_page a", has_text="Preview"),
    ):
        assert control.evaluate(ON_SCREEN) == {
            "inViewport": True,
            "inList": True,
            "notCovered": True,
            "scrolled": False,
        }
    desk.close()
