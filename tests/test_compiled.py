"""Compiled queries: the translation to SQL is kept, the data never is."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import public
from articles.compiled import CompiledQuery
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
