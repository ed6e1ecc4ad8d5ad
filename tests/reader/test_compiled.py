"""Compiled queries: the translation to SQL is kept, the data never is."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from articles.reader import queries
from articles.reader.compiled import CompiledQuery
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db


def test_rows_are_what_the_queryset_gives():
    for n in range(3):
        make_article(title=f"Story {n}", published=True, topics=["AI", "Rain"])
    for build in (
        lambda: queries.story_list().order_by("-published_at", "-pk"),  # named rows, joins
        lambda: Article.objects.order_by("pk").values_list("pk", "title", "published_at"),
        lambda: Article.objects.values_list("title", flat=False).order_by("-title"),
    ):
        assert CompiledQuery(build).rows() == list(build())


def test_the_top_stories_are_what_their_queryset_gives():
    for n in range(3):
        make_article(title=f"Story {n}", published=True, topics=["AI"])
    make_article(title="Not for readers", published=False)
    make_article(title="Hot", published=True, heat=90)
    top = queries.top_stories(10)
    assert top == list(queries.top_queryset(10))
    assert [row.shown_title for row in top][0] == "Hot" and len(top) == 4


def test_every_run_reads_the_database_afresh():
    query = CompiledQuery(lambda: queries.story_list().order_by("-published_at", "-pk"))
    assert query.rows() == []
    shown = make_article(title="Arrived later", published=True)
    make_article(title="Not for readers", published=False)
    with CaptureQueriesContext(connection) as captured:
        assert [row.shown_title for row in query.rows()] == ["Arrived later"]
    assert len(captured) == 1
    shown.set_published(False)
    shown.save()
    assert query.rows() == []


def test_only_values_list_querysets():
    with pytest.raises(TypeError):
        CompiledQuery(Article.objects.all)


def test_values_take_ids_and_names():
    make_article(title="One", topics=["AI"])
    second = make_article(title="Two", topics=["Rain"])
    by_id = CompiledQuery(lambda pk: Article.objects.filter(pk=pk).values_list("title"), int)
    assert by_id.rows(second.pk) == [("Two",)]
    assert by_id.rows(second.pk + 1000) == []
    by_topic = CompiledQuery(
        lambda slug, one, two: (
            Article.objects.filter(topics__slug=slug, pk__in=[one, two])
            .values_list("title")
            .order_by("title")
        ),
        str,
        int,
        int,
    )
    assert by_topic.rows("rain", second.pk, second.pk) == [("Two",)]
    assert by_topic.rows("ai", second.pk, second.pk) == []
    with pytest.raises(TypeError):
        by_id.rows("not an id")
    with pytest.raises(TypeError):
        by_id.rows()


def test_every_value_must_be_used_as_it_is():
    with pytest.raises(ValueError):
        CompiledQuery(
            lambda pk, unused: Article.objects.filter(pk=pk).values_list("title"), int, int
        )
    with pytest.raises(ValueError):  # a lookup that transforms the value
        CompiledQuery(
            lambda word: Article.objects.filter(title__icontains=word).values_list("title"), str
        )


def test_values_are_ids_strings_or_datetimes():
    with pytest.raises(TypeError):
        CompiledQuery(lambda amount: Article.objects.filter(heat=amount).values_list("pk"), float)


@pytest.mark.parametrize(
    "queryset",
    [
        lambda: Article.objects.values("title"),
        lambda: Article.objects.values_list("title", flat=True),
    ],
)
def test_rows_other_than_tuples_are_refused(queryset):
    with pytest.raises(TypeError):
        CompiledQuery(queryset)


def test_datetime_values_are_aware():
    import datetime as dt

    from django.utils import timezone

    old = make_article(title="Old", published_at=timezone.now() - dt.timedelta(days=2))
    make_article(title="New", published_at=timezone.now())
    older_than = CompiledQuery(
        lambda when, pk: Article.objects.filter(published_at__lt=when, pk__gte=pk).values_list(
            "title"
        ),
        dt.datetime,
        int,
    )
    day_ago = timezone.now() - dt.timedelta(days=1)
    assert older_than.rows(day_ago, old.pk) == [("Old",)]
    assert older_than.rows(day_ago, old.pk + 1) == []
    with pytest.raises(TypeError):
        older_than.rows(day_ago.replace(tzinfo=None), old.pk)
    with pytest.raises(ValueError):
        older_than.rows(day_ago, 2**63)
