"""What a page shows of a story: the rows of :mod:`.queries` made into items, links and dates.

Addresses and links are worked out once per process (a long list does not pay for URL
reversing per item), and a list's topics are read in one query for all of its stories.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.urls import get_script_prefix, reverse
from django.utils import timezone

from articles.images.models import StoredImage
from articles.images.renditions import Manifest
from articles.images.storage import media_url
from articles.models import Category, Provider, Topic

from . import queries

# A list item's excerpt is cut to this many words.
TEASER_WORDS = 45
# The topics a list item (and a feed entry) shows, and a story page: a list shows a few, never
# all (the importer keeps at most articles.ingest.seedfile.MAX_TOPICS a story).
LIST_TOPICS = 4
PAGE_TOPICS = 50


class TermLink(NamedTuple):
    """A topic, category or provider as a page shows it: its name and its page's address."""

    name: str
    url: str


class When(NamedTuple):
    """A date as a page shows it: ``iso`` for <time datetime>, ``text`` for readers."""

    iso: str
    text: str


class LeadImage(NamedTuple):
    """Our stored copy of a story's lead image, as pages show it (``articles.images``)."""

    src: str  # the JPEG: browsers without WebP, feeds
    srcset: str  # the WebP widths, for <source srcset>
    width: int  # the widest rendition's: the <img>'s width and height (no layout shift)
    height: int
    title: str
    attribution: str
    card: str  # the 1200x630 OpenGraph / Twitter card's address (on this site)
    src_bytes: int  # the JPEG's length (a feed's enclosure states it; 0 if not known)


@dataclass(frozen=True, slots=True)
class StoryItem:
    """One story as a list or a feed shows it (see :func:`present`)."""

    pk: int
    title: str
    excerpt: str
    published_at: dt.datetime
    updated_at: dt.datetime | None  # the source's update date, only when after publication
    page_url: str
    date: When
    teaser: str  # a list's short text: the summary's first TEASER_WORDS words, marked when cut
    provider_link: TermLink | None
    category_link: TermLink | None
    topic_links: list[TermLink]  # by name
    lead: LeadImage | None  # our stored copy of the lead image, when there is one
    placeholder: bool  # no stored copy (yet) of the image the source has: a placeholder


@dataclass(frozen=True, slots=True)
class StoryPage(StoryItem):
    """One story as its page shows it (see :func:`story_page`)."""

    slug: str
    standfirst: str  # the whole excerpt, marked when its source cut it off (see :func:`whole`)
    body: str
    provider_domain: str
    source_url: str  # the story at its provider: the original address, else the web address
    amp_url: str
    is_public: bool  # whether readers see it (a staff preview may show one they do not)
    coverage: list[RelatedItem]


@dataclass(frozen=True, slots=True)
class RelatedItem:
    """Other coverage of a story, as its page lists it."""

    title: str
    url: str  # our page when we hold that story and it is public, else its http(s) source
    ours: bool
    provider_name: str
    published_at: dt.datetime | None


def http_url(value: str | None) -> str:
    """The URL when it is http(s) with a host, else "": nothing else becomes a link."""
    value = (value or "").strip()
    return value if _HTTP_WITH_HOST.match(value) else ""


_HTTP_WITH_HOST = re.compile(r"https?://[^/?#\s]", re.IGNORECASE)


def present(rows: Iterable[Any]) -> list[StoryItem]:
    """What a list shows of each row of ``queries.story_list``, with all their topics read in
    one query."""
    rows = list(rows)
    prefix, zone = get_script_prefix(), timezone.get_current_timezone()
    topics = topic_links([row.pk for row in rows], prefix, LIST_TOPICS)
    return [StoryItem(**_item_fields(row, prefix, topics[row.pk], zone)) for row in rows]


def story_page(pk: int, *, preview: bool = False) -> StoryPage | None:
    """The story with this id as its page shows it, in three queries (the story, its related
    coverage, its topics); None when readers may not see it and this is not a ``preview``."""
    row = queries.story_row(pk, preview=preview)
    if row is None:
        return None
    prefix = get_script_prefix()
    return StoryPage(
        **_item_fields(row, prefix, topic_links([pk], prefix, PAGE_TOPICS)[pk]),
        slug=row.slug,
        standfirst=whole(row.shown_excerpt),
        body=row.body,
        provider_domain=row.provider__domain or "",
        source_url=http_url(row.original_url) or http_url(row.web_url),
        amp_url=http_url(row.amp_url),
        is_public=bool(row.is_public),
        coverage=[_related_item(link, prefix) for link in queries.coverage_rows(pk)],
    )


def _related_item(link: Any, prefix: str) -> RelatedItem:
    if link.target_slug:
        url, ours = _reverse(prefix, "articles:detail", (link.target_id, link.target_slug)), True
    else:
        url, ours = http_url(link.web_url), False
    return RelatedItem(
        title=link.title or "Untitled story",
        url=url,
        ours=ours,
        provider_name=link.provider__name or "",
        published_at=link.published_at,
    )


def _item_fields(
    row: Any, prefix: str, topics: list[TermLink], zone: dt.tzinfo | None = None
) -> dict[str, Any]:
    """A StoryItem's fields, from a row with the list columns and the lead image's."""
    return {
        "pk": row.pk,
        "title": row.shown_title,
        "excerpt": row.shown_excerpt,
        "published_at": row.published_at,
        "updated_at": updated(row.published_at, row.source_updated_at),
        "page_url": _reverse(prefix, "articles:detail", (row.pk, row.slug)),
        "date": _when(row.published_at, zone),
        "teaser": _teaser(row.shown_excerpt),
        "provider_link": _link(prefix, Provider.route, row.provider__name, row.provider__domain),
        "category_link": _link(prefix, Category.route, row.category__name, row.category__slug),
        "topic_links": topics,
        "lead": (lead := _lead_image(row)),
        "placeholder": lead is None and _awaited(row),
    }


def topic_links(article_ids: list[int], prefix: str, most: int) -> defaultdict[int, list[TermLink]]:
    """Each story's first ``most`` topics by name, as links: one query for all the stories."""
    topics: defaultdict[int, list[TermLink]] = defaultdict(list)
    for article_id, name, slug in queries.topic_rows(article_ids):
        if len(links := topics[article_id]) < most:
            links.append(_link(prefix, Topic.route, name, slug))
    return topics


def cached_reverse(name: str, *args: Any) -> str:
    """``reverse(name, args=args)``, worked out once per process for each address."""
    return _reverse(get_script_prefix(), name, args)


@functools.lru_cache(maxsize=16384)
def _reverse(prefix: str, name: str, args: tuple[Any, ...]) -> str:
    return reverse(name, args=args)  # the prefix is part of the cache key only


@functools.lru_cache(maxsize=16384)
def _link(prefix: str, route: str, name: str | None, key: str | None) -> TermLink | None:
    """A topic's, category's or provider's link, by its page's route and URL key."""
    return TermLink(name or key, reverse(route, args=[key])) if key else None


def updated(published_at: dt.datetime, source_updated_at: dt.datetime | None) -> dt.datetime | None:
    """The source's update date when it is after the publication date, else None: a source
    sends dates of other stories' versions, and a story is never updated before it appears."""
    if source_updated_at is None or source_updated_at <= published_at:
        return None
    return source_updated_at


def iso(value: dt.datetime, zone: dt.tzinfo | None = None) -> str:
    """The date in ISO 8601 to the second, in ``zone`` (the current time zone by default), as
    <time datetime> and metadata take it (HTML allows at most 3 fraction digits)."""
    local = value.astimezone(zone or timezone.get_current_timezone())
    return local.isoformat(timespec="seconds")


def _when(value: dt.datetime, zone: dt.tzinfo | None = None) -> When:
    local = value.astimezone(zone or timezone.get_current_timezone())
    return When(local.isoformat(timespec="seconds"), f"{local.day} {local:%b %Y, %H:%M}")


def whole(text: str) -> str:
    """The excerpt, ending with "…" when it looks cut off by its source.

    The rule: an excerpt is whole when it ends (closing quotes and brackets aside) with a
    sentence's end: . ! ? … or their CJK, Arabic and Devanagari forms. Any other ending (a
    word, a comma, a colon, a dash) is a source's cut: the trailing separators go and "…"
    follows the last word, as in "The council voted to…". An empty excerpt stays empty, and
    one of separators only stays as it is.
    """
    text = text.rstrip()
    if not text or text.rstrip(_CLOSERS)[-1:] in _SENTENCE_ENDS:
        return text
    cut = text.rstrip(_SEPARATORS)
    return f"{cut}…" if cut else text


# Closing quotes and brackets that may follow a sentence's end ("He said “yes.”"), and the
# spaces French sets before some of them ("« oui. »").
_CLOSERS = "\"'”’»›)]}」』） \u00a0\u202f"
# The end of a sentence, in the scripts the sources write in.
_SENTENCE_ENDS = frozenset(".!?…。！？؟।")
# What a source's cut may leave at the end, dropped before the "…".
_SEPARATORS = " \t\n,;:-–—、，；："


def _teaser(text: str) -> str:
    words = text.split()
    if len(words) <= TEASER_WORDS:
        return whole(text)
    return " ".join(words[:TEASER_WORDS]) + " …"


def _lead_image(story: Any) -> LeadImage | None:
    made = Manifest.of(story.lead_renditions)
    if made is None or made.jpeg is None or made.card is None:
        return None
    widest = made.webp[-1]
    source = story.lead_origin != StoredImage.Origin.UPLOAD  # an editor's is not the source's
    return LeadImage(
        src=media_url(made.jpeg.name),
        srcset=", ".join(f"{media_url(r.name)} {r.width}w" for r in made.webp),
        width=widest.width,
        height=widest.height,
        title=(source and story.lead_title) or "",
        attribution=(source and story.lead_attribution) or "",
        card=media_url(made.card.name),
        src_bytes=made.jpeg_bytes,
    )


def _awaited(story: Any) -> bool:
    """Whether the source has a lead image we may store but have not (yet): not one an editor
    removed."""
    return bool(http_url(story.lead_url)) and story.lead_origin != StoredImage.Origin.REMOVED
