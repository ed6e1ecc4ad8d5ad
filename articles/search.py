"""Searching stories: a reader's text made safe for the database's engine, ranked matches,
and the snippets that show them.

Readers and editors search the same index (:mod:`articles.search_index`), each within the
stories they may see: the reader site passes ``Article.objects.published()`` (narrowed by its
filters), the admin every story. Whatever the text, the query sent to the engine is built
here from words and quoted phrases, each quoted again for the engine, so no character of it
is ever syntax: a search answers with matches or none, never an error.

What a reader may type (as in most search boxes, and PostgreSQL's ``websearch_to_tsquery``):
words (all must match, in any field, in any form: "burrow" finds "burrowing"), ``"a
phrase"``, ``-word`` or ``-"a phrase"`` to leave out, ``or`` between two words for either.
Ranking, the same on both databases: a match in the headline counts most, then one in the
excerpt, topics or provider name, then one in the body only; among stories that rank alike,
the newer comes first. Each tier is read newest first, only as far as the page needs.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Article
from .search_index import SOURCE, TABLE

MAX_QUERY_LENGTH = 200  # characters; a longer search is refused with a friendly page
MAX_TERMS = 12  # words and phrases beyond these are ignored

# Characters nobody types into a search box: control and format characters (NUL, bidi
# overrides and isolates, zero-width), replaced by spaces before anything else.
# Control and invisible characters, and lone surrogates (text no database can store: they
# come only from Python callers, never over HTTP).
_INVISIBLE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff]"
)
_ITEM = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_SEARCHABLE = re.compile(r"[^\W_]")  # a letter or a digit: something the engines index
# Where the engines mark a match in a snippet; the text never holds these (the importer
# removes control characters, and so does :func:`clean`).
START, STOP = "\x02", "\x03"
_MARKED = re.compile(f"{START}([^{START}{STOP}]*){STOP}")


class QueryError(ValueError):
    """A search that cannot run; its message is for the reader."""


def clean(text: str) -> str:
    return " ".join(_INVISIBLE.sub(" ", text).split())


@dataclass(frozen=True)
class SearchQuery:
    """A reader's search: groups that must all match (each one phrase, or phrases joined by
    ``or``), and phrases that must not."""

    text: str
    groups: tuple[tuple[str, ...], ...]
    excluded: tuple[str, ...] = ()

    @classmethod
    def parse(cls, raw: str) -> SearchQuery:
        text = clean(raw)
        if not text:
            raise QueryError("Type a word or two to search the stories.")
        if len(text) > MAX_QUERY_LENGTH:
            raise QueryError(
                f"That search is {len(text):,} characters long: "
                f"shorten it to {MAX_QUERY_LENGTH} or fewer."
            )
        groups: list[list[str]] = []
        excluded: list[str] = []
        either = after_word = False  # "or" joins two words to look for, not one left out
        # The words in Unicode's compatible composed form (NFKC), as the index holds text:
        # full-width letters ("ＢＲＩＤＧＥ") are the plain ones, and a letter and its accent
        # typed apart are the one accented letter.
        for negated, phrase in _items(unicodedata.normalize("NFKC", text)):
            if phrase is None:  # "or"
                either = after_word
                continue
            after_word = not negated
            if negated:  # "a or -b c": "or" joins no word left out, nor carries past it
                excluded.append(phrase)
                either = False
            elif either:
                groups[-1].append(phrase)
                either = False
            else:
                groups.append([phrase])
        if not groups:
            raise QueryError(_nothing_to_look_for(text, excluded))
        return cls(text, tuple(tuple(g) for g in groups), tuple(excluded))

    def fts5(self) -> str:
        """The query in FTS5's syntax: every phrase quoted, so nothing in it is an operator."""

        def phrase(text: str) -> str:
            return '"' + text.replace('"', '""') + '"'

        def group(phrases: tuple[str, ...]) -> str:
            return "(" + " OR ".join(phrase(p) for p in phrases) + ")"

        query = " AND ".join(group(g) for g in self.groups)
        return f"({query})" + "".join(f" NOT {phrase(p)}" for p in self.excluded)

    def fts5_tiers(self) -> list[str]:
        """The query split into the ranking's tiers, as FTS5 queries that together match
        what it matches, each story once: any searched word or phrase in the headline; else
        in the excerpt, topics or provider name; else (in the body only)."""
        whole = self.fts5()
        either = " OR ".join('"' + p.replace('"', '""') + '"' for g in self.groups for p in g)

        def within(columns: str) -> str:
            return "{" + columns + "} : (" + either + ")"

        return [
            f"{within('headline')} AND ({whole})",
            f"(({whole}) AND ({within('excerpt topics provider')})) NOT ({within('headline')})",
            f"({whole}) NOT ({within('headline excerpt topics provider')})",
        ]

    def websearch(self) -> str:
        """The query for PostgreSQL's ``websearch_to_tsquery``, written out again from the
        parsed phrases (so both databases read a reader's text the same way)."""
        groups = (" or ".join(f'"{p}"' for p in g) for g in self.groups)
        return " ".join([*groups, *(f'-"{p}"' for p in self.excluded)])

    def websearch_tiers(self) -> list[tuple[list[str], list[str]]]:
        """PostgreSQL's tiers, as :meth:`fts5_tiers`: (conditions on the index's row, their
        parameters). Each tests the whole document (which its GIN index answers), and the
        small vectors of the headline and the summary for the tier."""
        whole, either = self.websearch(), " or ".join(f'"{p}"' for g in self.groups for p in g)
        head, summary, document = (_PG_IN.format(column=c) for c in _PG_VECTORS)
        return [
            ([document, head], [whole, either]),
            ([document, summary, f"NOT {head}"], [whole, either, either]),
            ([document, f"NOT {head}", f"NOT {summary}"], [whole, either, either]),
        ]


def _nothing_to_look_for(text: str, excluded: list[str]) -> str:
    if excluded:
        return "Type a word to look for, not only words to leave out."
    if _SEARCHABLE.search(text):  # only "or"
        return "Type a word to look for: “or” only joins two."
    return "Type a word to look for: letters or digits (symbols alone find nothing)."


def _items(text: str):
    """(negated, phrase) for each word or quoted phrase with something searchable in it, and
    (False, None) for an "or"; at most MAX_TERMS phrases."""
    count = 0
    for match in _ITEM.finditer(text):
        negated, quoted, word = match.groups()
        if word is not None:
            if word.lower() == "or":
                yield False, None
                continue
            negated, quoted = ("-", word[1:]) if word.startswith("-") else ("", word)
        phrase = quoted.replace('"', " ").strip()
        if _SEARCHABLE.search(phrase):
            count += 1
            if count > MAX_TERMS:
                return
            yield bool(negated), phrase


class Found(NamedTuple):
    ids: list[int]  # this page's stories, best first
    total: int  # how many stories match in all, counted up to the count limit
    more: bool = False  # whether more than that match


def find(
    query: SearchQuery,
    stories: QuerySet[Article],
    *,
    limit: int,
    offset: int = 0,
    newest_first: bool = False,
    count_limit: int | None = None,
) -> Found:
    """The stories among ``stories`` that match, ranked (or newest first), one page of them;
    and, with ``count_limit``, how many match, counted so far. The engine's index drives each
    query: the matches are joined to their stories, and ``stories``' conditions checked on
    each."""
    with _planned():
        return _find(query, stories, limit, offset, newest_first, count_limit)


def _find(
    query: SearchQuery,
    stories: QuerySet[Article],
    limit: int,
    offset: int,
    newest_first: bool,
    count_limit: int | None,
) -> Found:
    vendor = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    if vendor == "postgresql":
        whole = ([_PG_IN.format(column="document")], [query.websearch()])
        tiers = query.websearch_tiers()
    else:
        whole = ([_SQLITE_IN], [query.fts5()])
        tiers = [([_SQLITE_IN], [tier]) for tier in query.fts5_tiers()]
    if newest_first:
        ids = _page(_matches(vendor, stories, *whole).order_by(*_NEWEST), offset, limit)
    else:
        ids = _tiered(vendor, tiers, stories, offset, limit)
    if count_limit is None:
        return Found(ids, offset + len(ids))
    counted = _matches(vendor, stories, *whole).values("pk")[: count_limit + 1].count()
    return Found(ids, min(counted, count_limit), counted > count_limit)


@contextlib.contextmanager
def _planned() -> Iterator[None]:
    """On PostgreSQL, the search's queries run without parallel workers (starting them costs
    more than a search's few thousand rows), and price a random page read as for pages in
    memory, 1.1 not 4: else a word in a tenth of the stories is counted by testing each
    story's vector in turn (40 ms), not from the GIN index (6 ms). docs/PERFORMANCE.md."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL random_page_cost = 1.1"
        )
        yield


def _matches(
    vendor: str, stories: QuerySet[Article], where: list[str], params: list[str]
) -> QuerySet[Article]:
    """``stories`` joined to the rows of the index that meet the conditions ``where``."""
    return stories.order_by().extra(tables=[TABLE], where=[_JOIN[vendor], *where], params=params)  # noqa: S610


def _page(stories: QuerySet[Article], offset: int, limit: int) -> list[int]:
    return list(stories.values_list("pk", flat=True)[offset : offset + limit])


def _tiered(
    vendor: str,
    tiers: list[tuple[list[str], list[str]]],
    stories: QuerySet[Article],
    offset: int,
    limit: int,
) -> list[int]:
    """The ranking: the tiers one after the other (:meth:`SearchQuery.fts5_tiers`,
    :meth:`SearchQuery.websearch_tiers`), each newest first; a tier is read only as far as
    the page needs, and one before the page only counted (so far as the page's offset)."""
    ids: list[int] = []
    for where, params in tiers:
        if len(ids) >= limit:
            break
        matches = _matches(vendor, stories, where, params)
        start, offset = offset, 0
        if start:
            in_tier = matches.values("pk")[:start].count()
            if in_tier < start:
                offset = start - in_tier  # the page starts in a later tier
                continue
        ids += _page(matches.order_by(*_NEWEST), start, limit - len(ids))
    return ids


def matching(stories: QuerySet[Article], query: SearchQuery, *also: QuerySet[Article]) -> QuerySet:
    """``stories`` narrowed to those that match (in their own order): the admin's search.
    Stories of the querysets ``also`` are kept too, in one subquery with the matches (a
    union, so that each part reads its own index)."""
    if connection.vendor == "postgresql":
        sql = f"SELECT article_id FROM {TABLE} WHERE document @@ {_PG_QUERY}"
        params = [query.websearch()]
    else:
        sql, params = f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [query.fts5()]
    for extra in also:
        extra_sql, extra_params = extra.order_by().values("pk").query.sql_with_params()
        sql, params = f"{sql} UNION {extra_sql}", [*params, *extra_params]
    return stories.filter(pk__in=RawSQL(sql, params))


class Highlight(NamedTuple):
    headline: SafeString  # the headline, its matches marked
    snippet: SafeString  # a passage of the excerpt or the body around the matches


def highlights(query: SearchQuery, ids: list[int]) -> dict[int, Highlight]:
    """The headline and a snippet of each story, matches in ``<mark>``: the text escaped,
    then marked."""
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    if connection.vendor == "postgresql":
        sql, params = _POSTGRESQL_HIGHLIGHT.format(ids=marks), [query.websearch(), *ids]
    else:
        sql, params = _SQLITE_HIGHLIGHT.format(ids=marks), [query.fts5(), *ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = {}
    for pk, headline, excerpt, body in rows:
        passage = next((t for t in (excerpt, body) if t and START in t), excerpt or body or "")
        found[pk] = Highlight(marked(headline or ""), marked(passage))
    return found


def marked(text: str) -> SafeString:
    """The text escaped for HTML, each match the engine marked in ``<mark>``."""
    html = _MARKED.sub(r"<mark>\1</mark>", str(escape(text)))
    return mark_safe(html.replace(START, "").replace(STOP, ""))  # noqa: S308 (escaped above)


# The SQL of find(): the index's table joined to the stories, its conditions.
_JOIN = {
    "sqlite": f'"{TABLE}"."rowid" = "articles_article"."id"',
    "postgresql": f'"{TABLE}"."article_id" = "articles_article"."id"',
}
# Newest first, by the story's date: the stories' index of published stories by date reads
# them in that order, each looked up in the search index by its id, until the page is full.
_NEWEST = ("-published_at", "-pk")
_SQLITE_IN = f'"{TABLE}" MATCH %s'
_PG_IN = f'"{TABLE}"."{{column}}" @@ websearch_to_tsquery(\'newsroom\', %s)'
_PG_VECTORS = ("headline", "summary", "document")
_PG_QUERY = "websearch_to_tsquery('newsroom', %s)"
_SQLITE_HIGHLIGHT = f"""
SELECT rowid, highlight({TABLE}, 0, '{START}', '{STOP}'),
    snippet({TABLE}, 1, '{START}', '{STOP}', '…', 40),
    snippet({TABLE}, 2, '{START}', '{STOP}', '…', 40)
FROM {TABLE} WHERE {TABLE} MATCH %s AND rowid IN ({{ids}})
"""
_HEADLINE_OPTIONS = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
_EXCERPT_OPTIONS = f"StartSel={START}, StopSel={STOP}, MaxWords=40, MinWords=20"
_BODY_OPTIONS = f'{_EXCERPT_OPTIONS}, MaxFragments=2, FragmentDelimiter=" … "'
_POSTGRESQL_HIGHLIGHT = f"""
SELECT v.id, ts_headline('newsroom', v.headline, q, '{_HEADLINE_OPTIONS}'),
    ts_headline('newsroom', v.excerpt, q, '{_EXCERPT_OPTIONS}'),
    ts_headline('newsroom', left(v.body, 20000), q, '{_BODY_OPTIONS}')
FROM {SOURCE} v, {_PG_QUERY} q WHERE v.id IN ({{ids}})
"""
