"""Finding stories: ranked matches, one page at a time, and the snippets that show them, on
the connection's database (its backend: :mod:`.sqlite` or :mod:`.postgresql`).

Readers and editors search the same index (:mod:`.index`), each within the stories they may
see: the reader site passes ``Article.objects.published()`` (narrowed by its filters), the
admin every story. Ranking, the same on both databases: a match in the headline counts most,
then one in the excerpt, topics or provider name, then one in the body only; among stories
that rank alike, the newer comes first. Each tier is read newest first, only as far as the
page needs.
"""

from __future__ import annotations

import re
from types import ModuleType
from typing import NamedTuple

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from . import postgresql, sqlite
from .dialect import START, STOP, TABLE
from .query import SearchQuery

_MARKED = re.compile(f"{START}([^{START}{STOP}]*){STOP}")
# Newest first, by the story's date: the stories' index of published stories by date reads
# them in that order, each looked up in the search index by its id, until the page is full.
_NEWEST = ("-published_at", "-pk")


def backend() -> ModuleType:
    """The search SQL of the connection's database."""
    return postgresql if connection.vendor == "postgresql" else sqlite


class Found(NamedTuple):
    ids: list[int]  # this page's stories, best first
    total: int  # how many stories match in all, counted up to the count limit
    more: bool = False  # whether more than that match


def find(
    query: SearchQuery,
    stories: QuerySet,
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
    with backend().planned():
        return _find(query, stories, limit, offset, newest_first, count_limit)


def _find(
    query: SearchQuery,
    stories: QuerySet,
    limit: int,
    offset: int,
    newest_first: bool,
    count_limit: int | None,
) -> Found:
    engine = backend()
    whole = engine.whole(query)
    if newest_first:
        ids = _page(_matches(engine, stories, *whole).order_by(*_NEWEST), offset, limit)
    else:
        ids = _tiered(engine, engine.tiers(query), stories, offset, limit)
    if count_limit is None:
        return Found(ids, offset + len(ids))
    counted = _matches(engine, stories, *whole).values("pk")[: count_limit + 1].count()
    return Found(ids, min(counted, count_limit), counted > count_limit)


def _matches(
    engine: ModuleType, stories: QuerySet, where: list[str], params: list[str]
) -> QuerySet:
    """``stories`` joined to the rows of the index that meet the conditions ``where``."""
    return stories.order_by().extra(tables=[TABLE], where=[engine.JOIN, *where], params=params)  # noqa: S610


def _page(stories: QuerySet, offset: int, limit: int) -> list[int]:
    return list(stories.values_list("pk", flat=True)[offset : offset + limit])


def _tiered(
    engine: ModuleType,
    tiers: list[tuple[list[str], list[str]]],
    stories: QuerySet,
    offset: int,
    limit: int,
) -> list[int]:
    """The ranking: the tiers one after the other (the backend's ``tiers()``), each newest
    first; a tier is read only as far as
    the page needs, and one before the page only counted (so far as the page's offset)."""
    ids: list[int] = []
    for where, params in tiers:
        if len(ids) >= limit:
            break
        matches = _matches(engine, stories, where, params)
        start, offset = offset, 0
        if start:
            in_tier = matches.values("pk")[:start].count()
            if in_tier < start:
                offset = start - in_tier  # the page starts in a later tier
                continue
        ids += _page(matches.order_by(*_NEWEST), start, limit - len(ids))
    return ids


def matching(stories: QuerySet, query: SearchQuery, *also: QuerySet) -> QuerySet:
    """``stories`` narrowed to those that match (in their own order): the admin's search.
    Stories of the querysets ``also`` are kept too, in one subquery with the matches (a
    union, so that each part reads its own index)."""
    sql, params = backend().matching_sql(query)
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
    sql, params = backend().highlight_sql(query, ", ".join(["%s"] * len(ids)))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *ids])
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
