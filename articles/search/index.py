"""The full-text index of every story, published or not, kept true by the database itself:
what a story is found by, and the index's life cycle.

What a story is found by, written once (:data:`HEADLINE`, :data:`EXCERPT`, and the view
``articles_search_source`` built from them): its headline, excerpt, body, topic names and
provider name. Each database indexes that with its own engine:

- **SQLite**: an FTS5 table, ``articles_search``, with the ``porter`` stemming tokenizer over
  ``unicode61`` with diacritics removed. It stores no copy of the text (its content is the
  view), so it adds only the index to the file.
- **PostgreSQL**: a table ``articles_search`` of ``tsvector`` documents (headline weighted A,
  topics and provider B, excerpt C, body D) with a GIN index, under the text search
  configuration ``newsroom`` (English stemming, ``unaccent``); two small vectors, of the
  headline and of the excerpt, topics and provider, sort the matches into the ranking's
  tiers.

Triggers keep the index in step with every write, whichever code makes it (ORM, admin, a
shell, raw SQL): a story inserted, edited or deleted, a topic added to or taken from a story,
a topic or provider renamed. The importer pauses them for its own transaction
(:func:`paused`) and indexes each batch in two set-based statements instead
(:func:`forget`, :func:`index`). Publication is not in the index: readers' searches filter
with ``Article.objects.published()`` at query time, so publishing, unpublishing or a
scheduled time passing writes nothing here.

Like :mod:`articles.triggers`, the view and the triggers live outside the migrations: they
are taken away before a migration of this app runs (SQLite rebuilds a table to alter it, and
a view or trigger naming it would break that), created again after ``migrate``, and the index
is then rebuilt from scratch, since writes meanwhile went unindexed. The tables themselves
are created by migration 0008. Each database's SQL is in its backend module (:mod:`.sqlite`,
:mod:`.postgresql`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterator
from typing import Any

from django.core import checks
from django.db import connection as default_connection
from django.db import connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from . import postgresql, sqlite
from .dialect import TABLE, VIEW, Dialect

# Each database's index SQL.
DIALECTS: dict[str, Dialect] = {"sqlite": sqlite.INDEX, "postgresql": postgresql.INDEX}

# What a story is found by: its headline and excerpt as readers see them (ours where an
# editor wrote one, else the source's: the SQL of ``articles.models.HEADLINE`` and
# ``SUMMARY``), each written once, over the story's row (alias ``a``). Every index and every
# query reads them through the view.
HEADLINE = "COALESCE(NULLIF(a.title_override, ''), a.title)"
EXCERPT = "COALESCE(NULLIF(a.excerpt_override, ''), a.excerpt)"
# The story's columns these read, with the body and the provider: a change to any of them
# re-indexes the story.
INDEXED_COLUMNS = (
    "title",
    "title_override",
    "excerpt",
    "excerpt_override",
    "body",
    "provider_id",
)


def _sql(connection: BaseDatabaseWrapper) -> Dialect:
    return DIALECTS[connection.vendor]


def supported(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor in DIALECTS


def missing(connection: BaseDatabaseWrapper) -> list[str]:
    """The names of the index's view and triggers this database lacks."""
    if not supported(connection):
        return []
    dialect = _sql(connection)
    with connection.cursor() as cursor:
        cursor.execute(dialect.present)
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in dialect.names() if name not in present]


def install(connection: BaseDatabaseWrapper) -> list[str]:
    """Create the view and the triggers that are missing; returns their names."""
    absent = missing(connection)
    if absent:
        dialect = _sql(connection)
        with connection.cursor() as cursor:
            for name in absent:
                for statement in dialect.create(name, HEADLINE, EXCERPT, INDEXED_COLUMNS):
                    cursor.execute(statement)
    return absent


def uninstall(connection: BaseDatabaseWrapper) -> None:
    if supported(connection):
        with connection.cursor() as cursor:
            for statement in _sql(connection).drop:
                cursor.execute(statement)


def rebuild(connection: BaseDatabaseWrapper | None = None) -> None:
    """Index every story again, from nothing."""
    connection = connection or default_connection
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for statement in _sql(connection).rebuild:
            cursor.execute(statement)


def has_tables(connection: BaseDatabaseWrapper) -> bool:
    return supported(connection) and TABLE in connection.introspection.table_names()


def drop_before_migrate(using: str, plan: Any = None, **kwargs: Any) -> None:
    """``pre_migrate``: before a migration of this app, take the view and triggers away."""
    connection = connections[using]
    if any(m.app_label == "articles" for m, _ in plan or []) and has_tables(connection):
        uninstall(connection)


def install_after_migrate(using: str, plan: Any = None, **kwargs: Any) -> None:
    """``post_migrate`` (and after ``flush``, which sends it without a plan): put back what
    is missing and, when anything was, rebuild the index. After a ``flush``, SQLite's index
    is rebuilt too: flush empties the tables with DELETE in its own order, topics and
    providers before the stories and topic links whose triggers read their names, which
    leaves FTS5 told to delete words it never held. PostgreSQL's flush empties the stories
    with TRUNCATE, which fires no trigger: the documents whose story is gone are dropped."""
    connection = connections[using]
    if not has_tables(connection):
        return  # before migration 0008
    if install(connection) or (plan is None and connection.vendor == "sqlite"):
        rebuild(connection)
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(postgresql.ORPHANS)


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Within the current transaction, the triggers index nothing: the caller indexes what
    it wrote itself (:func:`forget` before changing stories, :func:`index` after). Other
    connections' writes are indexed as ever: the pause is visible to this transaction only
    (the importer's batch is already a transaction: no savepoint).

    - PostgreSQL: a setting local to the transaction, which the triggers read.
    - SQLite: the triggers are taken away for the transaction and put back before it ends.
      DDL is transactional there, and SQLite lets one connection write at a time, so no
      other writer can see them gone; a trigger that stayed and tested a flag on every row
      written cost the import 15% (docs/PERFORMANCE.md).
    """
    dialect = _sql(default_connection)
    with transaction.atomic(savepoint=False), default_connection.cursor() as cursor:
        if default_connection.vendor == "sqlite":
            triggers = [name for name in dialect.names() if name != VIEW]
            for name in triggers:
                cursor.execute(f"DROP TRIGGER {name}")
            yield
            for name in triggers:
                for statement in dialect.create(name, HEADLINE, EXCERPT, INDEXED_COLUMNS):
                    cursor.execute(statement)
        else:
            cursor.execute(dialect.pause)
            yield
            cursor.execute(dialect.resume)


@contextlib.contextmanager
def deleting(ids: Collection[int]) -> Iterator[None]:
    """Delete these stories within: they leave the index in a few set-based statements,
    whatever their number of topics. Without the pause, each of a story's topic rows, deleted
    before the story, re-indexes it with the topics left: a story's whole topic text once per
    topic, the square of its topics (a story with 180,000 took hours, under SQLite's write
    lock)."""
    if not ids or not has_tables(default_connection):
        yield
        return
    with paused():
        forget(ids)
        yield
        _each_chunk(_sql(default_connection).drop_documents, ids)


class DeletedInOneGo:
    """Mixed into the stories' queryset and model: deleting stories takes them out of the
    index in one go (:func:`deleting`). A queryset reads only the ids of what it deletes
    (Django loads the rows it deletes, and a story's row holds its whole file)."""

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if isinstance(self, models.QuerySet):
            with transaction.atomic(using=self.db):
                ids = list(self.values_list("pk", flat=True))
                with deleting(ids):
                    return super(DeletedInOneGo, self.only("pk")).delete(*args, **kwargs)
        with deleting([self.pk] if self.pk else []):
            return super().delete(*args, **kwargs)


def forget(ids: Collection[int]) -> None:
    """Take these stories out of the index, as they are now (before a paused change)."""
    _each_chunk(_sql(default_connection).forget, ids)


def index(ids: Collection[int]) -> None:
    """Index these stories as they are now (after a paused change)."""
    _each_chunk(_sql(default_connection).index, ids)


def _each_chunk(sql: str, ids: Collection[int]) -> None:
    ids = list(ids)
    if not ids or not sql:
        return
    with default_connection.cursor() as cursor:
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            cursor.execute(sql.format(ids=", ".join(["%s"] * len(chunk))), chunk)


def check_index(databases: list[str] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A system check (database tag): the view and triggers are in place."""
    errors = []
    for alias in databases or []:
        connection = connections[alias]
        if has_tables(connection) and (absent := missing(connection)):
            errors.append(
                checks.Warning(
                    f"database {alias!r} lacks {', '.join(absent)}: searches would miss or "
                    "show stale stories",
                    hint="Run `python manage.py migrate`: it creates them and rebuilds the index.",
                    id="articles.W002",
                )
            )
    return errors
