"""A story's form stays small whatever its file listed: the first images and related links,
and a count of the rest (issue #11)."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from articles.models import ArticleImage, RelatedLink
from tests.helpers.admin_users import CHANGELIST, desk_user, logged_in
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db

FIRST_ROWS = 50  # the rows each inline shows (articles.desk.inlines.FIRST_ROWS)
QUERIES = {"sqlite": 10, "postgresql": 10}  # a story's form, however many rows it has


@pytest.fixture
def editor():
    return logged_in(desk_user("editor", "Editors"))


def story_with(rows: int):
    """A story with ``rows`` images and ``rows`` related links, the links citing a story."""
    article = make_article(title="Crowded story")
    cited = make_article(title="Cited story", body="x" * 10_000)
    ArticleImage.objects.bulk_create(
        ArticleImage(article=article, position=i, url=f"https://img.test/{i}.jpg")
        for i in range(rows)
    )
    RelatedLink.objects.bulk_create(
        RelatedLink(
            article=article,
            position=i,
            title=f"Coverage {i}",
            web_url=f"https://other.test/{i}",
            provider=article.provider,
            target=cited,
        )
        for i in range(rows)
    )
    return article


def change_page(editor, article):
    return editor.get(f"{CHANGELIST}{article.pk}/change/")


@pytest.mark.slow
def test_the_form_shows_the_first_rows_and_counts_the_rest(editor):
    article = story_with(3_000)

    html = change_page(editor, article).content.decode()

    assert "https://img.test/49.jpg" in html and "https://img.test/50.jpg" not in html
    assert "Coverage 49" in html and "Coverage 50" not in html
    assert f"Showing the first {FIRST_ROWS} of 3,000 images." in html
    assert f"Showing the first {FIRST_ROWS} of 3,000 related links." in html
    assert "Cited story" in html and "x" * 100 not in html


def test_a_story_with_few_rows_shows_them_all_without_a_count(editor):
    article = story_with(3)

    html = change_page(editor, article).content.decode()

    assert "https://img.test/2.jpg" in html and "Coverage 2" in html
    assert "Showing the first" not in html


@pytest.mark.slow
def test_the_form_costs_the_same_queries_and_size_for_a_few_or_thousands_of_rows(
    editor, django_assert_num_queries
):
    few, thousands = story_with(FIRST_ROWS + 1), story_with(3_000)
    change_page(editor, few)  # warm the content-type and permission caches
    sizes = []
    for article in (few, thousands):
        # session, user, the story (with its provider, category and stored image), user's and
        # groups' permissions, the first images, the first related links (with their provider
        # and cited story), its topics, the images' count, the related links' count.
        with django_assert_num_queries(QUERIES[connection.vendor]):
            response = change_page(editor, article)
        assert response.status_code == 200
        sizes.append(len(response.content))

    assert sizes[1] - sizes[0] < 100  # a few digits more ("3,000" for "51", ids)


@pytest.mark.slow
def test_publishing_a_story_with_thousands_of_rows_through_its_form(editor):
    article = story_with(3_000)
    html = change_page(editor, article).content.decode()
    # What the browser sends back: the form's hidden inputs (the inlines' management forms
    # and the ids of the rows shown), and the ticked box.
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    assert data["images-INITIAL_FORMS"] == str(FIRST_ROWS)

    response = editor.post(f"{CHANGELIST}{article.pk}/change/", {**data, "published": "on"})

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.published
    assert ArticleImage.objects.filter(article=article).count() == 3_000
