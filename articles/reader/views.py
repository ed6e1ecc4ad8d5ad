"""Public pages. Every list and page starts from ``Article.objects.published()`` (see
:mod:`.queries`); staff who may view stories in the admin may also open unpublished ones, as a
preview nobody caches (``articles.publishing.can_preview``).
"""

from __future__ import annotations

from typing import Any

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.views.generic import TemplateView

from articles.models import Category, Provider, Term, Topic
from articles.publishing import can_preview

from . import presenters, queries
from . import search_page as searching
from .feeds import FORMATS as FEED_FORMATS
from .feeds import search_feed_title
from .pagination import Cursor

PAGE_SIZE = 20
# How long a browser keeps /favicon.ico's answer: a day.
FAVICON_MAX_AGE = 24 * 60 * 60


class ReaderMixin:
    """What every public page shares: its canonical address, its navigation entry and the
    feeds it announces. (Every story it shows comes through :mod:`.queries`.)"""

    request: HttpRequest
    feed_route = "articles:home"  # the feeds' routes: this, then "-rss", "-atom", "-json"
    section = ""  # the navigation entry this page belongs to

    def feed_args(self) -> list[str]:
        return []

    def feed_title(self) -> str:
        return "Newsroom: latest stories"

    def canonical_path(self) -> str:
        return self.request.path

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        args = self.feed_args()
        context["canonical_url"] = self.request.build_absolute_uri(self.canonical_path())
        context["section"] = self.section
        context["feeds"] = {
            "title": self.feed_title(),
            **{
                kind: presenters.cached_reverse(f"{self.feed_route}-{kind}", *args)
                for kind in FEED_FORMATS
            },
        }
        return context


class StoryListView(ReaderMixin, TemplateView):
    """Newest stories first, a page at a time; "older" and "newer" links carry a cursor."""

    template_name = "articles/article_list.html"
    page_size = PAGE_SIZE
    term: Term | None = None  # the topic, category or provider listed, if any

    def cursor(self, name: str) -> Cursor | None:
        raw = self.request.GET.get(name)
        if raw is None:
            return None
        try:
            return Cursor.parse(raw)
        except ValueError as error:
            raise Http404("No such page") from error

    def canonical_path(self) -> str:
        kept = {
            name: self.request.GET[name] for name in ("before", "after") if name in self.request.GET
        }
        return self.request.path + (f"?{urlencode(kept)}" if kept else "")

    def stories(self, before: Cursor | None, after: Cursor | None) -> tuple[list[Any], Any]:
        """The stories that lead the list (none here), and the page of the newest."""
        return [], queries.newest(self.term, self.page_size, before=before, after=after)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        before, after = self.cursor("before"), self.cursor("after")
        first_page = before is None and after is None
        lead, page = self.stories(before, after)
        stories = presenters.present([*lead, *page.articles])  # one topics query for both
        return super().get_context_data(
            lead=stories[: len(lead)],
            articles=stories[len(lead) :],
            older=page.older,
            newer=page.newer,
            first_page=first_page,
            **kwargs,
        )


class HomeView(StoryListView):
    """The newest stories, led on the first page by the editors' featured ones."""

    section = "latest"

    def stories(self, before: Cursor | None, after: Cursor | None) -> tuple[list[Any], Any]:
        if before is None and after is None:
            return queries.home_page(self.page_size)  # the lead and the page, in one query
        return super().stories(before, after)


class TopView(ReaderMixin, TemplateView):
    """The newest stories ranked by the source's heat and quality."""

    template_name = "articles/top.html"
    section = "top"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        stories = presenters.present(queries.top_stories(PAGE_SIZE))
        return super().get_context_data(articles=stories, window=queries.TOP_WINDOW, **kwargs)


class TermStoryListView(StoryListView):
    """The stories of one topic, category or provider; 404 when it has none published."""

    template_name = "articles/term_list.html"
    model: type[Term]  # its page's address names it by its url_key (the URL argument too)
    label: str

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = kwargs[self.model.url_key]
        term = queries.find_term(self.model, key)
        if term is None:
            raise Http404(f"No {self.label.lower()} {key!r}")
        self.term = term
        return super().dispatch(request, *args, **kwargs)

    @property
    def feed_route(self) -> str:  # a term's feeds are routed after its page: "articles:topic-rss"
        return self.model.route

    def feed_args(self) -> list[str]:
        return [getattr(self.term, self.model.url_key)]

    def feed_title(self) -> str:
        return f"Newsroom: {self.term}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(term=self.term, label=self.label, **kwargs)
        # A term readers may not browse (no published story) has no page: an empty first page
        # says so without a query of its own; a page past the end asks.
        if not context["articles"] and (
            context["first_page"]
            or not queries.browsable(self.model).filter(pk=self.term.pk).exists()
        ):
            raise Http404(f"No published story under {self.term}")
        return context


class TopicView(TermStoryListView):
    model = Topic
    label = "Topic"
    section = "topics"


class CategoryView(TermStoryListView):
    model = Category
    label = "Category"
    section = "topics"


class ProviderView(TermStoryListView):
    model = Provider
    label = "Provider"
    section = "providers"


class TopicIndexView(ReaderMixin, TemplateView):
    template_name = "articles/topic_index.html"
    section = "topics"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            topics=queries.browsable(Topic).only("name", "slug"),
            categories=queries.browsable(Category).only("name", "slug"),
            **kwargs,
        )


class ProviderIndexView(ReaderMixin, TemplateView):
    template_name = "articles/provider_index.html"
    section = "providers"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(providers=queries.browsable(Provider), **kwargs)


class ArticleDetailView(ReaderMixin, TemplateView):
    """One story. Staff who may view stories in the admin also see unpublished ones, under a
    banner and with no-cache headers."""

    template_name = "articles/article_detail.html"
    story: presenters.StoryPage

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        story = presenters.story_page(kwargs["pk"], preview=can_preview(request.user))
        if story is None:
            raise Http404("No such story")
        if kwargs["slug"] != story.slug:
            return HttpResponsePermanentRedirect(story.page_url)
        self.story = story
        response = self.render_to_response(self.get_context_data(article=story))
        if not story.is_public:
            patch_cache_control(response, private=True, no_cache=True, no_store=True, max_age=0)
        return response

    def canonical_path(self) -> str:
        return self.story.page_url


class SearchView(ReaderMixin, TemplateView):
    """/search/?q=: the published stories that match, best first, 20 a page, with the
    filters; an empty or unusable search answers with the form and a line saying why. Not
    kept in the page cache (settings.PAGE_CACHE_EXCLUDED_PATHS): any text is a new page."""

    template_name = "articles/search.html"
    section = "search"
    form: searching.SearchForm

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.form = searching.read_form(request.GET)
        return super().get(request, *args, **kwargs)

    def canonical_path(self) -> str:
        return f"{self.request.path}?{urlencode(self.form.params(page=self.form.page))}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = self.form
        page = searching.search_page(form)
        context = super().get_context_data(form=form, page=page, **kwargs)
        pages = min(-(-page.total // searching.PAGE_SIZE), searching.MAX_PAGE)
        context["older"] = _query(form.params(page=form.page + 1)) if form.page < pages else None
        context["newer"] = _query(form.params(page=form.page - 1)) if form.page > 1 else None
        context["pages"] = pages
        if page.query:  # follow this search: its feeds carry the words and the filters
            follow = _query(form.params())
            context["feeds"] = {
                "title": search_feed_title(form),
                **{
                    kind: presenters.cached_reverse(f"articles:search-{kind}") + follow
                    for kind in FEED_FORMATS
                },
            }
        else:
            context["feeds"] = None
        return context


def _query(params: dict[str, str]) -> str:
    return f"?{urlencode(params)}"


class OpenSearchView(TemplateView):
    """/opensearch.xml: lets a browser search the site from its address bar."""

    template_name = "opensearch.xml"
    content_type = "application/opensearchdescription+xml; charset=utf-8"


class RobotsView(TemplateView):
    template_name = "robots.txt"
    content_type = "text/plain; charset=utf-8"


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers and crawlers ask for whatever a page links: a redirect to
    the site's icon among the static files (served with them, by its hashed name in
    production), kept for a day. Temporary (302), so that a browser asks again after a
    release that changed the icon's name."""
    response = HttpResponseRedirect(static("articles/favicon.ico"))
    patch_cache_control(response, public=True, max_age=FAVICON_MAX_AGE)
    return response
