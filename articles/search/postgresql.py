"""PostgreSQL's search: a ``tsvector`` document per story with a GIN index, kept by triggers
that recompute a story's document after a change, and the queries that read it.

The documents weigh the headline A, topics and provider B, excerpt C, body D, under the text
search configuration ``newsroom`` (English stemming after ``unaccent``); two small vectors, of
the headline and of the excerpt, topics and provider, sort the matches into the ranking's
tiers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from django.db import connection, transaction

from .dialect import START, STOP, TABLE, VIEW, VIEW_SQL, Dialect
from .query import SearchQuery

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
    view = VIEW_SQL.format(headline=headline, excerpt=excerpt, aggregate="string_agg(t.name, ' ')")
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

INDEX = Dialect(
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

ORPHANS = """
DELETE FROM articles_search s
WHERE NOT EXISTS (SELECT 1 FROM articles_article a WHERE a.id = s.article_id)
"""


# The queries ------------------------------------------------------------------------------

JOIN = f'"{TABLE}"."article_id" = "articles_article"."id"'
_IN = f'"{TABLE}"."{{column}}" @@ websearch_to_tsquery(\'newsroom\', %s)'
_VECTORS = ("headline", "summary", "document")
_QUERY = "websearch_to_tsquery('newsroom', %s)"
_HEADLINE_OPTIONS = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
_EXCERPT_OPTIONS = f"StartSel={START}, StopSel={STOP}, MaxWords=40, MinWords=20"
_BODY_OPTIONS = f'{_EXCERPT_OPTIONS}, MaxFragments=2, FragmentDelimiter=" … "'
_HIGHLIGHT = f"""
SELECT v.id, ts_headline('newsroom', v.headline, q, '{_HEADLINE_OPTIONS}'),
    ts_headline('newsroom', v.excerpt, q, '{_EXCERPT_OPTIONS}'),
    ts_headline('newsroom', left(v.body, 20000), q, '{_BODY_OPTIONS}')
FROM {VIEW} v, {_QUERY} q WHERE v.id IN ({{ids}})
"""


def websearch(query: SearchQuery) -> str:
    """The query for ``websearch_to_tsquery``, written out again from the parsed phrases (so
    both databases read a reader's text the same way)."""
    groups = (" or ".join(f'"{p}"' for p in g) for g in query.groups)
    return " ".join([*groups, *(f'-"{p}"' for p in query.excluded)])


def whole(query: SearchQuery) -> tuple[list[str], list[str]]:
    """The conditions on the index's row that match the query, and their parameters."""
    return [_IN.format(column="document")], [websearch(query)]


def tiers(query: SearchQuery) -> list[tuple[list[str], list[str]]]:
    """The ranking's tiers, as SQLite's (:func:`.sqlite.tiers`): (conditions on the index's
    row, their parameters). Each tests the whole document (which its GIN index answers), and
    the small vectors of the headline and the summary for the tier."""
    text = websearch(query)
    either = " or ".join(f'"{p}"' for g in query.groups for p in g)
    head, summary, document = (_IN.format(column=c) for c in _VECTORS)
    return [
        ([document, head], [text, either]),
        ([document, summary, f"NOT {head}"], [text, either, either]),
        ([document, f"NOT {head}", f"NOT {summary}"], [text, either, either]),
    ]


def matching_sql(query: SearchQuery) -> tuple[str, list[str]]:
    """The ids of the stories that match, as a subquery."""
    return f"SELECT article_id FROM {TABLE} WHERE document @@ {_QUERY}", [websearch(query)]


def highlight_sql(query: SearchQuery, ids: str) -> tuple[str, list[str]]:
    """Each story's id, headline, excerpt and body with the matches marked."""
    return _HIGHLIGHT.format(ids=ids), [websearch(query)]


@contextlib.contextmanager
def planned() -> Iterator[None]:
    """The search's queries run without parallel workers (starting them costs more than a
    search's few thousand rows), and price a random page read as for pages in memory, 1.1 not
    4: else a word in a tenth of the stories is counted by testing each story's vector in turn
    (40 ms), not from the GIN index (6 ms). docs/PERFORMANCE.md."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL random_page_cost = 1.1"
        )
        yield
