"""The data model: the one visibility rule, identity, and the indexes the pages rely on."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone
from django.utils.text import slugify
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.models import Article, Category, Provider, make_slug
from tests.helpers.factories import make_article
from tests.helpers.plans import plan

pytestmark = pytest.mark.django_db


def test_published_is_the_one_visibility_rule():
    shown = make_article(published=True)
    make_article(published=False)
    assert list(Article.objects.published()) == [shown]


def test_url_is_unique_in_the_database():
    make_article(url="https://e.com/x")
    with pytest.raises(IntegrityError):
        make_article(url="https://e.com/x")


def test_set_published_records_when():
    article = make_article()
    assert article.set_published(True) is True
    first = article.first_published_at
    assert article.published_changed_at == first is not None
    assert article.set_published(True) is False
    article.set_published(False)
    article.set_published(True)
    assert article.first_published_at == first


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120) | st.sampled_from(["Ǆemal ﬁle ½", "İstanbul ＡＢＣ", "a\u0301b"]))
def test_make_slug_is_djangos_slugify(text):
    expected = slugify(text, allow_unicode=True)[:80].strip("-_")
    fallback = "x-" + hashlib.sha1(text.encode()).hexdigest()[:10]
    assert make_slug(text) == (expected or fallback)


def test_make_slug_keeps_scripts_and_is_never_empty():
    assert make_slug("Zürich café") == "zürich-café"
    assert make_slug("東京 news") == "東京-news"
    assert make_slug("!!!").startswith("x-")


@pytest.fixture
def many_articles():
    """Enough rows, in several providers and categories, for a planner to choose for real."""
    providers = [Provider.objects.create(name=f"P{i}", domain=f"p{i}.com") for i in range(40)]
    categories = [Category.objects.create(name=f"C{i}", slug=f"c{i}") for i in range(40)]
    now = timezone.now()
    Article.objects.bulk_create(
        Article(
            url=f"https://e.com/{i}",
            slug="s",
            title=f"T{i}",
            published_at=now - dt.timedelta(minutes=i),
            provider=providers[i % 40],
            category=categories[i % 40],
            published=i % 10 != 0,
        )
        for i in range(2000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return providers[1], categories[2]


@pytest.mark.parametrize(
    ("build", "index"),
    [
        (lambda p, c: Article.objects.published()[:20], "article_pub_latest"),
        (lambda p, c: Article.objects.published().filter(provider=p)[:20], "article_pub_provider"),
        (lambda p, c: Article.objects.published().filter(category=c)[:20], "article_pub_category"),
        (lambda p, c: Article.objects.published()[200:220], "article_pub_latest"),
        (lambda p, c: Article.objects.all()[:20], "article_latest"),
    ],
)
@pytest.mark.slow
def test_list_queries_use_their_index_without_sorting(many_articles, build, index):
    text = plan(build(*many_articles))
    assert index in text
    assert "TEMP B-TREE" not in text and "Sort" not in text
