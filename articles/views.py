"""Public pages. Every list and page starts from ``Article.objects.published()``."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from .models import Article, Category, Provider, Topic


class PublishedArticlesMixin:
    """The published stories, with what a list item shows fetched up front."""

    def published_articles(self) -> QuerySet[Article]:
        return Article.objects.published().select_related("provider", "category")


class ArticleListView(PublishedArticlesMixin, ListView):
    template_name = "articles/article_list.html"
    context_object_name = "articles"
    paginate_by = 20

    def get_queryset(self) -> QuerySet[Article]:
        return self.published_articles()


class _FilteredListView(ArticleListView):
    """A list of published stories under one topic, category or provider."""

    model_class: type[Topic | Category | Provider]
    lookup = "slug"  # the URL argument and the field it names
    article_field: str  # the Article field that points at it

    def get_queryset(self) -> QuerySet[Article]:
        self.term = get_object_or_404(self.model_class, **{self.lookup: self.kwargs[self.lookup]})
        return self.published_articles().filter(**{self.article_field: self.term})

    def get_context_data(self, **kwargs):
        return super().get_context_data(term=self.term, **kwargs)


class TopicView(_FilteredListView):
    model_class = Topic
    article_field = "topics"


class CategoryView(_FilteredListView):
    model_class = Category
    article_field = "category"


class ProviderView(_FilteredListView):
    model_class = Provider
    lookup = "domain"
    article_field = "provider"


class ArticleDetailView(PublishedArticlesMixin, DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_queryset(self) -> QuerySet[Article]:
        if self.request.user.is_staff:
            return Article.objects.select_related("provider", "category")
        return self.published_articles()
