"""Compiled queries: the translation to SQL is kept, the data never is."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import public
from articles.compiled import CompiledQuery, slot, text_slot, time_slot
from articles.models import Article

from .factories import make_article

pytestmark = pytest.mark.django_db


def test_rows_are_what_the_queryset_gives():
    for n in range(3):
        make_article(title=f"Story {n}", published=True, topics=["AI", "Rain"])
    for queryset in (
        public.story_list().order_by("-published_at", "-pk"),  # named rows, joins, annotations
        Article.objects.order_by("pk").values_list("pk", "title", "published_at"),
        Article.objects.values_list("title", flat=False).order_by("-title"),
    ):
        assert CompiledQuery(queryset).rows() == list(queryset)


def test_every_run_reads_the_database_afresh():
    query = CompiledQuery(public.story_list().order_by("-published_at", "-pk"))
    assert query.rows() == []
    shown = make_article(title="Arrived later", published=True)
    make_article(title="Not for readers", published=False)
    with CaptureQueriesContext(connection) as queries:
        assert [row.title for row in query.rows()] == ["Arrived later"]
    assert len(queries) == 1
    shown.set_published(False)
    shown.save()
    assert query.rows() == []


def test_only_values_list_querysets():
    with pytest.raises(TypeError):
        CompiledQuery(Article.objects.all())


def test_slots_take_ids_and_names():
    make_article(title="One", topics=["AI"])
    second = make_article(title="Two", topics=["Rain"])
    by_id = CompiledQuery(
        Article.objects.filter(pk=slot(0)).values_list("title", flat=False), slots=1
    )
    assert by_id.rows(second.pk) == [("Two",)]
    assert by_id.rows(second.pk + 1000) == []
    by_topic = CompiledQuery(
        Article.objects.filter(topics__slug=text_slot(0), pk__in=[slot(1), slot(2)])
        .values_list("title")
        .order_by("title"),
        slots=3,
    )
    assert by_topic.rows("rain", second.pk, second.pk) == [("Two",)]
    assert by_topic.rows("ai", second.pk, second.pk) == []
    with pytest.raises(TypeError):
        by_id.rows("not an id")
    with pytest.raises(TypeError):
        by_id.rows()


def test_every_slot_must_be_used():
    with pytest.raises(ValueError):
        CompiledQuery(Article.objects.filter(pk=slot(0)).values_list("title"), slots=2)


@pytest.mark.parametrize(
    "queryset",
    [
        lambda: Article.objects.values("title"),
        lambda: Article.objects.values_list("title", flat=True),
    ],
)
def test_rows_other_than_tuples_are_refused(queryset):
    with pytest.raises(TypeError):
        CompiledQuery(queryset())


def test_time_slots_take_aware_datetimes():
    import datetime as dt

    from django.utils import timezone

    old = make_article(title="Old", published_at=timezone.now() - dt.timedelta(days=2))
    make_article(title="New", published_at=timezone.now())
    older_than = CompiledQuery(
        Article.objects.filter(published_at__lt=time_slot(0), pk__gte=slot(1)).values_list("title"),
        slots=2,
    )
    day_ago = timezone.now() - dt.timedelta(days=1)
    assert older_than.rows(day_ago, old.pk) == [("Old",)]
    assert older_than.rows(day_ago, old.pk + 1) == []
    with pytest.raises(TypeError):
        older_than.rows(day_ago.replace(tzinfo=None), old.pk)
    with pytest.raises(ValueError):
        older_than.rows(day_ago, 2**63)
