"""SQLite's search: an FTS5 table over the view ``articles_search_source`` (see
:mod:`.index`), its triggers and bulk statements, and the queries that read it.

FTS5 keeps no copy of the text: to take a story out of such an index, FTS5 must be given the
very text it indexed, so each trigger that changes what the view shows of a story runs twice:
BEFORE the change it takes the story out (reading the view as it still is), AFTER the change
it puts the story back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from .dialect import COLUMNS, START, STOP, TABLE, VIEW, VIEW_SQL, Dialect
from .query import SearchQuery


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
    view = VIEW_SQL.format(
        headline=headline, excerpt=excerpt, aggregate="group_concat(t.name, ' ')"
    )
    return [f"DROP VIEW IF EXISTS {VIEW}", view]


_TOPIC_ROW_IDS = "id = {row}.article_id"
_OF_TOPIC = "id IN (SELECT article_id FROM articles_articletopic WHERE topic_id = {row}.id)"
_OF_PROVIDER = "id IN (SELECT id FROM articles_article WHERE provider_id = {row}.id)"
_MOVED = "id = NEW.article_id AND NEW.article_id IS NOT OLD.article_id"

INDEX = Dialect(
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
    pause="",  # the importer takes the triggers away for its transaction instead (index.paused)
    resume="",
    forget=_sqlite_out("id IN ({ids})").rstrip(";"),
    index=_sqlite_in("id IN ({ids})").rstrip(";"),
    drop_documents="",  # FTS5 keeps no documents: forget() took the stories out
)  # fmt: skip
INDEX.drop.extend(
    [f"DROP TRIGGER IF EXISTS {name}" for name in INDEX.groups if name != VIEW]
    + [f"DROP VIEW IF EXISTS {VIEW}"]
)


# The queries ------------------------------------------------------------------------------

# The index's table joined to the stories.
JOIN = f'"{TABLE}"."rowid" = "articles_article"."id"'
_IN = f'"{TABLE}" MATCH %s'
_HIGHLIGHT = f"""
SELECT rowid, highlight({TABLE}, 0, '{START}', '{STOP}'),
    snippet({TABLE}, 1, '{START}', '{STOP}', '…', 40),
    snippet({TABLE}, 2, '{START}', '{STOP}', '…', 40)
FROM {TABLE} WHERE {TABLE} MATCH %s AND rowid IN ({{ids}})
"""


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def match(query: SearchQuery) -> str:
    """The query in FTS5's syntax: every phrase quoted, so nothing in it is an operator."""

    def group(phrases: tuple[str, ...]) -> str:
        return "(" + " OR ".join(_phrase(p) for p in phrases) + ")"

    text = " AND ".join(group(g) for g in query.groups)
    return f"({text})" + "".join(f" NOT {_phrase(p)}" for p in query.excluded)


def whole(query: SearchQuery) -> tuple[list[str], list[str]]:
    """The conditions on the index's row that match the query, and their parameters."""
    return [_IN], [match(query)]


def tiers(query: SearchQuery) -> list[tuple[list[str], list[str]]]:
    """The query split into the ranking's tiers, as FTS5 queries that together match what it
    matches, each story once: any searched word or phrase in the headline; else in the
    excerpt, topics or provider name; else (in the body only)."""
    text = match(query)
    either = " OR ".join(_phrase(p) for g in query.groups for p in g)

    def within(columns: str) -> str:
        return "{" + columns + "} : (" + either + ")"

    return [
        ([_IN], [tier])
        for tier in (
            f"{within('headline')} AND ({text})",
            f"(({text}) AND ({within('excerpt topics provider')})) NOT ({within('headline')})",
            f"({text}) NOT ({within('headline excerpt topics provider')})",
        )
    ]


def matching_sql(query: SearchQuery) -> tuple[str, list[str]]:
    """The ids of the stories that match, as a subquery."""
    return f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [match(query)]


def highlight_sql(query: SearchQuery, ids: str) -> tuple[str, list[str]]:
    """Each story's id, headline, excerpt and body with the matches marked."""
    return _HIGHLIGHT.format(ids=ids), [match(query)]


@contextlib.contextmanager
def planned() -> Iterator[None]:
    """SQLite's planner needs nothing set."""
    yield
