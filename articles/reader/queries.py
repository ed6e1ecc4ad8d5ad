"""What the public site reads: every query starts from ``Article.objects.published()``.

A story's title and excerpt are what readers see (``shown_title``, ``shown_excerpt``: the
editors' headline and summary where set, :data:`articles.models.HEADLINE`). The compiled
queries take the current time as a value, so the schedule's rule in ``published()`` holds at
every request without compiling them again.

Views, feeds and sitemaps share these functions, so a list costs two queries wherever it
appears, whatever its length: the stories (with their provider, category and lead image
joined), then the topics of all of them (see :mod:`.presenters`). The hottest run as
:class:`~.compiled.CompiledQuery`, translated to SQL once per process.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.db.models import (
    BigIntegerField,
    DateTimeField,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from articles.models import HEADLINE, SUMMARY, Article, ArticleTopic, RelatedLink, Term, Topic

from .compiled import MAX_INTEGER, CompiledQuery
from .pagination import Cursor, KeysetPage, keyset_query, keyset_result

# The columns a list item (and a feed entry) shows: list queries read these only, as rows.
LIST_COLUMNS = (
    "pk", "slug", "shown_title", "shown_excerpt", "published_at", "source_updated_at",
    "provider__name", "provider__domain", "category__name", "category__slug",
)  # fmt: skip
# The lead image's columns joined to a story row, each as ``lead_<name>``, and our stored copy's
# (articles.images.models.StoredImage): its renditions and where it came from.
LEAD_FIELDS = ("url", "width", "height", "title", "attribution")
STORED_FIELDS = ("renditions", "origin")
LEAD_COLUMNS = tuple(f"lead_{name}" for name in (*LEAD_FIELDS, *STORED_FIELDS))
# What a story page reads of the story, beyond a list item's columns.
PAGE_COLUMNS = ("body", "original_url", "web_url", "amp_url")
# How many of a story's related items its page lists.
PAGE_COVERAGE = 50
# How many of the newest stories the "Top" page ranks.
TOP_WINDOW = 200
# How many featured stories lead the home page, the most recently featured first.
FEATURED_LIMIT = 4


def _with_lead_image(queryset: QuerySet[Article]) -> QuerySet[Article]:
    """Join each story's lead image (position 0) as ``lead_url``, ``lead_width``, etc., and
    its stored renditions as ``lead_renditions``: one query for a whole list still."""
    lead = FilteredRelation("images", condition=Q(images__position=0))
    return queryset.annotate(lead=lead).annotate(
        **{f"lead_{name}": F(f"lead__{name}") for name in LEAD_FIELDS},
        **{f"lead_{name}": F(f"stored_image__{name}") for name in STORED_FIELDS},
    )


def shown(queryset: QuerySet[Article]) -> QuerySet[Article]:
    """The stories with what readers see of them: ``shown_title``, ``shown_excerpt``."""
    return queryset.annotate(shown_title=HEADLINE, shown_excerpt=SUMMARY)


def story_list(now: dt.datetime | None = None, **annotations: Any) -> QuerySet:
    """Stories published at ``now`` as rows of the columns a list item shows
    (``presenters.present``), and of ``annotations``.

    Rows, not model instances: a page reads 20 of them per request, and building instances
    (with their provider and category) costs more than the query itself.
    """
    stories = _with_lead_image(shown(Article.objects.published(now))).annotate(**annotations)
    return stories.values_list(*LIST_COLUMNS, *LEAD_COLUMNS, *annotations, named=True)


def home_page(size: int) -> tuple[list[Any], KeysetPage]:
    """The home page's first page in one query: its lead (the public featured stories, the
    most recently featured first, at most ``FEATURED_LIMIT``) and the ``size`` newest
    stories, as rows of :func:`story_list` (with ``lead_since``: when a lead story was
    featured; None in the page's rows)."""
    rows = _home_query(size).rows(timezone.now())
    lead = sorted((r for r in rows if r.lead_since), key=_lead_order, reverse=True)
    page = sorted((r for r in rows if not r.lead_since), key=_newest_order, reverse=True)
    return lead, keyset_result(page, size)


def featured_stories() -> list[Any]:
    """The home page's lead (see :func:`home_page`)."""
    return home_page(1)[0]


def _lead_order(row: Any) -> tuple[dt.datetime, int]:
    return row.lead_since, row.pk


def _newest_order(row: Any) -> tuple[dt.datetime, int]:
    return row.published_at, row.pk


@functools.cache
def _home_query(size: int) -> CompiledQuery:
    # One statement, two parts (the page, then the lead), sorted apart in Python: a second
    # query would cost the page more than the rows it reads (docs/PERFORMANCE.md).
    def build(now: dt.datetime) -> QuerySet:
        no_lead = Value(None, output_field=DateTimeField())
        newest = Article.objects.published(now)
        page = keyset_query(newest, size, load=story_list(now, lead_since=no_lead))
        chosen = newest.filter(featured=True).order_by("-featured_at", "-pk")
        lead = story_list(now, lead_since=F("featured_at")).filter(
            pk__in=Subquery(chosen.values("pk")[:FEATURED_LIMIT])
        )
        return page.order_by().union(lead.order_by(), all=True)

    return CompiledQuery(build, dt.datetime)


def top_stories(limit: int) -> list[Any]:
    """The rows of :func:`top_queryset`, through a query compiled once per process."""
    return _top_query(limit).rows(timezone.now())


def top_queryset(limit: int, now: dt.datetime | None = None) -> QuerySet:
    """The newest stories ranked by the source's heat and quality (missing counts as 0), as
    rows of :func:`story_list`. The score is summed in 64 bits: two integer columns at their
    largest overflow an integer's sum on PostgreSQL."""
    recent = Article.objects.published(now).order_by("-published_at", "-pk").values("pk")
    return (
        story_list(now)
        .filter(pk__in=Subquery(recent[:TOP_WINDOW]))
        .annotate(score=_big("heat") + _big("quality"))
        .order_by("-score", "-published_at", "-pk")[:limit]
    )


def _big(column: str) -> Cast:
    """The integer column as a 64-bit integer, missing counting as 0."""
    return Cast(Coalesce(F(column), Value(0)), output_field=BigIntegerField())


@functools.cache
def _top_query(limit: int) -> CompiledQuery:
    return CompiledQuery(functools.partial(top_queryset, limit), dt.datetime)


def story_row(pk: int, *, preview: bool = False) -> Any | None:
    """The story with this id, with a list item's columns, a page's and ``is_public``; None
    when there is none, or when it is not published and this is not a ``preview`` (staff, who
    may open unpublished stories)."""
    if not 0 < pk <= MAX_INTEGER:  # the address takes any number of digits; the database does not
        return None
    found = _story_query(preview).rows(pk, timezone.now())
    return found[0] if found else None


@functools.cache
def _story_query(preview: bool) -> CompiledQuery:
    def build(pk: int, now: dt.datetime) -> QuerySet:
        # is_public tells a preview what readers see: whether published() lets it through.
        if preview:
            public = Exists(Article.objects.published(now).filter(pk=OuterRef("pk")))
            stories = Article.objects.annotate(is_public=public)
        else:
            stories = Article.objects.published(now).annotate(is_public=Value(True))
        return _with_lead_image(shown(stories.filter(pk=pk))).values_list(
            *LIST_COLUMNS, *PAGE_COLUMNS, *LEAD_COLUMNS, "is_public", named=True
        )

    return CompiledQuery(build, int, dt.datetime)


def coverage_rows(pk: int) -> list[Any]:
    """The story's first :data:`PAGE_COVERAGE` related items in order, each with
    ``target_slug`` when we hold that story and readers may see it (a file may carry
    thousands: a page shows a bounded share of them)."""
    return _coverage_query().rows(pk, timezone.now())


def _ours(now: dt.datetime) -> Subquery:
    """The slug of the story a related link points at, when readers may see it."""
    return Subquery(
        Article.objects.published(now).filter(pk=OuterRef("target_id")).values("slug")[:1]
    )


@functools.cache
def _coverage_query() -> CompiledQuery:
    return CompiledQuery(
        lambda pk, now: RelatedLink.objects.filter(article_id=pk)
        .annotate(target_slug=_ours(now))
        .order_by("position", "pk")
        .values_list(
            "title", "web_url", "published_at", "provider__name", "target_id", "target_slug",
            named=True,
        )[:PAGE_COVERAGE],
        int, dt.datetime,
    )  # fmt: skip


def topic_rows(article_ids: list[int]) -> list[tuple[int, str, str]]:
    """(story id, topic name, topic slug) of each topic of these stories, by name: one query."""
    return _topic_query(len(article_ids)).rows(*article_ids) if article_ids else []


@functools.lru_cache(maxsize=128)
def _topic_query(count: int) -> CompiledQuery:
    return CompiledQuery(
        lambda *ids: (
            ArticleTopic.objects.filter(article_id__in=ids)
            .order_by("topic__name")
            .values_list("article_id", "topic__name", "topic__slug")
        ),
        *[int] * count,
    )


def newest(
    term: Term | None, size: int, *, before: Cursor | None = None, after: Cursor | None = None
) -> KeysetPage:
    """A page of the newest published stories, all or one topic's, category's or provider's,
    as rows of :func:`story_list` (see :mod:`.pagination`), through a query compiled once per
    process for each kind of list and page."""
    cursor = before or after
    direction = "before" if before else "after" if after else None
    values: list[Any] = [] if term is None else [term.pk]
    if cursor is not None:
        values += [cursor.published_at, cursor.pk]
    values.append(timezone.now())
    query = _page_query(type(term) if term else None, size, direction)
    return keyset_result(query.rows(*values), size, before=before, after=after)


@functools.cache
def _page_query(kind: type[Term] | None, size: int, direction: str | None) -> CompiledQuery:
    # Its values, in order: the term's id (for a term's list), the cursor's date and id (past
    # the first page), the current time.
    kinds: list[type] = [] if kind is None else [int]
    if direction is not None:
        kinds += [dt.datetime, int]
    kinds.append(dt.datetime)

    def build(*values: Any) -> QuerySet:
        *values, now = values
        term_id = values[0] if kind is not None else None
        cursor = Cursor(*values[-2:]) if direction is not None else None
        before, after = (cursor, None) if direction == "before" else (None, cursor)
        return _keyset_query(kind, size, before, after, term_id, now)

    return CompiledQuery(build, *kinds)


def _keyset_query(
    kind: type[Term] | None,
    size: int,
    before: Cursor | None,
    after: Cursor | None,
    term_id: int | None,
    now: dt.datetime,
) -> QuerySet:
    if kind is Topic:
        # The topic's rows keep a copy of their story's state and date (models.ArticleTopic):
        # the page walks the topic's index newest first instead of sorting all its stories.
        # Which of them readers see is published()'s to say (one story lookup per candidate).
        public = Article.objects.published(now).filter(pk=OuterRef("article_id"))
        source: QuerySet = ArticleTopic.objects.filter(Exists(public), topic_id=term_id)
        source = source.filter(published=True)
        keys = ("published_at", "article_id")
    else:
        source = Article.objects.published(now)
        if kind is not None:
            source = source.filter(**{f"{kind.article_field}_id": term_id})
        keys = ("published_at", "pk")
    load = story_list(now)
    return keyset_query(source, size, before=before, after=after, load=load, keys=keys)


def browsable(model: type[Term]) -> QuerySet[Term]:
    """Topics, categories or providers with at least one published story."""
    return model.objects.filter(
        Exists(Article.objects.published().filter(**{model.article_field: OuterRef("pk")}))
    )


def find_term(model: type[Term], key: str) -> Term | None:
    """The topic, category or provider named ``key`` in its page's address (its ``url_key``).

    Whether readers may browse it is for the page to tell (:func:`browsable`): a first page
    with no story says so without a query of its own.
    """
    query = _term_query(model)
    rows = query.rows(key)
    return model.from_db(query.using, _columns(model), rows[0]) if rows else None


@functools.cache
def _term_query(model: type[Term]) -> CompiledQuery:
    columns = _columns(model)
    return CompiledQuery(
        lambda key: model.objects.filter(**{model.url_key: key}).values_list(*columns), str
    )


def _columns(model: type[Term]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]
