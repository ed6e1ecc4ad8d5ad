"""RSS 2.0, Atom and JSON Feed 1.1 feeds of the newest published stories: all of them, or one
topic's, category's or provider's. Built on Django's syndication framework, with generators
that send excerpts as text and never choke on a control character (:mod:`.syndication`).

A list's feeds are one declaration: :func:`feed_routes` gives a feed class (written as RSS)
its RSS, Atom and JSON Feed addresses, ``<list>/rss/``, ``…/atom/`` and ``…/json/``, named
``<name>-rss``, ``-atom`` and ``-json``; each format is the class with its format's mixin
(:data:`FORMATS`).
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.feedgenerator import Enclosure
from django.utils.http import urlencode

from articles.models import Category, Provider, Term, Topic

from . import presenters, queries
from . import search_page as searching
from .presenters import StoryItem
from .syndication import JsonFeed, TextAtomFeed, TextRssFeed

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


def search_feed_title(form: searching.SearchForm) -> str:
    """The title of a search's feeds, the filters it applies included."""
    return f"{SITE_NAME}: stories matching {form.describe()}"


class SearchFeed(LatestFeed):
    """The newest published stories matching ``?q=`` within the search's filters (topic,
    provider, dates; none for an empty or unusable search): a reader follows a search."""

    def get_object(self, request, *args, **kwargs) -> searching.SearchForm:
        return searching.read_form(request.GET)

    def title(self, obj: searching.SearchForm) -> str:
        return search_feed_title(obj)

    def description(self, obj: searching.SearchForm) -> str:
        return f"The newest stories matching {obj.describe()}."

    def link(self, obj: searching.SearchForm) -> str:
        return f"{reverse('articles:search')}?{urlencode(obj.params())}"

    def feed_url(self, obj: searching.SearchForm) -> str | None:
        """The feed's own address names its search, so a reader can subscribe from it."""
        request = _REQUEST.get()
        return f"{request.path}?{urlencode(obj.params())}" if request else None

    def items(self, obj: searching.SearchForm) -> list[StoryItem]:
        return searching.newest_matches(obj, FEED_SIZE)


class AtomMixin:
    feed_type = TextAtomFeed

    def subtitle(self, obj: Term | None = None) -> str:
        return self.description(obj)  # type: ignore[attr-defined]


class JsonMixin:
    feed_type = JsonFeed


# Each format a list's feeds come in, and what makes a feed class (RSS) write it.
FORMATS: dict[str, tuple[type, ...]] = {"rss": (), "atom": (AtomMixin,), "json": (JsonMixin,)}


def feed_variant(feed: type[Feed], kind: str) -> type[Feed]:
    """The feed class written in format ``kind`` (one of :data:`FORMATS`)."""
    mixins = FORMATS[kind]
    return type(f"{feed.__name__}{kind.title()}", (*mixins, feed), {}) if mixins else feed


def feed_routes(route: str, name: str, feed: type[Feed]) -> list[URLPattern]:
    """The URL patterns of a list's feeds in every format: ``{route}{kind}/`` named
    ``{name}-{kind}``; ``route`` is the list's address pattern ("" or ending with "/")."""
    return [
        path(f"{route}{kind}/", feed_variant(feed, kind)(), name=f"{name}-{kind}")
        for kind in FORMATS
    ]
