"""Write parsed seed records to the database, one batch in one transaction.

Stories are matched by their identity (the normalised URL). New ones are inserted with their
editorial state from the file; existing ones get their source fields, topics, images and
related links rewritten, and never their editorial fields. Rows go to the tables in bulk
(COPY on PostgreSQL, executemany on SQLite), a fixed number of statements per batch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery

from .bulk import insert_rows, select_in
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
from .seeds import ArticleRecord

SOURCE_FIELDS = (
    "slug", "title", "excerpt", "body", "original_url", "web_url", "amp_url", "cdn_amp_url",
    "published_at", "source_updated_at", "type", "quality", "heat", "locale", "category",
    "provider", "secured", "extra", "source_path", "content_hash", "updated_at",
)  # fmt: skip


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


def write_batch(
    parsed: list[tuple[SeedFile, ArticleRecord]],
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
    parsed: list[tuple[SeedFile, ArticleRecord]],
    counts: ImportSummary,
    applied: dict[str, str],
    state: RunState,
    dry_run: bool,
) -> None:
    # Within the batch, the later file of two with the same identity wins.
    latest: dict[str, tuple[SeedFile, ArticleRecord]] = {}
    for seed, record in parsed:
        if record.url in latest:
            counts.duplicates += 1
        latest[record.url] = (seed, record)

    existing = {
        article.url: article
        for article in Article.objects.filter(url__in=list(latest)).only(
            "id", "url", "source_path", "content_hash", "published_at"
        )
    }
    creates: list[tuple[SeedFile, ArticleRecord]] = []
    updates: list[tuple[SeedFile, ArticleRecord, Article]] = []
    for url, (seed, record) in latest.items():
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
                updates.append((seed, record, existing[url]))
            else:
                creates.append((seed, record))
    if dry_run or not (creates or updates):
        return

    records = [r for _, r in creates] + [r for _, r, _ in updates]
    providers = _ensure_providers(records)
    categories = _ensure_terms(Category, (r.category for r in records))
    topics = _ensure_terms(Topic, (t for r in records for t in r.topics))

    now = state.now
    insert_rows(
        Article,
        ("url", *SOURCE_FIELDS, "created_at", "published", "published_changed_at",
         "first_published_at"),
        (
            (record.url, *_source_values(seed, record, providers, categories, now), now,
             record.published, now if record.published else None,
             now if record.published else None)
            for seed, record in creates
        ),
    )  # fmt: skip
    ids = dict(select_in(Article, "url", [r.url for _, r in creates], "url", "id"))
    changed = []
    for seed, record, current in updates:
        article = Article(pk=current.pk)
        values = _source_values(seed, record, providers, categories, now)
        for name, value in zip(SOURCE_FIELDS, values, strict=True):
            setattr(article, Article._meta.get_field(name).attname, value)
        article.published_at = record.published_at or current.published_at
        changed.append(article)
        ids[record.url] = current.pk
    Article.objects.bulk_update(changed, SOURCE_FIELDS, batch_size=100)
    bump_after_commit()  # readers see the batch as soon as it commits
    if changed:
        changed_ids = [a.pk for a in changed]
        ArticleTopic.objects.filter(article_id__in=changed_ids).delete()
        ArticleImage.objects.filter(article_id__in=changed_ids).delete()
        RelatedLink.objects.filter(article_id__in=changed_ids).delete()

    # A new story's topic rows carry its state and date (the topic pages' index); those of a
    # story that already existed get them from its row, by trigger, so that an editor's
    # decision committed meanwhile is what they copy (models.ArticleTopic).
    new_story = {r.url: (r.published, r.published_at or now) for _, r in creates}
    insert_rows(
        ArticleTopic,
        ("article", "topic", "published", "published_at"),
        (
            (ids[r.url], topic_id, *new_story.get(r.url, (False, None)))
            for r in records
            for topic_id in dict.fromkeys(topics[term_slug(name)] for name in r.topics)
        ),
    )
    insert_rows(
        ArticleImage,
        ("article", "position", "url", "width", "height", "is_cached", "title", "attribution",
         "extra"),
        (
            (ids[r.url], i, img.url, img.width, img.height, img.is_cached, img.title,
             img.attribution, img.extra)
            for r in records
            for i, img in enumerate(r.images)
        ),
    )  # fmt: skip
    _create_related(ids, records, providers)
    # Stories that other stories already cite are now ours: link those citations to them.
    if creates:
        RelatedLink.objects.filter(target__isnull=True, url__in=[r.url for _, r in creates]).update(
            target_id=Subquery(Article.objects.filter(url=OuterRef("url")).values("id")[:1])
        )


def _classify(seed: SeedFile, current: Article | None, state: RunState) -> str:
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


def _source_values(
    seed: SeedFile,
    record: ArticleRecord,
    providers: dict[str, int],
    categories: dict[str, int],
    now: Any,
) -> tuple[Any, ...]:
    """The values of SOURCE_FIELDS, in that order, for one story."""
    return (
        make_slug(record.title),
        record.title,
        record.excerpt,
        record.body,
        record.original_url,
        record.web_url,
        record.amp_url,
        record.cdn_amp_url,
        record.published_at or now,
        record.updated_at,
        record.type,
        record.quality,
        record.heat,
        record.locale,
        categories.get(term_slug(record.category)) if record.category else None,
        providers.get(record.provider.domain) if record.provider else None,
        record.secured,
        record.extra,
        seed.path,
        seed.hash,
        now,
    )


def _create_related(
    ids: dict[str, int], records: list[ArticleRecord], providers: dict[str, int]
) -> None:
    urls = {item.url for r in records for item in r.related if item.url}
    targets = dict(select_in(Article, "url", urls, "url", "id"))
    insert_rows(
        RelatedLink,
        ("article", "position", "title", "excerpt", "url", "web_url", "amp_url", "cdn_amp_url",
         "published_at", "type", "quality", "provider", "target", "extra"),
        (
            (ids[r.url], i, item.title, item.excerpt, item.url, item.web_url, item.amp_url,
             item.cdn_amp_url, item.published_at, item.type, item.quality,
             providers.get(item.provider.domain) if item.provider else None,
             targets.get(item.url), item.extra)
            for r in records
            for i, item in enumerate(r.related)
        ),
    )  # fmt: skip


def _ensure_providers(records: list[ArticleRecord]) -> dict[str, int]:
    """Domain -> id for every provider the records name, creating the missing ones."""
    names: dict[str, str] = {}
    for record in records:
        for provider in (record.provider, *(item.provider for item in record.related)):
            if provider:
                names.setdefault(provider.domain, provider.name)
    return _ensure(Provider, "domain", names)


def _ensure_terms(model: type[Category] | type[Topic], names: Iterable[str]) -> dict[str, int]:
    """Slug -> id for every named topic or category, creating the missing ones."""
    by_slug: dict[str, str] = {}
    for name in names:
        if name:
            by_slug.setdefault(term_slug(name), name)
    return _ensure(model, "slug", by_slug)


def _ensure(
    model: type[Provider] | type[Category] | type[Topic], key: str, names: dict[str, str]
) -> dict[str, int]:
    """Key -> id for each ``key: name`` pair, inserting the rows that do not exist yet.

    ``ignore_conflicts`` and the second look-up make it safe beside a concurrent import
    that creates the same row.
    """
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
