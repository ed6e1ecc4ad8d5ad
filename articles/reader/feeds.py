"""RSS 2.0 and Atom feeds of the newest published stories: all of them, or one topic's,
category's or provider's. Built on Django's syndication framework, with generators that send
excerpts as text and never choke on a control character (:mod:`.syndication`)."""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Enclosure

from articles.models import Category, Provider, Term, Topic

from . import presenters, queries
from .presenters import StoryItem
from .syndication import TextAtomFeed, TextRssFeed

FEED_SIZE = 30
SITE_NAME = "Newsroom"
# The request a feed is being made for, for its absolute image addresses (a feed object serves
# every request of every thread).
_REQUEST: ContextVar[HttpRequest | None] = ContextVar("feed_request", default=None)


class LatestFeed(Feed):
    """The home page as a feed. Two queries: the stories and their topics."""

    feed_type = TextRssFeed
    title = f"{SITE_NAME}: latest stories"

    def description(self, obj: Term | None = None) -> str:
        return "The newest stories, gathered from publishers across the web."

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        token = _REQUEST.set(request)
        try:
            return super().__call__(request, *args, **kwargs)
        finally:
            _REQUEST.reset(token)

    def link(self) -> str:
        return reverse("articles:home")

    def items(self, obj: Term | None = None) -> list[StoryItem]:
        return presenters.present(queries.newest(obj, FEED_SIZE).articles)

    def item_link(self, item: StoryItem) -> str:
        return item.page_url

    def item_title(self, item: StoryItem) -> str:
        return item.title

    def item_description(self, item: StoryItem) -> str:
        return item.excerpt

    def item_pubdate(self, item: StoryItem) -> dt.datetime:
        return item.published_at

    def item_updateddate(self, item: StoryItem) -> dt.datetime:
        return item.updated_at or item.published_at

    def item_author_name(self, item: StoryItem) -> str | None:
        return item.provider_link.name if item.provider_link else None

    def item_categories(self, item: StoryItem) -> list[str]:
        return [topic.name for topic in item.topic_links]

    def item_enclosures(self, item: StoryItem) -> list[Enclosure]:
        """The stored lead image's JPEG (feed readers take JPEG), from this site."""
        if item.lead is None:
            return []
        request = _REQUEST.get()
        url = request.build_absolute_uri(item.lead.src) if request else item.lead.src
        return [Enclosure(url, str(item.lead.src_bytes), "image/jpeg")]


class TermFeed(LatestFeed):
    """The stories of one topic, category or provider (404 when none is published)."""

    model: type[Term]
    label: str

    def get_object(self, request, **kwargs: str) -> Term:
        key = self.model.url_key
        return get_object_or_404(queries.browsable(self.model), **{key: kwargs[key]})

    def title(self, obj: Term) -> str:
        return f"{SITE_NAME}: {obj}"

    def description(self, obj: Term | None = None) -> str:
        return f"The newest stories under {self.label} {obj}."

    def link(self, obj: Term) -> str:
        return obj.get_absolute_url()


class TopicFeed(TermFeed):
    model = Topic
    label = "topic"


class CategoryFeed(TermFeed):
    model = Category
    label = "category"


class ProviderFeed(TermFeed):
    model = Provider
    label = "provider"


class AtomMixin:
    feed_type = TextAtomFeed

    def subtitle(self, obj: Term | None = None) -> str:
        return self.description(obj)  # type: ignore[attr-defined]


class LatestAtomFeed(AtomMixin, LatestFeed):
    pass


class TopicAtomFeed(AtomMixin, TopicFeed):
    pass


class CategoryAtomFeed(AtomMixin, CategoryFeed):
    pass


class ProviderAtomFeed(AtomMixin, ProviderFeed):
    pass
