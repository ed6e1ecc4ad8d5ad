"""Sitemaps of the public site, through Django's sitemaps framework: every published story,
the topic, category and provider pages, the fixed pages, and a Google News sitemap of the
last 48 hours."""

from __future__ import annotations

import datetime as dt

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, QuerySet
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone

from articles.models import HEADLINE_FIELDS, Article, Category, Provider, Term, Topic

from . import queries
from .syndication import xml_text

NEWS_WINDOW = dt.timedelta(hours=48)
NEWS_LIMIT = 1000  # Google News reads at most 1,000 stories per sitemap


def _with_lastmod(queryset: QuerySet[Article]) -> QuerySet[Article]:
    # A story changes when its source is re-imported, an editor (re)publishes it or edits
    # our headline or summary, or its scheduled time comes.
    return queryset.annotate(
        changed_at=Greatest(
            "updated_at",
            *(
                Coalesce(when, "updated_at")
                for when in ("published_changed_at", "edited_at", "publish_at")
            ),
        )
    )


class ArticleSitemap(Sitemap):
    limit = 5000

    def items(self) -> QuerySet[Article]:
        return (
            _with_lastmod(Article.objects.published())
            .only("pk", "slug")
            .order_by("-published_at", "-pk")
        )

    def lastmod(self, item: Article) -> dt.datetime:
        return item.changed_at

    def get_latest_lastmod(self) -> dt.datetime | None:
        # One aggregate, rather than the framework's walk over every story.
        return _with_lastmod(Article.objects.published()).aggregate(latest=Max("changed_at"))[
            "latest"
        ]


class TermSitemap(Sitemap):
    model: type[Term]

    def items(self) -> QuerySet[Term]:
        return queries.browsable(self.model).order_by("pk")


class TopicSitemap(TermSitemap):
    model = Topic


class CategorySitemap(TermSitemap):
    model = Category


class ProviderSitemap(TermSitemap):
    model = Provider


class PageSitemap(Sitemap):
    """The fixed pages readers start from."""

    def items(self) -> list[str]:
        return ["articles:home", "articles:top", "articles:topics", "articles:providers"]

    def location(self, item: str) -> str:
        return reverse(item)


class NewsSitemap(Sitemap):
    """Stories of the last 48 hours, for Google News (rendered by ``sitemaps/news.xml``)."""

    limit = NEWS_LIMIT

    def items(self) -> list[Article]:
        since = timezone.now() - NEWS_WINDOW
        stories = list(
            Article.objects.published()
            .filter(published_at__gte=since)
            .only("pk", "slug", *HEADLINE_FIELDS, "published_at", "locale")
            .order_by("-published_at", "-pk")[:NEWS_LIMIT]
        )
        # What the template writes: the title as XML can carry it, the date to the second.
        for story in stories:
            story.news_title = xml_text(story.headline)
            story.news_date = story.published_at.replace(microsecond=0)
        return stories

    def lastmod(self, item: Article) -> dt.datetime:
        return item.published_at


SITEMAPS: dict[str, type[Sitemap]] = {
    "pages": PageSitemap,
    "articles": ArticleSitemap,
    "topics": TopicSitemap,
    "categories": CategorySitemap,
    "providers": ProviderSitemap,
}
