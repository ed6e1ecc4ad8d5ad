"""Topic rows keep a copy of their story's state and date (the topic pages' index), and the
database keeps it true whichever code changes the story (migration 0006's triggers)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from articles.ingest.importer import import_seeds
from articles.models import Article, ArticleTopic
from articles.publishing import set_publication
from tests.helpers.admin_users import desk_user
from tests.helpers.factories import make_article, seed_text

pytestmark = pytest.mark.django_db


def copies(article: Article) -> set[tuple[bool, dt.datetime | None]]:
    return set(
        ArticleTopic.objects.filter(article=article).values_list("published", "published_at")
    )


def assert_copies_match(article: Article) -> None:
    article.refresh_from_db()
    assert ArticleTopic.objects.filter(article=article).exists()
    assert copies(article) == {(article.published, article.published_at)}


def test_topics_added_by_the_orm_get_the_story_values():
    assert_copies_match(make_article(published=True, topics=["AI", "Climate"]))
    assert_copies_match(make_article(published=False, topics=["AI"]))


def test_any_change_to_the_story_reaches_its_topic_rows():
    article = make_article(published=False, topics=["AI", "Climate"])
    article.set_published(True)
    article.save()
    assert_copies_match(article)
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() - dt.timedelta(days=3))
    assert_copies_match(article)
    Article.objects.filter(pk=article.pk).update(published=False)
    assert_copies_match(article)


def test_the_publishing_service_reaches_the_topic_rows():
    editor = desk_user("editor", "Editors")
    articles = [make_article(published=False, topics=["AI"]) for _ in range(3)]
    set_publication(Article.objects.filter(pk__in=[a.pk for a in articles]), True, by=editor)
    for article in articles:
        assert_copies_match(article)
    set_publication(articles[:1], False, by=editor)
    assert_copies_match(articles[0])


def test_the_importer_writes_true_copies_for_new_and_changed_stories(write_seed):
    url = "https://example.com/copied"
    path = write_seed("a.txt", seed_text(originalUrl=url, published=True, topics=["AI", "Rain"]))
    import_seeds([path])
    article = Article.objects.get(url=url)
    assert_copies_match(article)
    # An editor's decision, then a re-import of a changed file with a new date and topics.
    set_publication([article], False, by=desk_user("editor", "Editors"))
    path.write_text(
        seed_text(
            originalUrl=url,
            published=True,
            publishedDateTime="2024-05-01T08:00:00Z",
            topics=["Rain", "Sun"],
        )
    )
    import_seeds([path])
    article.refresh_from_db()
    assert article.published is False
    assert sorted(article.topics.values_list("name", flat=True)) == ["Rain", "Sun"]
    assert_copies_match(article)
    assert article.published_at == dt.datetime(2024, 5, 1, 8, tzinfo=dt.UTC)


def test_a_topic_page_follows_the_editors(client, django_capture_on_commit_callbacks):
    editor = desk_user("editor", "Editors")
    article = make_article(title="Follow me", published=False, topics=["AI"])
    make_article(title="Keeps the page up", published=True, topics=["AI"])
    assert "Follow me" not in client.get("/topics/ai/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # readers' cached pages expire
        set_publication([article], True, by=editor)
    assert "Follow me" in client.get("/topics/ai/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        set_publication([article], False, by=editor)
    assert "Follow me" not in client.get("/topics/ai/").content.decode()


def _plan(app_label: str) -> list:
    """A migrate plan holding one migration of ``app_label``, as pre_migrate receives it."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection)
    key = next(key for key in loader.graph.leaf_nodes() if key[0] == app_label)
    return [(loader.graph.nodes[key], False)]


def _rebuild_the_story_table() -> None:
    """What a migration that alters Article does on SQLite: a new table, copied over (Django's
    table remake), which takes the triggers on the old one with it. It fails while the
    triggers exist (they name the table), so migrate takes them away first. PostgreSQL alters
    in place; losing the triggers is simulated by dropping them."""
    from django.db import connection

    from articles import triggers
    from articles.search import index as search_index

    triggers.drop_before_migrate(using="default", plan=_plan("articles"))
    search_index.drop_before_migrate(using="default", plan=_plan("articles"))  # its view too
    if connection.vendor == "sqlite":
        with connection.schema_editor() as editor:
            editor._remake_table(Article)


def _check() -> None:
    from io import StringIO

    from django.core.management import call_command

    call_command(
        "check", databases=["default"], fail_level="WARNING", stdout=StringIO(), stderr=StringIO()
    )


@pytest.mark.django_db(transaction=True)
def test_migrate_takes_the_triggers_away_for_a_rebuild_and_puts_them_back():
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError
    from django.db import connection

    from articles import triggers
    from pagecache.content_version import content_version

    _check()
    article = make_article(published=False, topics=["Rain"])
    _rebuild_the_story_table()
    assert triggers.missing(connection) == list(triggers.NAMES)
    with pytest.raises(SystemCheckError, match="articles.W001"):
        _check()
    article.set_published(True)  # written while the triggers are away
    article.save()
    version = content_version()

    call_command("migrate", verbosity=0)
    assert triggers.missing(connection) == []
    _check()
    assert_copies_match(article)  # brought up to date,
    assert content_version() > version  # and readers' cached pages with it
    assert_copies_match(make_article(published=True, topics=["AI"]))
    article.set_published(False)
    article.save()
    assert_copies_match(article)


@pytest.mark.django_db(transaction=True)
def test_other_apps_migrations_leave_the_triggers_be():
    from django.db import connection

    from articles import triggers

    triggers.drop_before_migrate(using="default", plan=_plan("serving"))
    assert triggers.missing(connection) == []
    assert triggers.refresh_copies(connection) == 0  # nothing was stale


@pytest.mark.slow
def test_a_fresh_database_gets_the_triggers_and_going_back_past_0006_drops_them(tmp_path):
    import sqlite3
    import subprocess

    from tests.helpers.databases import MANAGE, ROOT, migrate, project_env

    path = tmp_path / "fresh.sqlite3"
    url = f"sqlite:///{path}"

    def present() -> set[str]:
        with sqlite3.connect(path) as conn:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            return {name for (name,) in rows} - set(search_triggers())

    def manage(*args: str) -> str:
        done = subprocess.run(
            [*MANAGE, *args], env=project_env(url), cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr

    migrate(url)
    assert present() == set(triggers_names())
    manage("migrate", "articles", "0005", "--verbosity", "0")
    assert present() == set()
    assert "W001" not in manage("check", "--database", "default")  # no copies yet: no warning
    manage("migrate", "--verbosity", "0")
    assert present() == set(triggers_names())


def search_triggers() -> list[str]:
    from articles.search import sqlite as search_sqlite

    return search_sqlite.INDEX.names()


def triggers_names() -> tuple[str, ...]:
    from articles import triggers

    return triggers.NAMES
