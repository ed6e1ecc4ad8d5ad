"""The providers', topics' and categories' pages of the admin, with their story counts."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from articles.models import Article, ArticleTopic, Category, Provider, Topic

from .lookups import StrictLookupsAdmin


class ArticleCountAdmin(StrictLookupsAdmin):
    """A list with each entry's number of stories, linking to those stories.

    The count is a subquery per row on an index that leads with the entry's id, so a page
    of 100 entries costs 100 index range counts, whatever the size of the table; grouping
    every story by entry would read all of them on each page.
    """

    ordering = ("name",)
    counted: tuple[type[models.Model], str]  # the rows to count, and their field naming us
    article_filter: str  # the article list's parameter for this model

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        model, field = self.counted
        count = (
            model.objects.filter(**{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(n=Count("*"))
            .values("n")
        )
        return super().get_queryset(request).annotate(article_count=Coalesce(Subquery(count), 0))

    @admin.display(description="stories", ordering="article_count")
    def stories(self, obj) -> str:
        url = reverse("admin:articles_article_changelist")
        return format_html(
            '<a href="{}?{}={}">{}</a>', url, self.article_filter, obj.pk, obj.article_count
        )


@admin.register(Provider)
class ProviderAdmin(ArticleCountAdmin):
    list_display = ("name", "domain", "stories")
    search_fields = ("name", "domain")
    counted = (Article, "provider")
    article_filter = "provider__id__exact"


@admin.register(Topic)
class TopicAdmin(ArticleCountAdmin):
    list_display = ("name", "slug", "stories")
    search_fields = ("name", "slug")
    counted = (ArticleTopic, "topic")
    article_filter = "topics__id__exact"


@admin.register(Category)
class CategoryAdmin(ArticleCountAdmin):
    list_display = ("name", "slug", "stories")
    search_fields = ("name", "slug")
    counted = (Article, "category")
    article_filter = "category__id__exact"
