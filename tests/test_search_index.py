"""The search index follows every write, on SQLite (FTS5) and PostgreSQL (tsvector)."""

from __future__ import annotations

import pytest
from django.db import connection

from articles import search_index
from articles.models import Article, Provider, Topic
from articles.search import SearchQuery, find, matching

from .factories import make_article

pytestmark = pytest.mark.django_db


def hits(text: str, stories=None) -> list[int]:
    stories = Article.objects.all() if stories is None else stories
    return find(SearchQuery.parse(text), stories, limit=100).ids


def integrity() -> None:
    """The index holds exactly what the view shows (SQLite's own check; on PostgreSQL, each
    document equals the one computed afresh)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "INSERT INTO articles_search(articles_search, rank) VALUES ('integrity-check', 1)"
            )
        else:
            cursor.execute("SELECT article_id, document FROM articles_search ORDER BY 1")
            before = cursor.fetchall()
            search_index.rebuild()
            cursor.execute("SELECT article_id, document FROM articles_search ORDER BY 1")
            assert cursor.fetchall() == before


def test_every_field_is_found_in_any_word_form_and_without_accents():
    provider = Provider.objects.create(name="Café Gazette", domain="cafe.example")
    story = make_article(
        title="Rabbits burrowing under the lawn",
        excerpt="An excerpt about gardens",
        body="The naïve gardener planted carrots.",
        provider=provider,
        topics=["Wildlife"],
    )
    make_article(title="Something else entirely")
    for text in ("burrow", "rabbit", "garden", "naive", "carrot", "wildlife", "cafe", "gazette"):
        assert hits(text) == [story.pk], text
    assert hits('"rabbits burrowing"') == [story.pk]
    assert hits('"burrowing rabbits"') == []
    integrity()


def test_edits_renames_and_topic_changes_reach_the_index():
    story = make_article(title="Harbour opens", topics=["Ports"])
    story.title = "Bridge opens"
    story.save()
    assert hits("harbour") == [] and hits("bridge") == [story.pk]
    Topic.objects.filter(slug="ports").update(name="Shipping")
    assert hits("ports") == [] and hits("shipping") == [story.pk]
    story.provider.name = "Tidewater Times"
    story.provider.save()
    assert hits("tidewater") == [story.pk]
    story.topics.clear()
    assert hits("shipping") == []
    story.topics.add(Topic.objects.create(name="Ferries", slug="ferries"))
    assert hits("ferry") == [story.pk]
    integrity()
    story.delete()
    assert hits("bridge") == []
    integrity()


def test_publishing_writes_nothing_to_the_index(django_assert_num_queries):
    story = make_article(title="Quiet story")
    with django_assert_num_queries(1):
        Article.objects.filter(pk=story.pk).update(published=True)
    assert hits("quiet", Article.objects.published()) == [story.pk]
    Article.objects.filter(pk=story.pk).update(published=False)
    assert hits("quiet", Article.objects.published()) == []
    assert hits("quiet") == [story.pk]  # editors still find it


def test_headline_outranks_excerpt_and_newer_wins_among_equals():
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    in_excerpt = make_article(title="A story", excerpt="about otters", published_at=now)
    in_title = make_article(title="Otters", published_at=now - dt.timedelta(days=30))
    old = make_article(title="Plain", body="otters", published_at=now - dt.timedelta(days=9))
    new = make_article(title="Plain", body="otters", published_at=now - dt.timedelta(days=1))
    assert hits("otters") == [in_title.pk, in_excerpt.pk, new.pk, old.pk]
    found = find(SearchQuery.parse("otters"), Article.objects.all(), limit=2, offset=1)
    assert found == ([in_excerpt.pk, new.pk], 4)
    newest = find(SearchQuery.parse("otters"), Article.objects.all(), limit=9, newest_first=True)
    assert newest.ids == [in_excerpt.pk, new.pk, old.pk, in_title.pk]


def test_or_not_and_matching():
    a = make_article(title="Apples and pears")
    b = make_article(title="Pears only")
    assert set(hits("apples or pears")) == {a.pk, b.pk}
    assert hits("pears -apples") == [b.pk]
    assert list(
        matching(Article.objects.all(), SearchQuery.parse("apple")).values_list("pk", flat=True)
    ) == [a.pk]


def test_the_importer_indexes_new_and_changed_stories_in_one_batch(write_seed):
    from articles.ingest.importer import import_seeds

    from .factories import seed_text

    url = "https://example.com/indexed"
    path = write_seed("a.txt", seed_text(originalUrl=url, title="Glaciers retreat", topics=["Ice"]))
    write_seed("b.txt", seed_text(title="Volcano wakes", topics=["Fire"]))
    import_seeds([path.parent])
    story = Article.objects.get(url=url)
    assert hits("glacier") == [story.pk] and hits("ice") == [story.pk]
    assert len(hits("volcano")) == 1
    path.write_text(seed_text(originalUrl=url, title="Glaciers advance", topics=["Snow"]))
    import_seeds([path.parent])
    assert hits("retreat") == [] and hits("ice") == []
    assert hits("advance") == [story.pk] and hits("snow") == [story.pk]
    integrity()
    # An edit after the import goes through the triggers again (the pause was the batch's).
    Article.objects.filter(pk=story.pk).update(title="Glaciers vanish")
    assert hits("vanish") == [story.pk]
    integrity()


def test_a_reimport_of_unchanged_files_touches_no_index(write_seed, django_assert_num_queries):
    from articles.ingest.importer import import_seeds

    from .factories import seed_text

    path = write_seed("a.txt", seed_text(title="Unchanged"))
    import_seeds([path.parent])
    with connection.cursor() as cursor:
        state = _index_state(cursor)
        summary = import_seeds([path.parent])
        assert summary.unchanged == 1
        assert _index_state(cursor) == state


def _index_state(cursor) -> list:
    if connection.vendor == "sqlite":
        cursor.execute("SELECT id, block FROM articles_search_data ORDER BY id")
    else:
        cursor.execute("SELECT article_id, xmin::text FROM articles_search ORDER BY 1")
    return cursor.fetchall()
