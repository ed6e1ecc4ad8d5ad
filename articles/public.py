"""What the public site reads: every query starts from ``Article.objects.published()``.

Views, feeds and sitemaps share these querysets, so a list costs two queries wherever it
appears, whatever its length: the stories (with their provider, category and lead image
joined) and their topics.
"""

from __future__ import annotations

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

from .models import Article, Category, Provider, RelatedLink, Topic

# Columns a list item never shows: left out of list queries.
_LIST_DEFERRED = ("body", "extra", "secured", "source_path", "content_hash")
# The lead image's columns joined to a story row.
LEAD_FIELDS = ("url", "width", "height", "title", "attribution")
# How many of the newest stories the "Top" page ranks.
TOP_WINDOW = 200

Term = Topic | Category | Provider


def _with_lead_image(queryset: QuerySet[Article]) -> QuerySet[Article]:
    """Join each story's lead image (position 0) as ``lead_url``, ``lead_width``, etc."""
    lead = FilteredRelation("images", condition=Q(images__position=0))
    return queryset.annotate(lead=lead).annotate(
        **{f"lead_{name}": F(f"lead__{name}") for name in LEAD_FIELDS}
    )


def _with_topics(queryset: QuerySet[Article]) -> QuerySet[Article]:
    return queryset.prefetch_related(
        Prefetch("topics", queryset=Topic.objects.only("name", "slug"))
    )


def story_list(queryset: QuerySet[Article] | None = None) -> QuerySet[Article]:
    """Published stories with what a list item shows: two queries for any page size."""
    queryset = Article.objects.published() if queryset is None else queryset
    return _with_topics(
        _with_lead_image(queryset.select_related("provider", "category").defer(*_LIST_DEFERRED))
    )


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
    """Stories with everything their page shows: three queries.

    ``is_public`` tells a preview (staff, who may open unpublished stories) what readers see.
    """
    public = Article.objects.published()
    queryset = (
        Article.objects.annotate(is_public=Exists(public.filter(pk=OuterRef("pk"))))
        if preview
        else public.annotate(is_public=Value(True))
    )
    return _with_topics(
        _with_lead_image(queryset.select_related("provider", "category"))
    ).prefetch_related(Prefetch("related_links", queryset=related_coverage(), to_attr="coverage"))


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
