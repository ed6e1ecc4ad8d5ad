"""Write parsed seed records to the database, one batch in one transaction.

Stories are matched by their identity (the normalised URL). New ones are inserted with their
editorial state from the file; existing ones get their source fields, topics, images and
related links rewritten, and never their editorial fields. Rows go to the tables in bulk
(COPY on PostgreSQL, executemany on SQLite), a fixed number of statements per batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery

from .bulk import encode_json, insert_rows, select_in, time_encoder, update_rows
from .cache import bump_after_commit
from .models import (
    Article,
    ArticleImage,
    ArticleTopic,
    Category,
    Provider,
    RelatedLink,
    Topic,
    make_slug,
    term_slug,
)
from .seeds import ArticleRecord, ProviderRecord

# The story's columns, in the order of StoryRows.values: the source fields that need no
# look-up in the database.
STORY_COLUMNS = (
    "slug", "title", "excerpt", "body", "original_url", "web_url", "amp_url", "cdn_amp_url",
    "source_updated_at", "type", "quality", "heat", "locale", "secured", "extra",
)  # fmt: skip
# Every source field an import writes (creates and updates alike): the above, then these.
SOURCE_FIELDS = (
    *STORY_COLUMNS, "published_at", "category", "provider", "source_path", "content_hash",
    "updated_at",
)  # fmt: skip
IMAGE_COLUMNS = (
    "article", "position", "url", "width", "height", "is_cached", "title", "attribution", "extra",
)  # fmt: skip
RELATED_COLUMNS = (
    "article", "position", "title", "excerpt", "url", "web_url", "amp_url", "cdn_amp_url",
    "published_at", "type", "quality", "extra", "provider", "target",
)  # fmt: skip

Term = tuple[str, str]  # (slug, name) of a topic or category; (domain, name) of a provider


class StoryRows(NamedTuple):
    """One parsed story as it will be written: database values only (text, numbers, booleans,
    None; dates and JSON encoded, slugs made). Made by :func:`story_rows` in the parser
    processes, so that the writing process only looks up ids and writes; it pickles at a
    quarter of the cost of an :class:`ArticleRecord`."""

    url: str  # identity
    values: tuple[Any, ...]  # STORY_COLUMNS
    published_at: Any  # the file's date, encoded; None: the import's time (or the stored one)
    published: bool
    category: Term | None
    provider: Term | None
    topics: tuple[Term, ...]  # each topic once
    images: tuple[tuple[Any, ...], ...]  # IMAGE_COLUMNS without the article
    related: tuple[tuple[Any, ...], ...]  # RELATED_COLUMNS without article, provider, target
    related_providers: tuple[Term | None, ...]  # one per related row


def story_rows(record: ArticleRecord, encode_time: Callable[[dt.datetime], Any]) -> StoryRows:
    """The rows of one story, with dates written by ``encode_time`` (``bulk.time_encoder``)."""

    def when(value: dt.datetime | None) -> Any:
        return None if value is None else encode_time(value)

    def provider(value: ProviderRecord | None) -> Term | None:
        return None if value is None else (value.domain, value.name)

    return StoryRows(
        url=record.url,
        values=(
            make_slug(record.title), record.title, record.excerpt, record.body,
            record.original_url, record.web_url, record.amp_url, record.cdn_amp_url,
            when(record.updated_at), record.type, record.quality, record.heat, record.locale,
            record.secured, encode_json(record.extra),
        ),
        published_at=when(record.published_at),
        published=record.published,
        category=(term_slug(record.category), record.category) if record.category else None,
        provider=provider(record.provider),
        topics=_first_of_each_slug(record.topics),
        images=tuple(
            (i, image.url, image.width, image.height, image.is_cached, image.title,
             image.attribution, encode_json(image.extra))
            for i, image in enumerate(record.images)
        ),
        related=tuple(
            (i, item.title, item.excerpt, item.url, item.web_url, item.amp_url,
             item.cdn_amp_url, when(item.published_at), item.type, item.quality,
             encode_json(item.extra))
            for i, item in enumerate(record.related)
        ),
        related_providers=tuple(provider(item.provider) for item in record.related),
    )  # fmt: skip


def _first_of_each_slug(names: tuple[str, ...]) -> tuple[Term, ...]:
    """(slug, name) of each topic, once: "A.I." and "AI" are one topic, and the name that
    comes first is the one kept (as for terms across a batch, see ``_ensure``)."""
    terms: dict[str, Term] = {}
    for name in names:
        slug = term_slug(name)
        terms.setdefault(slug, (slug, name))
    return tuple(terms.values())


@dataclass
class ImportSummary:
    """What an import did, counted by file."""

    files: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    failed: int = 0
    seconds: float = 0.0

    @property
    def done(self) -> int:
        return self.created + self.updated + self.unchanged + self.duplicates + self.failed

    def __str__(self) -> str:
        text = (
            f"{self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.failed} failed"
        )
        if self.duplicates:
            text += f", {self.duplicates} duplicate{'s' if self.duplicates != 1 else ''} skipped"
        return text


@dataclass(slots=True)
class SeedFile:
    path: str
    index: int
    raw: bytes = b""
    hash: str = ""
    error: str = ""


@dataclass
class RunState:
    """What the run has learnt so far, kept small: one entry per story it wrote."""

    order: dict[str, int]
    now: Any
    applied: dict[str, str] = field(default_factory=dict)  # url -> "created" or "updated"


class Stored(NamedTuple):
    """What the import needs to know of a story already in the database (raw values)."""

    id: int
    source_path: str
    content_hash: str
    published_at: Any


def write_batch(
    parsed: list[tuple[SeedFile, StoryRows]],
    summary: ImportSummary,
    state: RunState,
    dry_run: bool,
) -> None:
    """Upsert one batch in one transaction, retrying if a concurrent import raced us."""
    for attempt in range(3):
        counts = ImportSummary()
        applied: dict[str, str] = {}  # this batch's stories, kept if it commits
        try:
            with transaction.atomic():
                _upsert(parsed, counts, applied, state, dry_run)
        except IntegrityError:
            if attempt == 2:
                raise
            continue
        state.applied.update(applied)
        for name in ("created", "updated", "unchanged", "duplicates"):
            setattr(summary, name, getattr(summary, name) + getattr(counts, name))
        return


def _upsert(
    parsed: list[tuple[SeedFile, StoryRows]],
    counts: ImportSummary,
    applied: dict[str, str],
    state: RunState,
    dry_run: bool,
) -> None:
    # Within the batch, the later file of two with the same identity wins.
    latest: dict[str, tuple[SeedFile, StoryRows]] = {}
    for seed, story in parsed:
        if story.url in latest:
            counts.duplicates += 1
        latest[story.url] = (seed, story)

    existing = {
        url: Stored(*rest)
        for url, *rest in select_in(
            Article, "url", latest, "url", "id", "source_path", "content_hash", "published_at"
        )
    }
    creates: list[tuple[SeedFile, StoryRows]] = []
    updates: list[tuple[SeedFile, StoryRows, Stored]] = []
    for url, (seed, story) in latest.items():
        outcome = _classify(seed, existing.get(url), state)
        earlier = state.applied.get(url)
        if earlier and outcome != "duplicates":
            # An earlier file of this run wrote this story; this later one replaces it.
            _recount(counts, earlier, -1)
            counts.duplicates += 1
            outcome = earlier
        _recount(counts, outcome, +1)
        if outcome in ("created", "updated"):
            applied[url] = outcome
            if url in existing:
                updates.append((seed, story, existing[url]))
            else:
                creates.append((seed, story))
    if dry_run or not (creates or updates):
        return

    stories = [story for _, story in creates] + [story for _, story, _ in updates]
    providers = _ensure(
        Provider,
        "domain",
        (p for s in stories for p in (s.provider, *s.related_providers) if p),
    )
    categories = _ensure(Category, "slug", (s.category for s in stories if s.category))
    topics = _ensure(Topic, "slug", (topic for s in stories for topic in s.topics))

    now = time_encoder(connection.vendor)(state.now)

    def looked_up(seed: SeedFile, story: StoryRows) -> tuple[Any, ...]:
        """SOURCE_FIELDS after STORY_COLUMNS, but published_at (the caller's)."""
        return (
            categories[story.category[0]] if story.category else None,
            providers[story.provider[0]] if story.provider else None,
            seed.path,
            seed.hash,
            now,
        )

    insert_rows(
        Article,
        ("url", *SOURCE_FIELDS, "created_at", "published", "published_changed_at",
         "first_published_at"),
        (
            (story.url, *story.values, story.published_at or now, *looked_up(seed, story),
             now, story.published, now if story.published else None,
             now if story.published else None)
            for seed, story in creates
        ),
    )  # fmt: skip
    ids = dict(select_in(Article, "url", [story.url for _, story in creates], "url", "id"))
    update_rows(
        Article,
        SOURCE_FIELDS,
        (
            (*story.values, story.published_at or stored.published_at,
             *looked_up(seed, story), stored.id)
            for seed, story, stored in updates
        ),
    )  # fmt: skip
    bump_after_commit()  # readers see the batch as soon as it commits
    if updates:
        changed_ids = [stored.id for _, _, stored in updates]
        ids.update((story.url, stored.id) for _, story, stored in updates)
        ArticleTopic.objects.filter(article_id__in=changed_ids).delete()
        ArticleImage.objects.filter(article_id__in=changed_ids).delete()
        RelatedLink.objects.filter(article_id__in=changed_ids).delete()

    # A new story's topic rows carry its state and date (the topic pages' index); those of a
    # story that already existed get them from its row, by trigger, so that an editor's
    # decision committed meanwhile is what they copy (models.ArticleTopic).
    new_story = {s.url: (s.published, s.published_at or now) for _, s in creates}
    insert_rows(
        ArticleTopic,
        ("article", "topic", "published", "published_at"),
        (
            (ids[s.url], topics[slug], *new_story.get(s.url, (False, None)))
            for s in stories
            for slug, _ in s.topics
        ),
    )
    insert_rows(
        ArticleImage, IMAGE_COLUMNS, ((ids[s.url], *row) for s in stories for row in s.images)
    )
    cited = {row[_URL] for s in stories for row in s.related if row[_URL]}
    targets = dict(select_in(Article, "url", cited, "url", "id"))
    insert_rows(
        RelatedLink,
        RELATED_COLUMNS,
        (
            (ids[s.url], *row, providers[provider[0]] if provider else None,
             targets.get(row[_URL]))
            for s in stories
            for row, provider in zip(s.related, s.related_providers, strict=True)
        ),
    )  # fmt: skip
    # Stories that other stories already cite are now ours: link those citations to them.
    if creates:
        RelatedLink.objects.filter(
            target__isnull=True, url__in=[story.url for _, story in creates]
        ).update(target_id=Subquery(Article.objects.filter(url=OuterRef("url")).values("id")[:1]))


_URL = RELATED_COLUMNS.index("url") - 1  # a related row's identity ("" without a URL)


def _classify(seed: SeedFile, current: Stored | None, state: RunState) -> str:
    if current is None:
        return "created"
    if current.content_hash == seed.hash:
        return "unchanged"
    owner = state.order.get(current.source_path)
    if current.source_path != seed.path and owner is not None and owner > seed.index:
        return "duplicates"  # a later file of this run owns the story
    return "updated"


def _recount(counts: ImportSummary, outcome: str, delta: int) -> None:
    setattr(counts, outcome, getattr(counts, outcome) + delta)


def _ensure(
    model: type[Provider] | type[Category] | type[Topic], key: str, terms: Iterable[Term]
) -> dict[str, int]:
    """Key -> id for each ``(key, name)`` term (the first name of a key wins), inserting the
    rows that do not exist yet.

    ``ignore_conflicts`` and the second look-up make it safe beside a concurrent import
    that creates the same row.
    """
    names: dict[str, str] = {}
    for term_key, name in terms:
        names.setdefault(term_key, name)
    if not names:
        return {}
    ids = dict(model.objects.filter(**{f"{key}__in": names}).values_list(key, "id"))
    missing = [k for k in names if k not in ids]
    if missing:
        model.objects.bulk_create(
            [model(**{key: k, "name": names[k]}) for k in missing], ignore_conflicts=True
        )
        ids.update(model.objects.filter(**{f"{key}__in": missing}).values_list(key, "id"))
    return ids
