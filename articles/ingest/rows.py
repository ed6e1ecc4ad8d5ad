"""The database rows one parsed story becomes, declared once.

Each row type is a tuple whose field names are its model's field names, in the order the
values travel from the parser processes to the writer; every column list the writer uses is
derived from these types (``tests/ingest/test_rows.py`` checks each name against its model).
A new source field is one field here and one value in :func:`story_rows`.

Rows hold database values only (text, numbers, booleans, None; dates and JSON encoded, slugs
made), so that they are made in the parser processes and the writing process only looks up
ids and writes. They travel between the processes as plain tuples in their type's field
order, packed with marshal (:func:`.parsers.parse_packed`), at a fraction of the cost of
pickled named tuples (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, NamedTuple

from articles.models import make_slug, term_slug

from .bulk import encode_json
from .editorial import state_text
from .records import ArticleRecord, ProviderRecord

# A topic or category as (slug, name), a provider as (domain, name): the key its model is
# found by (its ``url_key``), and the name it gets if it is new.
KeyedName = tuple[str, str]


class StoryValues(NamedTuple):
    """Article's source fields that the file alone decides."""

    slug: str
    title: str
    excerpt: str
    body: str
    original_url: str
    web_url: str
    amp_url: str
    cdn_amp_url: str
    source_updated_at: Any
    type: str
    quality: int | None
    heat: int | None
    locale: str
    secured: str
    front_matter: str
    front_matter_state: str  # its editorial state (editorial.state_text)
    extra: str  # JSON


class LookedUp(NamedTuple):
    """Article's source fields that the writer decides (ids, the run's time, the file)."""

    published_at: Any
    category: int | None
    provider: int | None
    source_path: str
    content_hash: str
    updated_at: Any


class NewStory(NamedTuple):
    """Article's fields that a new story gets once: its editorial state from the file."""

    created_at: Any
    published: bool
    published_changed_at: Any
    first_published_at: Any
    title_override: str
    excerpt_override: str
    publish_at: Any
    unpublish_at: Any
    featured: bool
    featured_at: Any


class ImageRow(NamedTuple):
    """An ArticleImage, but its article."""

    position: int
    url: str
    width: int | None
    height: int | None
    is_cached: bool
    title: str
    attribution: str
    extra: str  # JSON


class RelatedRow(NamedTuple):
    """A RelatedLink, but its article, provider and target (ids the writer looks up)."""

    position: int
    title: str
    excerpt: str
    url: str  # the item's identity, "" without a URL
    web_url: str
    amp_url: str
    cdn_amp_url: str
    published_at: Any
    type: str
    quality: int | None
    extra: str  # JSON


class TopicRow(NamedTuple):
    """An ArticleTopic (the writer makes these: it knows the ids)."""

    article: int
    topic: int
    published: bool
    published_at: Any


# Where a related row keeps its identity.
RELATED_URL = RelatedRow._fields.index("url")

# Every source field an import writes, creates and updates alike.
SOURCE_FIELDS = StoryValues._fields + LookedUp._fields
NEW_STORY_COLUMNS = ("url", *SOURCE_FIELDS, *NewStory._fields)
IMAGE_COLUMNS = ("article", *ImageRow._fields)
RELATED_COLUMNS = ("article", *RelatedRow._fields, "provider", "target")
TOPIC_COLUMNS = TopicRow._fields


class StoryRows(NamedTuple):
    """One parsed story as it will be written (made by :func:`story_rows`)."""

    url: str  # identity
    values: tuple[Any, ...]  # a StoryValues, as a plain tuple
    published_at: Any  # the file's date, encoded; None: the import's time (or the stored one)
    published: bool
    category: KeyedName | None
    provider: KeyedName | None
    topics: tuple[KeyedName, ...]  # each topic once
    images: tuple[tuple[Any, ...], ...]  # ImageRows, as plain tuples
    related: tuple[tuple[Any, ...], ...]  # RelatedRows, as plain tuples
    related_providers: tuple[KeyedName | None, ...]  # one per related row
    warnings: tuple[str, ...] = ()  # what the file lost to keep the story, one line each
    # The editors' fields a new story gets (title and excerpt overrides, publish_at,
    # unpublish_at encoded, featured), in NewStory's order.
    editorial: tuple[Any, ...] = ("", "", None, None, False)


def story_rows(record: ArticleRecord, encode_time: Callable[[dt.datetime], Any]) -> StoryRows:
    """The rows of one story, with dates written by ``encode_time`` (``bulk.time_encoder``)."""

    def when(value: dt.datetime | None) -> Any:
        return None if value is None else encode_time(value)

    def provider(value: ProviderRecord | None) -> KeyedName | None:
        return None if value is None else (value.domain, value.name)

    return StoryRows(
        url=record.url,
        values=tuple(StoryValues(
            slug=make_slug(record.title),
            title=record.title,
            excerpt=record.excerpt,
            body=record.body,
            original_url=record.original_url,
            web_url=record.web_url,
            amp_url=record.amp_url,
            cdn_amp_url=record.cdn_amp_url,
            source_updated_at=when(record.updated_at),
            type=record.type,
            quality=record.quality,
            heat=record.heat,
            locale=record.locale,
            secured=record.secured,
            front_matter=record.front_matter,
            front_matter_state=state_text(record.published, record.editorial),
            extra=encode_json(record.extra),
        )),
        published_at=when(record.published_at),
        published=record.published,
        category=(term_slug(record.category), record.category) if record.category else None,
        provider=provider(record.provider),
        topics=_first_of_each_slug(record.topics),
        images=tuple(
            tuple(ImageRow(
                position=i, url=image.url, width=image.width, height=image.height,
                is_cached=image.is_cached, title=image.title, attribution=image.attribution,
                extra=encode_json(image.extra),
            ))
            for i, image in enumerate(record.images)
        ),
        related=tuple(
            tuple(RelatedRow(
                position=i, title=item.title, excerpt=item.excerpt, url=item.url,
                web_url=item.web_url, amp_url=item.amp_url, cdn_amp_url=item.cdn_amp_url,
                published_at=when(item.published_at), type=item.type, quality=item.quality,
                extra=encode_json(item.extra),
            ))
            for i, item in enumerate(record.related)
        ),
        related_providers=tuple(provider(item.provider) for item in record.related),
        warnings=record.warnings,
        editorial=(
            record.editorial.title_override, record.editorial.excerpt_override,
            when(record.editorial.publish_at), when(record.editorial.unpublish_at),
            record.editorial.featured,
        ),
    )  # fmt: skip


def _first_of_each_slug(names: tuple[str, ...]) -> tuple[KeyedName, ...]:
    """(slug, name) of each topic, once: "A.I." and "AI" are one topic, and the name that
    comes first is the one kept (as for terms across a batch, see ``writer.ensure_terms``)."""
    terms: dict[str, KeyedName] = {}
    for name in names:
        slug = term_slug(name)
        terms.setdefault(slug, (slug, name))
    return tuple(terms.values())
