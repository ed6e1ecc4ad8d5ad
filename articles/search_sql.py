"""The SQL of the full-text index on each database: its view, triggers, and bulk statements.

See :mod:`articles.search_index` for what they do and when they run. The headline and excerpt
expressions and the story columns they read come from there (one place); everything here is
built from them.

The SQLite index is an FTS5 table whose content is the view ``articles_search_source``: FTS5
keeps no copy of the text. To take a story out of such an index, FTS5 must be given the very
text it indexed, so each trigger that changes what the view shows of a story runs twice: BEFORE
the change it takes the story out (reading the view as it still is), AFTER the change it puts
the story back. PostgreSQL keeps a document per story and simply recomputes it, after the
change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

VIEW = "articles_search_source"
COLUMNS = "headline, excerpt, body, topics, provider"

_VIEW = """
CREATE VIEW articles_search_source AS
SELECT a.id AS id, {headline} AS headline, {excerpt} AS excerpt, a.body AS body,
    (SELECT {aggregate} FROM articles_articletopic x JOIN articles_topic t ON t.id = x.topic_id
     WHERE x.article_id = a.id) AS topics,
    (SELECT p.name FROM articles_provider p WHERE p.id = a.provider_id) AS provider
FROM articles_article a
"""


@dataclass(frozen=True)
class Dialect:
    present: str  # lists the names of the views and triggers there are
    groups: dict[str, Callable[[str, str, tuple[str, ...]], list[str]]]  # name -> its statements
    drop: list[str]
    rebuild: list[str]
    pause: str
    resume: str
    forget: str  # {ids}: placeholders
    index: str
    drop_documents: str  # {ids}: the documents of stories deleted while paused

    def names(self) -> list[str]:
        return list(self.groups)

    def create(self, name: str, headline: str, excerpt: str, columns: tuple[str, ...]) -> list[str]:
        return self.groups[name](headline, excerpt, columns)


# SQLite ----------------------------------------------------------------------------------


def _sqlite_out(where: str) -> str:
    return (
        f"INSERT INTO articles_search(articles_search, rowid, {COLUMNS}) "
        f"SELECT 'delete', id, {COLUMNS} FROM {VIEW} WHERE {where};"
    )


def _sqlite_in(where: str) -> str:
    return (
        f"INSERT INTO articles_search(rowid, {COLUMNS}) "
        f"SELECT id, {COLUMNS} FROM {VIEW} WHERE {where};"
    )


def _sqlite_trigger(name: str, when: str, extra: str, body: str) -> Callable[..., list[str]]:
    condition = f"WHEN {extra} " if extra else ""

    def statements(*_: object) -> list[str]:
        return [
            f"CREATE TRIGGER IF NOT EXISTS {name} {when} FOR EACH ROW {condition}BEGIN {body} END"
        ]

    return statements


def _sqlite_story_trigger(name: str, moment: str, body: Callable[[str], str]):
    """A trigger on a change to the columns the view reads of a story."""

    def statements(headline: str, excerpt: str, columns: tuple[str, ...]) -> list[str]:
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
        when = f"{moment} UPDATE OF {', '.join(columns)} ON articles_article"
        return _sqlite_trigger(name, when, changed, body("OLD.id"))()

    return statements


def _sqlite_view(headline: str, excerpt: str, columns: tuple[str, ...]) -> list[str]:
    view = _VIEW.format(headline=headline, excerpt=excerpt, aggregate="group_concat(t.name, ' ')")
    return [f"DROP VIEW IF EXISTS {VIEW}", view]


_TOPIC_ROW_IDS = "id = {row}.article_id"
_OF_TOPIC = "id IN (SELECT article_id FROM articles_articletopic WHERE topic_id = {row}.id)"
_OF_PROVIDER = "id IN (SELECT id FROM articles_article WHERE provider_id = {row}.id)"
_MOVED = "id = NEW.article_id AND NEW.article_id IS NOT OLD.article_id"

SQLITE = Dialect(
    present="SELECT name FROM sqlite_master WHERE type IN ('trigger', 'view')",
    groups={
        VIEW: _sqlite_view,
        "articles_search_story_insert": _sqlite_trigger(
            "articles_search_story_insert", "AFTER INSERT ON articles_article", "",
            _sqlite_in("id = NEW.id"),
        ),
        "articles_search_story_delete": _sqlite_trigger(
            "articles_search_story_delete", "BEFORE DELETE ON articles_article", "",
            _sqlite_out("id = OLD.id"),
        ),
        "articles_search_story_edit_out": _sqlite_story_trigger(
            "articles_search_story_edit_out", "BEFORE", lambda old: _sqlite_out(f"id = {old}")
        ),
        "articles_search_story_edit_in": _sqlite_story_trigger(
            "articles_search_story_edit_in", "AFTER", lambda old: _sqlite_in(f"id = {old}")
        ),
        "articles_search_topic_add_out": _sqlite_trigger(
            "articles_search_topic_add_out", "BEFORE INSERT ON articles_articletopic", "",
            _sqlite_out(_TOPIC_ROW_IDS.format(row="NEW")),
        ),
        "articles_search_topic_add_in": _sqlite_trigger(
            "articles_search_topic_add_in", "AFTER INSERT ON articles_articletopic", "",
            _sqlite_in(_TOPIC_ROW_IDS.format(row="NEW")),
        ),
        "articles_search_topic_remove_out": _sqlite_trigger(
            "articles_search_topic_remove_out", "BEFORE DELETE ON articles_articletopic", "",
            _sqlite_out(_TOPIC_ROW_IDS.format(row="OLD")),
        ),
        "articles_search_topic_remove_in": _sqlite_trigger(
            "articles_search_topic_remove_in", "AFTER DELETE ON articles_articletopic", "",
            _sqlite_in(_TOPIC_ROW_IDS.format(row="OLD")),
        ),
        "articles_search_topic_move_out": _sqlite_trigger(
            "articles_search_topic_move_out",
            "BEFORE UPDATE OF article_id, topic_id ON articles_articletopic", "",
            _sqlite_out(_TOPIC_ROW_IDS.format(row="OLD")) + _sqlite_out(_MOVED),
        ),
        "articles_search_topic_move_in": _sqlite_trigger(
            "articles_search_topic_move_in",
            "AFTER UPDATE OF article_id, topic_id ON articles_articletopic", "",
            _sqlite_in(_TOPIC_ROW_IDS.format(row="OLD")) + _sqlite_in(_MOVED),
        ),
        "articles_search_topic_rename_out": _sqlite_trigger(
            "articles_search_topic_rename_out", "BEFORE UPDATE OF name ON articles_topic",
            "NEW.name IS NOT OLD.name", _sqlite_out(_OF_TOPIC.format(row="OLD")),
        ),
        "articles_search_topic_rename_in": _sqlite_trigger(
            "articles_search_topic_rename_in", "AFTER UPDATE OF name ON articles_topic",
            "NEW.name IS NOT OLD.name", _sqlite_in(_OF_TOPIC.format(row="NEW")),
        ),
        "articles_search_provider_rename_out": _sqlite_trigger(
            "articles_search_provider_rename_out", "BEFORE UPDATE OF name ON articles_provider",
            "NEW.name IS NOT OLD.name", _sqlite_out(_OF_PROVIDER.format(row="OLD")),
        ),
        "articles_search_provider_rename_in": _sqlite_trigger(
            "articles_search_provider_rename_in", "AFTER UPDATE OF name ON articles_provider",
            "NEW.name IS NOT OLD.name", _sqlite_in(_OF_PROVIDER.format(row="NEW")),
        ),
    },
    drop=[],  # filled below: every trigger, then the view
    rebuild=["INSERT INTO articles_search(articles_search) VALUES ('rebuild')"],
    pause="",  # the importer takes the triggers away for its transaction instead (search_index)
    resume="",
    forget=_sqlite_out("id IN ({ids})").rstrip(";"),
    index=_sqlite_in("id IN ({ids})").rstrip(";"),
    drop_documents="",  # FTS5 keeps no documents: forget() took the stories out
)  # fmt: skip
SQLITE.drop.extend(
    [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE.groups if name != VIEW]
    + [f"DROP VIEW IF EXISTS {VIEW}"]
)


# PostgreSQL ------------------------------------------------------------------------------

_PG_PAUSED = "coalesce(current_setting('newsroom.search_paused', true), '') = 'on'"

_PG_REFRESH = f"""
CREATE OR REPLACE FUNCTION articles_search_refresh(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO articles_search (article_id, headline, summary, document)
    SELECT s.id, s.headline, s.summary,
        s.headline || s.summary || setweight(to_tsvector('newsroom', coalesce(s.body, '')), 'D')
    FROM (
        SELECT id, body,
            setweight(to_tsvector('newsroom', coalesce(headline, '')), 'A') AS headline,
            setweight(to_tsvector('newsroom',
                coalesce(topics, '') || ' ' || coalesce(provider, '')), 'B')
            || setweight(to_tsvector('newsroom', coalesce(excerpt, '')), 'C') AS summary
        FROM {VIEW} WHERE id = ANY(ids)
    ) s
    ON CONFLICT (article_id) DO UPDATE
    SET headline = EXCLUDED.headline, summary = EXCLUDED.summary, document = EXCLUDED.document;
    DELETE FROM articles_search s WHERE s.article_id = ANY(ids)
    AND NOT EXISTS (SELECT 1 FROM articles_article a WHERE a.id = s.article_id);
$$
"""


def _pg_view(headline: str, excerpt: str, columns: tuple[str, ...]) -> list[str]:
    view = _VIEW.format(headline=headline, excerpt=excerpt, aggregate="string_agg(t.name, ' ')")
    return [f"DROP VIEW IF EXISTS {VIEW} CASCADE", view, _PG_REFRESH]


def _pg_trigger(name: str, table: str, events: str, body: Callable[[tuple[str, ...]], str]):
    def statements(headline: str, excerpt: str, columns: tuple[str, ...]) -> list[str]:
        return [
            f"""
            CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF {_PG_PAUSED} THEN RETURN NULL; END IF;
                {body(columns)}
                RETURN NULL;
            END $$
            """,
            f"CREATE TRIGGER {name} AFTER {events} ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION {name}()",
        ]

    return statements


def _pg_story(columns: tuple[str, ...]) -> str:
    new = ", ".join(f"NEW.{c}" for c in columns)
    old = ", ".join(f"OLD.{c}" for c in columns)
    return f"""
        IF TG_OP = 'DELETE' THEN
            DELETE FROM articles_search WHERE article_id = OLD.id;
        ELSIF TG_OP = 'INSERT' OR ROW({new}) IS DISTINCT FROM ROW({old}) THEN
            PERFORM articles_search_refresh(ARRAY[NEW.id]);
        END IF;"""


def _pg_topic_row(columns: tuple[str, ...]) -> str:
    return """
        IF TG_OP = 'INSERT' THEN
            PERFORM articles_search_refresh(ARRAY[NEW.article_id]);
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM articles_search_refresh(ARRAY[OLD.article_id]);
        ELSE
            PERFORM articles_search_refresh(ARRAY[OLD.article_id, NEW.article_id]);
        END IF;"""


def _pg_rename(ids: str) -> Callable[[tuple[str, ...]], str]:
    return lambda columns: (
        f"""
        IF NEW.name IS DISTINCT FROM OLD.name THEN
            PERFORM articles_search_refresh(ARRAY({ids}));
        END IF;"""
    )


_PG_TRIGGERS = {
    "articles_search_story": (
        "articles_article", "INSERT OR DELETE OR UPDATE", _pg_story,
    ),
    "articles_search_topic_row": (
        "articles_articletopic", "INSERT OR DELETE OR UPDATE OF article_id, topic_id",
        _pg_topic_row,
    ),
    "articles_search_topic_rename": (
        "articles_topic", "UPDATE OF name",
        _pg_rename("SELECT article_id FROM articles_articletopic WHERE topic_id = NEW.id"),
    ),
    "articles_search_provider_rename": (
        "articles_provider", "UPDATE OF name",
        _pg_rename("SELECT id FROM articles_article WHERE provider_id = NEW.id"),
    ),
}  # fmt: skip

POSTGRESQL = Dialect(
    present=(
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
        "UNION ALL SELECT viewname FROM pg_views WHERE schemaname = current_schema()"
    ),
    groups={
        VIEW: _pg_view,
        **{name: _pg_trigger(name, *spec) for name, spec in _PG_TRIGGERS.items()},
    },
    drop=[
        *(f"DROP TRIGGER IF EXISTS {name} ON {spec[0]}" for name, spec in _PG_TRIGGERS.items()),
        *(f"DROP FUNCTION IF EXISTS {name}()" for name in _PG_TRIGGERS),
        "DROP FUNCTION IF EXISTS articles_search_refresh(bigint[])",
        f"DROP VIEW IF EXISTS {VIEW}",
    ],
    rebuild=[
        # DELETE, not TRUNCATE: searches go on reading the old documents until the commit.
        "DELETE FROM articles_search",
        "SELECT articles_search_refresh(ARRAY(SELECT id FROM articles_article))",
        # The planner's statistics of the vectors: with them it reads a common word's tier
        # newest first and stops after the page, a rare one's through the GIN index.
        "ANALYZE articles_search",
    ],
    pause="SELECT set_config('newsroom.search_paused', 'on', true)",
    resume="SELECT set_config('newsroom.search_paused', 'off', true)",
    forget="",  # PostgreSQL recomputes a document whole: nothing to take out first
    index="SELECT articles_search_refresh(ARRAY[{ids}]::bigint[])",
    drop_documents="DELETE FROM articles_search WHERE article_id IN ({ids})",
)

POSTGRESQL_ORPHANS = """
DELETE FROM articles_search s
WHERE NOT EXISTS (SELECT 1 FROM articles_article a WHERE a.id = s.article_id)
"""

DIALECTS = {"sqlite": SQLITE, "postgresql": POSTGRESQL}
