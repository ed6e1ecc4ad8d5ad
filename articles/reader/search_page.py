"""The reader's search: the form's parameters read (never an error: a bad filter is named and
left out), the published stories they leave, and a page of matches as list items with their
highlights. The index and the ranking are the domain's (:mod:`articles.search`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from articles.models import Article, ArticleTopic, Provider, Topic, term_slug
from articles.search.engine import Highlight, find, highlights
from articles.search.query import QueryError, SearchQuery, clean

from . import presenters, queries

PAGE_SIZE = 20
MAX_PAGE = 50  # pages of 20: the best 1,000 matches; past them, add a word
FILTERS = ("topic", "provider", "from", "to")


@dataclass
class SearchForm:
    """What the reader asked for, as the form shows it again, and what came of it."""

    text: str = ""
    topic: Topic | None = None
    provider: Provider | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    page: int = 1
    values: dict[str, str] = field(default_factory=dict)  # each filter as typed, cleaned
    problems: list[str] = field(default_factory=list)  # for the reader, one line each

    @property
    def filtered(self) -> bool:
        return any(self.values.get(name) for name in FILTERS)

    def params(self, **changes: Any) -> dict[str, str]:
        """The query string of this search (with ``changes``), for links and feeds."""
        params = {"q": self.text, **self.values, **changes}
        return {name: str(value) for name, value in params.items() if value and value != 1}

    def describe(self) -> str:
        """This search in words, the filters it applies included (a feed's title):
        “bridge” in Climate from Example News, 2024-01-01 to 2024-05-31."""
        words = f"“{self.text}”"
        if self.topic:
            words += f" in {self.topic.name}"
        if self.provider:
            words += f" from {self.provider.name}"
        if self.since and self.until:
            words += f", {self.since} to {self.until}"
        elif self.since:
            words += f", since {self.since}"
        elif self.until:
            words += f", until {self.until}"
        return words


@dataclass
class SearchItem:
    story: presenters.StoryItem
    highlight: Highlight | None


@dataclass
class SearchPage:
    query: SearchQuery | None
    items: list[SearchItem]
    total: int  # counted up to MAX_PAGE pages
    message: str = ""  # why there is nothing to show, when there is not
    more: bool = False  # more match than MAX_PAGE pages show


def read_form(params: QueryDict) -> SearchForm:
    form = SearchForm(text=clean(params.get("q", "")))
    form.values = {name: clean(params.get(name, ""))[:200] for name in FILTERS}
    # Only topics and providers a reader can browse (with a published story): the filter
    # tells no more than their pages do.
    if topic := form.values["topic"]:
        form.topic = queries.browsable(Topic).filter(slug=term_slug(topic)).first()
        _missing(form, form.topic, f"No topic called “{topic}”: searched every topic.")
    if provider := form.values["provider"]:
        domain = provider.lower().removeprefix("www.")  # as the importer keeps domains
        form.provider = (
            queries.browsable(Provider).filter(Q(domain=domain) | Q(name__iexact=provider)).first()
        )
        _missing(form, form.provider, f"No provider “{provider}”: searched every provider.")
    form.since = _date(form, "from")
    form.until = _date(form, "to")
    page = params.get("page", "1")
    form.page = min(int(page), MAX_PAGE) if page.isascii() and page.isdigit() and page != "0" else 1
    return form


def _missing(form: SearchForm, found: object, problem: str) -> None:
    if found is None:
        form.problems.append(problem)


def _date(form: SearchForm, name: str) -> dt.date | None:
    value = form.values[name]
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        form.problems.append(f"“{value}” is not a date like 2024-05-31: left out.")
        form.values[name] = ""
        return None


def stories(form: SearchForm) -> QuerySet[Article]:
    """The published stories the form's filters leave."""
    found = Article.objects.published()
    if form.topic:
        topic_rows = ArticleTopic.objects.filter(article=OuterRef("pk"), topic=form.topic)
        found = found.filter(Exists(topic_rows))
    if form.provider:
        found = found.filter(provider=form.provider)
    zone = timezone.get_current_timezone()
    if form.since:
        found = found.filter(published_at__gte=_midnight(form.since, zone))
    if form.until:
        found = found.filter(published_at__lt=_midnight(form.until + dt.timedelta(days=1), zone))
    return found


def _midnight(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zone)


def search_page(form: SearchForm) -> SearchPage:
    """One page of the best matches, with their highlights."""
    try:
        query = SearchQuery.parse(form.text)
    except QueryError as error:
        return SearchPage(None, [], 0, str(error))
    offset = (form.page - 1) * PAGE_SIZE
    found = find(
        query, stories(form), limit=PAGE_SIZE, offset=offset, count_limit=MAX_PAGE * PAGE_SIZE
    )
    if not found.ids:
        message = "No more matches." if form.page > 1 else "No published story matches."
        return SearchPage(query, [], found.total, message)
    marks = highlights(query, found.ids)
    items = [SearchItem(story, marks.get(story.pk)) for story in story_items(found.ids)]
    return SearchPage(query, items, found.total, more=found.more)


def newest_matches(form: SearchForm, limit: int) -> list[presenters.StoryItem]:
    """The newest published stories that match, within the form's filters (a search's
    feed); none for a search that cannot run."""
    try:
        query = SearchQuery.parse(form.text)
    except QueryError:
        return []
    return story_items(find(query, stories(form), limit=limit, newest_first=True).ids)


def story_items(ids: list[int]) -> list[presenters.StoryItem]:
    """These stories as list items, in this order (two queries: rows, topics)."""
    rows = {row.pk: row for row in queries.story_list().filter(pk__in=ids)}
    return presenters.present(rows[pk] for pk in ids if pk in rows)
