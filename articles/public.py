"""What the public site reads: every query starts from ``Article.objects.published()``.

Views, feeds and sitemaps share these functions, so a list costs two queries wherever it
appears, whatever its length: the stories (with their provider, category and lead image
joined), then the topics of all of them (:func:`present`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import urlsplit

from django.db.models import (
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from .models import Article, ArticleTopic, Category, Provider, RelatedLink, Topic

# The columns a list item (and a feed entry) shows: list queries read these only.
_LIST_COLUMNS = (
    "slug", "title", "excerpt", "published_at", "source_updated_at",
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
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    return value if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


def _with_lead_image(queryset: QuerySet[Article]) -> QuerySet[Article]:
    """Join each story's lead image (position 0) as ``lead_url``, ``lead_width``, etc."""
    lead = FilteredRelation("images", condition=Q(images__position=0))
    return queryset.annotate(lead=lead).annotate(
        **{f"lead_{name}": F(f"lead__{name}") for name in LEAD_FIELDS}
    )


def story_list(queryset: QuerySet[Article] | None = None) -> QuerySet[Article]:
    """Published stories with the columns a list item shows; pass the rows to :func:`present`."""
    queryset = Article.objects.published() if queryset is None else queryset
    return _with_lead_image(queryset.select_related("provider", "category").only(*_LIST_COLUMNS))


def top_stories(limit: int) -> QuerySet[Article]:
    """The newest stories ranked by the source's heat and quality (missing counts as 0)."""
    recent = Article.objects.published().order_by("-published_at", "-pk").values("pk")
    return (
        story_list()
        .filter(pk__in=Subquery(recent[:TOP_WINDOW]))
        .annotate(score=Coalesce(F("heat"), Value(0)) + Coalesce(F("quality"), Value(0)))
        .order_by("-score", "-published_at", "-pk")[:limit]
    )


def related_coverage() -> QuerySet[RelatedLink]:
    """Related links, each with ``target_slug`` set when we hold that story and it is public."""
    target = Article.objects.published().filter(pk=OuterRef("target_id"))
    return RelatedLink.objects.select_related("provider").annotate(
        target_slug=Subquery(target.values("slug")[:1])
    )


def story_page(*, preview: bool = False) -> QuerySet[Article]:
    """Stories with everything their page shows (with :func:`present`, three queries).

    ``is_public`` tells a preview (staff, who may open unpublished stories) what readers see.
    """
    public = Article.objects.published()
    queryset = (
        Article.objects.annotate(is_public=Exists(public.filter(pk=OuterRef("pk"))))
        if preview
        else public.annotate(is_public=Value(True))
    )
    return _with_lead_image(queryset.select_related("provider", "category")).prefetch_related(
        Prefetch("related_links", queryset=related_coverage(), to_attr="coverage")
    )


def stories_under(term: Term) -> QuerySet[Article]:
    """Published stories of one topic, category or provider."""
    return Article.objects.published().filter(**{_ARTICLE_FIELD[type(term)]: term})


def browsable(model: type[Term]) -> QuerySet[Term]:
    """Topics, categories or providers with at least one published story."""
    field = _ARTICLE_FIELD[model]
    return model.objects.filter(
        Exists(Article.objects.published().filter(**{field: OuterRef("pk")}))
    )


_ARTICLE_FIELD: dict[type, str] = {Topic: "topics", Category: "category", Provider: "provider"}


def present(articles: Iterable[Article]) -> list[Article]:
    """Attach what a page shows of each story, reading all their topics in one query.

    Sets ``page_url``, ``date`` (When), ``summary`` (the excerpt's first words),
    ``provider_link`` and ``category_link`` (TermLink or None), ``topic_links`` (TermLinks by
    name) and ``lead`` (the lead image with an http(s) URL, or None; the rows come from
    :func:`story_list` or :func:`story_page`). Term addresses are computed once per process,
    so a long list does not pay for URL reversing per item.
    """
    articles = list(articles)
    topics: dict[int, list[TermLink]] = defaultdict(list)
    rows = (
        ArticleTopic.objects.filter(article_id__in=[a.pk for a in articles])
        .order_by("topic__name")
        .values_list("article_id", "topic__name", "topic__slug")
    )
    prefix = get_script_prefix()
    for article_id, name, slug in rows if articles else []:
        topics[article_id].append(TermLink(name, _cached_reverse(prefix, "articles:topic", slug)))
    for article in articles:
        article.page_url = article.get_absolute_url()
        article.date = _when(article.published_at)
        article.summary = _summary(article.excerpt)
        article.topic_links = topics[article.pk]
        article.provider_link = _link(prefix, article.provider, "articles:provider", "domain")
        article.category_link = _link(prefix, article.category, "articles:category", "slug")
        article.lead = _lead_image(article)
    return articles


class When(NamedTuple):
    """A date as a page shows it: ``iso`` for <time datetime>, ``text`` for readers."""

    iso: str
    text: str


def _when(value: dt.datetime) -> When:
    local = timezone.localtime(value)
    return When(local.isoformat(), f"{local.day} {local:%b %Y, %H:%M}")


def _summary(text: str) -> str:
    words = text.split()
    return text if len(words) <= SUMMARY_WORDS else " ".join(words[:SUMMARY_WORDS]) + " …"


def _link(prefix: str, term: Provider | Category | None, route: str, key: str) -> TermLink | None:
    return TermLink(term.name, _cached_reverse(prefix, route, getattr(term, key))) if term else None


@functools.lru_cache(maxsize=16384)
def _cached_reverse(prefix: str, route: str, key: str) -> str:
    return reverse(route, args=[key])  # the prefix is part of the cache key only


class LeadImage(NamedTuple):
    url: str
    width: int | None
    height: int | None
    title: str
    attribution: str


def _lead_image(article: Article) -> LeadImage | None:
    if not http_url(getattr(article, "lead_url", None)):
        return None
    return LeadImage(*(getattr(article, f"lead_{name}") for name in LEAD_FIELDS))
