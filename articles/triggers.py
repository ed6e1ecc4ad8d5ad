"""The database triggers that keep each topic row's copy of its story's state and date true.

A topic page walks ``article_topic_latest`` (see :class:`articles.models.ArticleTopic`): each
topic row carries a copy of its story's ``published`` and ``published_at``. Two triggers keep
the copy, on SQLite and on PostgreSQL alike, whichever code writes:

- a topic row inserted without a date gets both values from its story (``topics.add()``, and
  the importer for stories that already existed);
- a story whose ``published`` or ``published_at`` changes passes them to its topic rows.

They live here, not in a migration: a migration could lose them or trip over them (SQLite
rebuilds a table to alter it, which drops the triggers on it and fails on the others while
they name the old table; PostgreSQL refuses to change a column a trigger reads). So when
``migrate`` has a migration of this app to apply, it takes them away first; after every
``migrate`` the missing ones are created and the copies that went stale meanwhile are set
again (:func:`drop_before_migrate`, :func:`install_after_migrate`, connected in
``apps.py``). ``manage.py check --database default`` warns of any that is missing
(:func:`check_triggers`).
"""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from pagecache.content_version import bump_after_commit

NAMES = ("article_topic_copy_on_insert", "article_topic_copy_on_update")

_SQLITE = {
    "article_topic_copy_on_insert": [
        """
        CREATE TRIGGER IF NOT EXISTS article_topic_copy_on_insert
        AFTER INSERT ON articles_articletopic
        FOR EACH ROW WHEN NEW.published_at IS NULL
        BEGIN
            UPDATE articles_articletopic
            SET published = (SELECT published FROM articles_article WHERE id = NEW.article_id),
                published_at = (
                    SELECT published_at FROM articles_article WHERE id = NEW.article_id
                )
            WHERE id = NEW.id;
        END
        """
    ],
    "article_topic_copy_on_update": [
        """
        CREATE TRIGGER IF NOT EXISTS article_topic_copy_on_update
        AFTER UPDATE OF published, published_at ON articles_article
        FOR EACH ROW WHEN NEW.published IS NOT OLD.published
            OR NEW.published_at IS NOT OLD.published_at
        BEGIN
            UPDATE articles_articletopic
            SET published = NEW.published, published_at = NEW.published_at
            WHERE article_id = NEW.id;
        END
        """
    ],
}

_POSTGRESQL = {
    "article_topic_copy_on_insert": [
        """
        CREATE OR REPLACE FUNCTION article_topic_copy_on_insert() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            SELECT published, published_at INTO NEW.published, NEW.published_at
            FROM articles_article WHERE id = NEW.article_id FOR SHARE;
            RETURN NEW;
        END $$
        """,
        """
        CREATE TRIGGER article_topic_copy_on_insert BEFORE INSERT ON articles_articletopic
        FOR EACH ROW WHEN (NEW.published_at IS NULL)
        EXECUTE FUNCTION article_topic_copy_on_insert()
        """,
    ],
    "article_topic_copy_on_update": [
        """
        CREATE OR REPLACE FUNCTION article_topic_copy_on_update() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE articles_articletopic
            SET published = NEW.published, published_at = NEW.published_at
            WHERE article_id = NEW.id;
            RETURN NULL;
        END $$
        """,
        """
        CREATE TRIGGER article_topic_copy_on_update
        AFTER UPDATE OF published, published_at ON articles_article
        FOR EACH ROW WHEN (NEW.published IS DISTINCT FROM OLD.published
            OR NEW.published_at IS DISTINCT FROM OLD.published_at)
        EXECUTE FUNCTION article_topic_copy_on_update()
        """,
    ],
}

_DROP = {
    "sqlite": [f"DROP TRIGGER IF EXISTS {name}" for name in NAMES],
    "postgresql": [
        "DROP TRIGGER IF EXISTS article_topic_copy_on_insert ON articles_articletopic",
        "DROP TRIGGER IF EXISTS article_topic_copy_on_update ON articles_article",
        "DROP FUNCTION IF EXISTS article_topic_copy_on_insert()",
        "DROP FUNCTION IF EXISTS article_topic_copy_on_update()",
    ],
}

_CREATE = {"sqlite": _SQLITE, "postgresql": _POSTGRESQL}

# The topic rows whose copy differs from their story, set from it.
_FILL = """
UPDATE articles_articletopic
SET published = (SELECT a.published FROM articles_article a WHERE a.id = article_id),
    published_at = (SELECT a.published_at FROM articles_article a WHERE a.id = article_id)
WHERE EXISTS (
    SELECT 1 FROM articles_article a
    WHERE a.id = articles_articletopic.article_id
      AND (a.published {differs} articles_articletopic.published
           OR a.published_at {differs} articles_articletopic.published_at)
)
"""
_DIFFERS = {"sqlite": "IS NOT", "postgresql": "IS DISTINCT FROM"}

_PRESENT = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger'",
    "postgresql": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal",
}


def missing(connection: BaseDatabaseWrapper) -> list[str]:
    """The names of the triggers this database should have and lacks."""
    if connection.vendor not in _PRESENT:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_PRESENT[connection.vendor])
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in NAMES if name not in present]


def install(connection: BaseDatabaseWrapper) -> list[str]:
    """Create the triggers that are missing (none when all are there); returns their names."""
    absent = missing(connection)
    with connection.cursor() as cursor:
        for name in absent:
            for statement in _CREATE[connection.vendor][name]:
                cursor.execute(statement)
    return absent


def uninstall(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in _DROP.get(connection.vendor, []):
            cursor.execute(statement)


def drop_before_migrate(using: str, plan: Any = None, **kwargs: Any) -> None:
    """``pre_migrate``: when a migration of this app is to be applied, take the triggers
    away first (other apps' migrations leave them be)."""
    connection = connections[using]
    ours = any(migration.app_label == "articles" for migration, _ in plan or [])
    if ours and _has_copy_columns(connection):
        uninstall(connection)


def install_after_migrate(using: str, **kwargs: Any) -> None:
    """``post_migrate`` (and after ``flush``): create the missing triggers, and when any was
    missing, set again the copies that went stale meanwhile. Before migration 0006 there is
    nothing to do."""
    connection = connections[using]
    if _has_copy_columns(connection) and install(connection):
        refresh_copies(connection)


def refresh_copies(connection: BaseDatabaseWrapper) -> int:
    """Set every topic row's copy that differs from its story; returns how many changed.

    The stories are locked against writes meanwhile (PostgreSQL), so that no publication
    slips between the statement's view of them and its write; readers' pages move on to the
    new state after the commit."""
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("LOCK TABLE articles_article IN SHARE MODE")
            cursor.execute(_FILL.format(differs=_DIFFERS[connection.vendor]))
            changed = cursor.rowcount
        if changed:
            bump_after_commit()
    return changed


def _has_copy_columns(connection: BaseDatabaseWrapper) -> bool:
    if "articles_articletopic" not in connection.introspection.table_names():
        return False
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, "articles_articletopic")
    return "published_at" in {column.name for column in columns}


def check_triggers(databases: list[str] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A system check (database tag): every trigger is in place. A warning, not an error: an
    error would stop ``migrate``, which is what puts them back."""
    errors = []
    for alias in databases or []:
        if not _has_copy_columns(connections[alias]):
            continue  # before migration 0006: migrate will create them
        absent = missing(connections[alias])
        if absent:
            errors.append(
                checks.Warning(
                    f"database {alias!r} lacks the trigger(s) {', '.join(absent)}: topic pages "
                    "would show stale stories",
                    hint="Run `python manage.py migrate`: it creates them again.",
                    id="articles.W001",
                )
            )
    return errors
