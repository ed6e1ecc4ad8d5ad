"""What one seed file says about one story, as typed records (tuples: cheap to send between
processes), and the error a file that cannot be imported raises."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple


class SeedError(ValueError):
    """A seed file that cannot be imported; the message is one line for the importer."""


class ProviderRecord(NamedTuple):
    name: str
    domain: str


class ImageRecord(NamedTuple):
    url: str
    width: int | None
    height: int | None
    is_cached: bool
    title: str
    attribution: str
    extra: dict[str, Any]


class RelatedRecord(NamedTuple):
    title: str
    excerpt: str
    url: str  # normalised identity, "" when the item has no URL
    web_url: str
    amp_url: str
    cdn_amp_url: str
    published_at: dt.datetime | None
    type: str
    quality: int | None
    provider: ProviderRecord | None
    extra: dict[str, Any]


class EditorialRecord(NamedTuple):
    """The editors' fields a file gives a new story (its ``newsroom:`` mapping; an export
    writes them there). An import never applies them to a story that exists."""

    title_override: str = ""
    excerpt_override: str = ""
    publish_at: dt.datetime | None = None
    unpublish_at: dt.datetime | None = None
    featured: bool = False


NO_EDITORIAL = EditorialRecord()


class ArticleRecord(NamedTuple):
    """Everything one seed file says about one story (a tuple: cheap to send between processes)."""

    url: str  # normalised identity
    original_url: str
    web_url: str
    amp_url: str
    cdn_amp_url: str
    title: str
    excerpt: str
    body: str
    published_at: dt.datetime | None
    updated_at: dt.datetime | None
    type: str
    quality: int | None
    heat: int | None
    locale: str
    category: str
    published: bool
    secured: str
    provider: ProviderRecord | None
    topics: tuple[str, ...]
    images: tuple[ImageRecord, ...]
    related: tuple[RelatedRecord, ...]
    extra: dict[str, Any]
    warnings: tuple[str, ...] = ()  # what was dropped to keep the story, one line each
    editorial: EditorialRecord = NO_EDITORIAL
    front_matter: str = ""  # the file's YAML, as it was: what an export writes back
