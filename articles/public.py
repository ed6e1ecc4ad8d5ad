"""What the public site reads: every query starts from ``Article.objects.published()``.

Views, feeds and sitemaps share these functions, so a list costs two queries wherever it
appears, whatever its length: the stories (with their provider, category and lead image
joined), then the topics of all of them (:func:`present`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db.models import (
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from .compiled import MAX_INTEGER, CompiledQuery, slot, text_slot, time_slot
from .models import Article, ArticleTopic, Category, Provider, RelatedLink, Topic
from .pagination import Cursor, KeysetPage, keyset_query, keyset_result

# The columns a list item (and a feed entry) shows: list queries read these only, as rows.
_LIST_COLUMNS = (
    "pk", "slug", "title", "excerpt", "published_at", "source_updated_at",
    "provider__name", "provider__domain", "category__name", "category__slug",
)  # fmt: skip
# A list item's excerpt is cut to this many words.
SUMMARY_WORDS = 45
# The lead image's columns joined to a story row.
LEAD_FIELDS = ("url", "width", "height", "title", "attribution")
# How many of the newest stories the "Top" page ranks.
TOP_WINDOW = 200

Term = Topic | Category | Provider


class TermLink(NamedTuple):
    """A topic, category or provider as a page shows it: its name and its page's address."""

    name: str
    url: str


def http_url(value: str | None) -> str:
    """The URL when it is http(s) with a host, else "": nothing else becomes a link."""
    value = (value or "").strip()
    return value if _HTTP_WITH_HOST.match(value) else ""


_HTTP_WITH_HOST = re.compile(r"https?://[^/?#\s]", re.IGNORECASE)


def _with_lead_image(queryset: QuerySet[Article]) -> QuerySet[Article]:
    """Join each story's lead image (position 0) as ``lead_url``, ``lead_width``, etc."""
    lead = FilteredRelation("images", condition=Q(images__position=0))
    return queryset.annotate(lead=lead).annotate(
        **{f"lead_{name}": F(f"lead__{name}") for name in LEAD_FIELDS}
    )


@functools.cache
def story_list() -> QuerySet:
    """Published stories as rows of the columns a list item shows; pass them to :func:`present`.

    Rows, not model instances: a page reads 20 of them per request, and building instances
    (with their provider and category) cost more than the query itself. Built once per
    process: every use clones it (filter, order_by, slicing), a fraction of the cost of
    building its joins and annotations again.
    """
    lead = [f"lead_{name}" for name in LEAD_FIELDS]
    return _with_lead_image(Article.objects.published()).values_list(
        *_LIST_COLUMNS, *lead, named=True
    )


def top_stories(limit: int) -> QuerySet:
    """The newest stories ranked by the source's heat and quality (missing counts as 0)."""
    recent = Article.objects.published().order_by("-published_at", "-pk").values("pk")
    return (
        story_list()
        .filter(pk__in=Subquery(recent[:TOP_WINDOW]))
        .annotate(score=Coalesce(F("heat"), Value(0)) + Coalesce(F("quality"), Value(0)))
        .order_by("-score", "-published_at", "-pk")[:limit]
    )


# What a story page reads of the story, beyond a list item's columns.
_PAGE_COLUMNS = ("body", "original_url", "web_url", "amp_url")


def story_page(pk: int, *, preview: bool = False) -> StoryPage | None:
    """The story with this id as its page shows it, in three queries (the story, its related
    coverage, its topics); None when there is none, or when it is not published and this is
    not a ``preview`` (staff, who may open unpublished stories)."""
    if not 0 < pk <= MAX_INTEGER:  # the address takes any number of digits; the database does not
        return None
    found = _story_query(preview).rows(pk)
    if not found:
        return None
    row, prefix = found[0], get_script_prefix()
    return StoryPage(
        **_item_fields(row, prefix, topic_links([pk], prefix)[pk]),
        slug=row.slug,
        body=row.body,
        provider_domain=row.provider__domain or "",
        source_url=http_url(row.original_url) or http_url(row.web_url),
        amp_url=http_url(row.amp_url),
        is_public=bool(row.is_public),
        coverage=[_related_item(link, prefix) for link in _coverage_query().rows(pk)],
    )


@functools.cache
def _story_query(preview: bool) -> CompiledQuery:
    # is_public tells a preview what readers see: whether published() lets the story through.
    if preview:
        public = Exists(Article.objects.published().filter(pk=OuterRef("pk")))
        stories = Article.objects.annotate(is_public=public)
    else:
        stories = Article.objects.published().annotate(is_public=Value(True))
    lead = [f"lead_{name}" for name in LEAD_FIELDS]
    return CompiledQuery(
        _with_lead_image(stories.filter(pk=slot(0))).values_list(
            *_LIST_COLUMNS, *_PAGE_COLUMNS, *lead, "is_public", named=True
        ),
        slots=1,
    )


@functools.cache
def _coverage_query() -> CompiledQuery:
    # Each link with ``target_slug`` when we hold that story and readers may see it.
    ours = Article.objects.published().filter(pk=OuterRef("target_id")).values("slug")[:1]
    return CompiledQuery(
        RelatedLink.objects.filter(article_id=slot(0))
        .annotate(target_slug=Subquery(ours))
        .order_by("position", "pk")
        .values_list(
            "title", "web_url", "published_at", "provider__name", "target_id", "target_slug",
            named=True,
        ),
        slots=1,
    )  # fmt: skip


def _related_item(link: Any, prefix: str) -> RelatedItem:
    if link.target_slug:
        url, ours = _reverse(prefix, "articles:detail", (link.target_id, link.target_slug)), True
    else:
        url, ours = http_url(link.web_url), False
    return RelatedItem(
        title=link.title or "Untitled story",
        url=url,
        ours=ours,
        provider_name=link.provider__name or "",
        published_at=link.published_at,
    )


def newest(
    term: Term | None, size: int, *, before: Cursor | None = None, after: Cursor | None = None
) -> KeysetPage:
    """A page of the newest published stories, all or one topic's, category's or provider's,
    as rows of :func:`story_list` (see :mod:`articles.pagination`), through a query compiled
    once per process for each kind of list and page (articles.compiled)."""
    cursor = before or after
    direction = "before" if before else "after" if after else None
    values = [] if term is None else [term.pk]
    if cursor is not None:
        values += [cursor.published_at, cursor.pk]
    query = _page_query(type(term) if term else None, size, direction)
    return keyset_result(query.rows(*values), size, before=before, after=after)


@functools.cache
def _page_query(kind: type[Term] | None, size: int, direction: str | None) -> CompiledQuery:
    # Slots, in order: the term's id (for a term's list), the cursor's date and id (past page 1).
    term_id, n = (None, 0) if kind is None else (slot(0), 1)
    cursor = None if direction is None else Cursor(time_slot(n), slot(n + 1))
    before, after = (cursor, None) if direction == "before" else (None, cursor)
    query = _keyset_query(kind, size, before, after, term_id)
    return CompiledQuery(query, slots=n + (0 if cursor is None else 2))


def _keyset_query(
    kind: type[Term] | None,
    size: int,
    before: Cursor | None,
    after: Cursor | None,
    term_id: int | None = None,
) -> QuerySet:
    if kind is Topic:
        # The topic's rows keep a copy of their story's state and date (models.ArticleTopic):
        # the page walks the topic's index newest first instead of sorting all its stories.
        # What is shown is still only what published() lets through (story_list).
        source: QuerySet = ArticleTopic.objects.filter(topic_id=term_id, published=True)
        keys = ("published_at", "article_id")
    else:
        source = Article.objects.published()
        if kind is not None:
            source = source.filter(**{f"{_ARTICLE_FIELD[kind]}_id": term_id})
        keys = ("published_at", "pk")
    return keyset_query(source, size, before=before, after=after, load=story_list(), keys=keys)


def browsable(model: type[Term]) -> QuerySet[Term]:
    """Topics, categories or providers with at least one published story."""
    field = _ARTICLE_FIELD[model]
    return model.objects.filter(
        Exists(Article.objects.published().filter(**{field: OuterRef("pk")}))
    )


_ARTICLE_FIELD: dict[type, str] = {Topic: "topics", Category: "category", Provider: "provider"}


def find_term(model: type[Term], key: str) -> Term | None:
    """The topic or category with this slug, or the provider with this domain, if any.

    Whether readers may browse it is for the page to tell (:func:`browsable`): a first page
    with no story says so without a query of its own.
    """
    query = _term_query(model)
    rows = query.rows(key)
    fields = [field.attname for field in model._meta.concrete_fields]
    return model.from_db(query.using, fields, rows[0]) if rows else None


@functools.cache
def _term_query(model: type[Term]) -> CompiledQuery:
    key = "domain" if model is Provider else "slug"
    fields = [field.attname for field in model._meta.concrete_fields]
    return CompiledQuery(model.objects.filter(**{key: text_slot(0)}).values_list(*fields), slots=1)


@dataclass(frozen=True, slots=True)
class StoryItem:
    """One story as a list or a feed shows it (see :func:`present`)."""

    pk: int
    title: str
    excerpt: str
    published_at: dt.datetime
    source_updated_at: dt.datetime | None
    page_url: str
    date: When
    summary: str  # the excerpt's first SUMMARY_WORDS words
    provider_link: TermLink | None
    category_link: TermLink | None
    topic_links: list[TermLink]  # by name
    lead: LeadImage | None  # the lead image when its URL is http(s)


@dataclass(frozen=True, slots=True)
class StoryPage(StoryItem):
    """One story as its page shows it (see :func:`story_page`)."""

    slug: str
    body: str
    provider_domain: str
    source_url: str  # the story at its provider: the original address, else the web address
    amp_url: str
    is_public: bool  # whether readers see it (a staff preview may show one they do not)
    coverage: list[RelatedItem]


@dataclass(frozen=True, slots=True)
class RelatedItem:
    """Other coverage of a story, as its page lists it."""

    title: str
    url: str  # our page when we hold that story and it is public, else its http(s) source
    ours: bool
    provider_name: str
    published_at: dt.datetime | None


def present(rows: Iterable[Any]) -> list[StoryItem]:
    """What a list shows of each row of :func:`story_list`, with all their topics read in one
    query. Addresses and links are worked out once per process, so a long list does not pay
    for URL reversing per item."""
    rows = list(rows)
    prefix, zone = get_script_prefix(), timezone.get_current_timezone()
    topics = topic_links([row.pk for row in rows], prefix)
    return [StoryItem(**_item_fields(row, prefix, topics[row.pk], zone)) for row in rows]


def _item_fields(
    row: Any, prefix: str, topics: list[TermLink], zone: dt.tzinfo | None = None
) -> dict[str, Any]:
    """A StoryItem's fields, from a row with the list columns and the lead image's."""
    return {
        "pk": row.pk,
        "title": row.title,
        "excerpt": row.excerpt,
        "published_at": row.published_at,
        "source_updated_at": row.source_updated_at,
        "page_url": _reverse(prefix, "articles:detail", (row.pk, row.slug)),
        "date": _when(row.published_at, zone),
        "summary": _summary(row.excerpt),
        "provider_link": _link(
            prefix, "articles:provider", row.provider__name, row.provider__domain
        ),
        "category_link": _link(prefix, "articles:category", row.category__name, row.category__slug),
        "topic_links": topics,
        "lead": _lead_image(row),
    }


def topic_links(article_ids: list[int], prefix: str) -> defaultdict[int, list[TermLink]]:
    """Each story's topics by name, as links: one query for all the stories."""
    topics: defaultdict[int, list[TermLink]] = defaultdict(list)
    if article_ids:
        for article_id, name, slug in _topic_query(len(article_ids)).rows(*article_ids):
            topics[article_id].append(_link(prefix, "articles:topic", name, slug))
    return topics


@functools.lru_cache(maxsize=128)
def _topic_query(count: int) -> CompiledQuery:
    return CompiledQuery(
        ArticleTopic.objects.filter(article_id__in=[slot(n) for n in range(count)])
        .order_by("topic__name")
        .values_list("article_id", "topic__name", "topic__slug"),
        slots=count,
    )


def cached_reverse(name: str, *args: Any) -> str:
    """``reverse(name, args=args)``, worked out once per process for each address."""
    return _reverse(get_script_prefix(), name, args)


@functools.lru_cache(maxsize=16384)
def _reverse(prefix: str, name: str, args: tuple[Any, ...]) -> str:
    return reverse(name, args=args)  # the prefix is part of the cache key only


@functools.lru_cache(maxsize=16384)
def _link(prefix: str, route: str, name: str | None, key: str | None) -> TermLink | None:
    """A topic's, category's or provider's link, by its page's route and URL key."""
    return TermLink(name or key, reverse(route, args=[key])) if key else None


class When(NamedTuple):
    """A date as a page shows it: ``iso`` for <time datetime>, ``text`` for readers."""

    iso: str
    text: str


def _when(value: dt.datetime, zone: dt.tzinfo | None = None) -> When:
    local = value.astimezone(zone or timezone.get_current_timezone())
    return When(local.isoformat(), f"{local.day} {local:%b %Y, %H:%M}")


def _summary(text: str) -> str:
    words = text.split()
    return text if len(words) <= SUMMARY_WORDS else " ".join(words[:SUMMARY_WORDS]) + " …"


class LeadImage(NamedTuple):
    url: str
    width: int | None
    height: int | None
    title: str
    attribution: str


def _lead_image(story: Any) -> LeadImage | None:
    if not http_url(story.lead_url):
        return None
    return LeadImage(*(getattr(story, f"lead_{name}") for name in LEAD_FIELDS))
