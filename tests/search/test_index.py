"""The search index follows every write, on SQLite (FTS5) and PostgreSQL (tsvector)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from articles.models import Article, Provider, Topic
from articles.search import index as search_index
from articles.search.engine import find, matching
from articles.search.query import SearchQuery
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db


def hits(text: str, stories=None) -> list[int]:
    stories = Article.objects.all() if stories is None else stories
    return find(SearchQuery.parse(text), stories, limit=100).ids


def integrity() -> None:
    """The index holds exactly what the view shows (SQLite's own check; on PostgreSQL, each
    row, all its vectors, equals the one computed afresh)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "INSERT INTO articles_search(articles_search, rank) VALUES ('integrity-check', 1)"
            )
        else:
            sql = "SELECT * FROM articles_search ORDER BY article_id"
            cursor.execute(sql)
            before = cursor.fetchall()
            search_index.rebuild()
            cursor.execute(sql)
            assert cursor.fetchall() == before


def test_every_field_is_found_in_any_word_form_and_without_accents():
    provider = Provider.objects.create(name="Café Gazette", domain="cafe.example")
    story = make_article(
        title="Rabbits burrowing under the lawn",
        excerpt="An excerpt about gardens",
        body="The naïve gardener planted carrots in Ελλάδα.",
        provider=provider,
        topics=["Wildlife"],
    )
    make_article(title="Something else entirely")
    for text in ("burrow", "rabbit", "garden", "naive", "carrot", "wildlife", "cafe", "gazette"):
        assert hits(text) == [story.pk], text
    assert hits('"rabbits burrowing"') == [story.pk]
    assert hits('"burrowing rabbits"') == []
    # typed another way, the same text: full-width letters, a letter and its accent apart
    assert hits("ＲＡＢＢＩＴＳ") == [story.pk]
    assert hits("Ελλα\u0301δα") == hits("Ελλάδα") == [story.pk]
    integrity()


def test_our_headline_and_summary_are_what_search_finds_and_follow_edits():
    story = make_article(title="Harbour opens", excerpt="Ships queue at dawn")
    assert hits("harbour") == [story.pk]
    Article.objects.filter(pk=story.pk).update(
        title_override="Quayside reopens", excerpt_override="Ferries return"
    )
    assert hits("harbour") == [] and hits("ships") == []  # the source's text, set aside
    assert hits("quayside") == [story.pk] and hits("ferry") == [story.pk]
    Article.objects.filter(pk=story.pk).update(title_override="", excerpt_override="")
    assert hits("harbour") == [story.pk] and hits("quayside") == []
    integrity()


def test_the_importers_pause_indexes_nothing_and_leaves_every_trigger_in_place():
    with transaction.atomic(), search_index.paused():
        quiet = make_article(title="Lanterns written in a batch")
        assert hits("lantern") == []  # no trigger indexed it: the importer does, in bulk
        search_index.index([quiet.pk])
    assert hits("lantern") == [quiet.pk]
    assert search_index.missing(connection) == []
    with pytest.raises(RuntimeError), transaction.atomic(), search_index.paused():
        raise RuntimeError("a batch that fails")
    assert search_index.missing(connection) == []  # rolled back with the batch
    story = make_article(title="Harbour opens")  # and the triggers index again
    assert hits("harbour") == [story.pk]
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
    assert found.ids == [in_excerpt.pk, new.pk]
    counted = find(SearchQuery.parse("otters"), Article.objects.all(), limit=2, count_limit=3)
    assert counted == ([in_title.pk, in_excerpt.pk], 3, True)
    counted = find(SearchQuery.parse("otters"), Article.objects.all(), limit=2, count_limit=4)
    assert counted == ([in_title.pk, in_excerpt.pk], 4, False)
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
    from tests.helpers.factories import seed_text

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
    from tests.helpers.factories import seed_text

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


@pytest.mark.django_db(transaction=True)
def test_migrate_takes_the_view_and_triggers_away_and_rebuilds_the_index():
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    from tests.domain.test_topic_copies import _plan

    story = make_article(title="Lighthouse keeper", topics=["Coast"])
    search_index.drop_before_migrate(using="default", plan=_plan("articles"))
    assert search_index.missing(connection) == search_index.DIALECTS[connection.vendor].names()
    with pytest.raises(SystemCheckError, match="articles.W002"):
        call_command("check", databases=["default"], fail_level="WARNING", stdout=StringIO())
    Article.objects.filter(pk=story.pk).update(title="Lightship keeper")  # while away

    call_command("migrate", verbosity=0)
    assert search_index.missing(connection) == []
    assert hits("lightship") == [story.pk] and hits("lighthouse") == []
    integrity()
    search_index.drop_before_migrate(using="default", plan=_plan("serving"))
    assert search_index.missing(connection) == []  # other apps' migrations leave them be


@pytest.mark.django_db(transaction=True)
def test_flush_leaves_an_index_that_holds_exactly_what_is_left():
    """``flush`` empties the tables in its own order: on SQLite, topics and providers go
    before the rows whose triggers would read their names, and the index is left asking
    FTS5 to delete words it never held (a malformed index). The index is rebuilt after."""
    from django.core.management import call_command

    provider = Provider.objects.create(name="Harbour Gazette", domain="harbour.example")
    for n in range(3):
        make_article(title=f"Lighthouse {n}", provider=provider, topics=["Coast", "Ships"])
    call_command("flush", interactive=False, verbosity=0)
    assert Article.objects.count() == 0
    integrity()
    story = make_article(title="Lighthouse again", topics=["Coast"])
    assert hits("lighthouse") == [story.pk]
    integrity()


@pytest.mark.django_db(transaction=True)
def test_an_import_without_the_index_triggers_stops_at_once_saying_to_migrate(tmp_path):
    from django.core.management import CommandError, call_command

    from articles.ingest.corpus import generate_corpus
    from tests.domain.test_topic_copies import _plan

    list(generate_corpus(tmp_path / "c", 3))
    search_index.drop_before_migrate(using="default", plan=_plan("articles"))  # as a failed migrate
    try:
        with pytest.raises(CommandError) as error:
            call_command("import_seeds", str(tmp_path / "c"), verbosity=0)
        assert error.value.returncode == 2
        assert str(error.value).startswith("the search index lacks articles_search_")
        assert str(error.value).endswith(": run `python manage.py migrate` first")
        assert Article.objects.count() == 0
        call_command("import_seeds", str(tmp_path / "c"), "--dry-run", verbosity=0)  # writes none
    finally:
        search_index.install_after_migrate(using="default", plan=[])
    call_command("import_seeds", str(tmp_path / "c"), verbosity=0)
    assert Article.objects.count() == 3
    integrity()


@pytest.mark.slow
def test_going_back_past_0008_drops_the_index_and_forward_builds_it(tmp_path):
    import sqlite3
    import subprocess

    from tests.helpers.databases import MANAGE, ROOT, migrate, project_env

    path = tmp_path / "fresh.sqlite3"
    url = f"sqlite:///{path}"

    def present() -> set[str]:
        with sqlite3.connect(path) as conn:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'articles_search%'")
            return {name for (name,) in rows}

    def manage(*args: str) -> None:
        done = subprocess.run(
            [*MANAGE, *args], env=project_env(url), cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr

    migrate(url)
    assert {"articles_search", "articles_search_source"} <= present()
    manage("migrate", "articles", "0007", "--verbosity", "0")
    assert present() == set()
    manage("migrate", "--verbosity", "0")
    assert {"articles_search", "articles_search_story_insert"} <= present()


def test_every_page_is_a_slice_of_the_whole_ranking():
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    for n in range(12):
        field = ("title", "excerpt", "body")[n % 3]
        make_article(
            **{field: f"kelp forest {n}"},
            published=n % 4 != 0,
            published_at=now - dt.timedelta(hours=n),
        )
    query = SearchQuery.parse("kelp")
    for stories in (Article.objects.all(), Article.objects.published()):
        whole = find(query, stories, limit=100).ids
        assert len(whole) == stories.count()
        tiers = [Article.objects.get(pk=pk) for pk in whole]
        fields = [0 if "kelp" in a.title else 1 if "kelp" in a.excerpt else 2 for a in tiers]
        assert fields == sorted(fields)  # headline, then excerpt, then body
        for offset in range(len(whole) + 2):
            for limit in (1, 2, 5):
                page = find(query, stories, limit=limit, offset=offset).ids
                assert page == whole[offset : offset + limit], (offset, limit)


def test_postgresql_reads_a_tier_newest_first_and_stops_after_a_page():
    """PostgreSQL ranks in tiers (no ``ts_rank`` of every match): each tier's page is read
    from the published stories' date index, newest first, each story looked up in the
    search index by its id, until the page is full (a Limit over the walk, no Sort of
    every match). The planner's other paths are turned off, since a test's few rows make
    any plan cheap: what is asserted is that the query can be answered so."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    from django.db import transaction

    from articles.search import engine, postgresql
    from tests.helpers.plans import plan

    for n in range(30):
        make_article(title=f"Harbour {n}", excerpt="harbour", published=n % 2 == 0)
    for text in ("harbour", "harbour -ferry"):
        for where, params in postgresql.tiers(SearchQuery.parse(text)):
            matches = engine._matches(postgresql, Article.objects.published(), where, params)
            page = matches.order_by(*engine._NEWEST)[:20]
            with transaction.atomic(), connection.cursor() as cursor:
                for path in ("seqscan", "bitmapscan", "sort"):
                    cursor.execute(f"SET LOCAL enable_{path} = off")
                lines = plan(page)
            assert lines.startswith("Limit") and "Sort" not in lines, lines
            assert "article_pub_latest" in lines and "articles_search_pkey" in lines, lines
            assert "ts_rank" not in str(page.query)
    found = find(SearchQuery.parse("harbour"), Article.objects.published(), limit=20)
    assert len(found.ids) == 15


def story_with_topics(count: int, word: str) -> Article:
    story = make_article(title=f"Story about {word}")
    topics = Topic.objects.bulk_create(
        Topic(name=f"{word} topic {i}", slug=f"{word}-topic-{i}") for i in range(count)
    )
    story.topics.add(*topics)
    return story


def index_work(delete) -> int:
    """How often the index is rewritten while ``delete`` runs: SQLite's statements, its
    triggers' included (each trigger statement is traced); PostgreSQL's calls of the
    function that rebuilds a story's document."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            traced: list[str] = []
            connection.connection.set_trace_callback(traced.append)
            try:
                delete()
            finally:
                connection.connection.set_trace_callback(None)
            return len(traced)
        cursor.execute("SET LOCAL track_functions = 'all'")
        delete()
        cursor.execute(
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions"
            " WHERE funcname = 'articles_search_refresh'"
        )
        return cursor.fetchone()[0]


@pytest.mark.parametrize("how", ["instance", "queryset"])
def test_deleting_a_story_costs_the_same_whatever_its_topics(how):
    """A story with 180,000 topics took about 12 hours to delete: each topic row's trigger
    re-indexed the story with the topics left. The work no longer grows with the topics."""
    few, many = story_with_topics(3, "few"), story_with_topics(300, "many")
    make_article(title="A neighbour about harbours")

    def deleter(story):
        if how == "instance":
            return Article.objects.get(pk=story.pk).delete
        return Article.objects.filter(pk=story.pk).delete

    work_few, work_many = index_work(deleter(few)), index_work(deleter(many))
    assert work_many == work_few
    assert not Article.objects.filter(pk__in=[few.pk, many.pk]).exists()
    assert hits("many") == hits("few") == []
    assert len(hits("harbours")) == 1
    integrity()


def test_deleting_many_stories_at_once_costs_in_proportion_to_them():
    stories = [story_with_topics(20, f"batch{i}") for i in range(30)]
    ids = [s.pk for s in stories]
    first = index_work(Article.objects.filter(pk__in=ids[:10]).delete)
    rest = index_work(Article.objects.filter(pk__in=ids[10:]).delete)
    # The same set-based statements; what grows is FTS5's own bookkeeping, a statement or so
    # per story deleted. Before, each story's 20 topic rows re-indexed it 20 times.
    assert rest - first <= 2 * 10
    assert not Article.objects.filter(pk__in=ids).exists()
    assert hits("batch1") == []
    integrity()
