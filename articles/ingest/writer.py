"""Write parsed stories to the database, one batch in one transaction.

Stories are matched by their identity (the normalised URL). New ones are inserted with their
editorial state from the file; existing ones get their source fields, topics, images and
related links rewritten, and never their editorial fields. Rows go to the tables in bulk
(:mod:`.bulk`), a fixed number of statements per batch; their columns come from :mod:`.rows`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery

from articles.models import (
    Article,
    ArticleImage,
    ArticleTopic,
    Category,
    Provider,
    RelatedLink,
    Term,
    Topic,
)
from articles.search import index as search_index
from pagecache.content_version import bump_after_commit

from .bulk import insert_rows, select_in, time_encoder, update_rows
from .files import SeedFile
from .rows import (
    IMAGE_COLUMNS,
    NEW_STORY_COLUMNS,
    RELATED_COLUMNS,
    RELATED_URL,
    SOURCE_FIELDS,
    TOPIC_COLUMNS,
    KeyedName,
    LookedUp,
    NewStory,
    StoryRows,
    TopicRow,
)

OUTCOMES = ("created", "updated", "unchanged", "duplicates")


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

    def count(self, outcome: str, delta: int = 1) -> None:
        setattr(self, outcome, getattr(self, outcome) + delta)

    def __str__(self) -> str:
        text = (
            f"{self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.failed} failed"
        )
        if self.duplicates:
            text += f", {self.duplicates} duplicate{'s' if self.duplicates != 1 else ''} skipped"
        return text


@dataclass
class RunState:
    """What the run has learnt so far, kept small: one entry per story it wrote."""

    order: dict[str, int]  # path -> place in path order
    now: Any
    applied: dict[str, str] = field(default_factory=dict)  # url -> "created" or "updated"


class Stored(NamedTuple):
    """What the import needs to know of a story already in the database (raw values)."""

    id: int
    source_path: str
    content_hash: str
    published_at: Any


@dataclass
class Plan:
    """What one batch writes: the stories to create, and those to update with what is stored."""

    creates: list[tuple[SeedFile, StoryRows]] = field(default_factory=list)
    updates: list[tuple[SeedFile, StoryRows, Stored]] = field(default_factory=list)


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
                plan = _plan(parsed, counts, applied, state)
                if not dry_run and (plan.creates or plan.updates):
                    _write(plan, state)
        except IntegrityError:
            if attempt == 2:
                raise
            continue
        state.applied.update(applied)
        for outcome in OUTCOMES:
            summary.count(outcome, getattr(counts, outcome))
        return


def _plan(
    parsed: list[tuple[SeedFile, StoryRows]],
    counts: ImportSummary,
    applied: dict[str, str],
    state: RunState,
) -> Plan:
    """Sort the batch into creates and updates, counting every file's outcome."""
    # Within the batch, the later file of two with the same identity wins.
    latest: dict[str, tuple[SeedFile, StoryRows]] = {}
    for seed, story in parsed:
        if story.url in latest:
            counts.duplicates += 1
        latest[story.url] = (seed, story)

    columns = ("url", *Stored._fields)
    existing = {url: Stored(*rest) for url, *rest in select_in(Article, "url", latest, *columns)}
    plan = Plan()
    for url, (seed, story) in latest.items():
        outcome = _classify(seed, existing.get(url), state)
        earlier = state.applied.get(url)
        if earlier and outcome != "duplicates":
            # An earlier file of this run wrote this story; this later one replaces it.
            counts.count(earlier, -1)
            counts.duplicates += 1
            outcome = earlier
        counts.count(outcome)
        if outcome in ("created", "updated"):
            applied[url] = outcome
            if url in existing:
                plan.updates.append((seed, story, existing[url]))
            else:
                plan.creates.append((seed, story))
    return plan


def _classify(seed: SeedFile, current: Stored | None, state: RunState) -> str:
    if current is None:
        return "created"
    if current.content_hash == seed.hash:
        return "unchanged"
    owner = state.order.get(current.source_path)
    if current.source_path != seed.path and owner is not None and owner > seed.index:
        return "duplicates"  # a later file of this run owns the story
    return "updated"


def _write(plan: Plan, state: RunState) -> None:
    """Write the batch, and index it for search in two statements, with the index's triggers
    paused (they would index a story once per row written for it)."""
    with search_index.paused():
        search_index.forget([stored.id for _, _, stored in plan.updates])  # as indexed
        ids = _write_rows(plan, state)
        search_index.index(list(ids.values()))


def _write_rows(plan: Plan, state: RunState) -> dict[str, int]:
    creates, updates = plan.creates, plan.updates
    stories = [story for _, story in creates] + [story for _, story, _ in updates]
    providers = ensure_terms(
        Provider, (p for s in stories for p in (s.provider, *s.related_providers) if p)
    )
    categories = ensure_terms(Category, (s.category for s in stories if s.category))
    topics = ensure_terms(Topic, (topic for s in stories for topic in s.topics))
    now = time_encoder(connection.vendor)(state.now)

    def looked_up(seed: SeedFile, story: StoryRows, published_at: Any) -> LookedUp:
        return LookedUp(
            published_at=published_at,
            category=categories[story.category[0]] if story.category else None,
            provider=providers[story.provider[0]] if story.provider else None,
            source_path=seed.path,
            content_hash=seed.hash,
            updated_at=now,
        )

    def kept(stored: Stored) -> Any:
        """An undated file keeps the story's date, unless that is in the future (stored
        before future dates were refused): the story would sit atop every list."""
        return now if _after(stored.published_at, state.now) else stored.published_at

    def new_story(story: StoryRows) -> NewStory:
        when_published = now if story.published else None
        featured = story.editorial[-1]
        return NewStory(
            now, story.published, when_published, when_published, *story.editorial,
            now if featured else None,
        )  # fmt: skip

    insert_rows(
        Article,
        NEW_STORY_COLUMNS,
        (
            (story.url, *story.values, *looked_up(seed, story, story.published_at or now),
             *new_story(story))
            for seed, story in creates
        ),
    )  # fmt: skip
    ids = dict(select_in(Article, "url", [story.url for _, story in creates], "url", "id"))
    update_rows(
        Article,
        SOURCE_FIELDS,
        (
            (*story.values, *looked_up(seed, story, story.published_at or kept(stored)),
             stored.id)
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
    new = {story.url: (story.published, story.published_at or now) for _, story in creates}
    _write_children(stories, ids, new, topics, providers)
    # Stories that other stories already cite are now ours: link those citations to them.
    if creates:
        RelatedLink.objects.filter(
            target__isnull=True, url__in=[story.url for _, story in creates]
        ).update(target_id=Subquery(Article.objects.filter(url=OuterRef("url")).values("id")[:1]))
    return ids


def _write_children(
    stories: list[StoryRows],
    ids: dict[str, int],
    new: dict[str, tuple[bool, Any]],
    topics: dict[str, int],
    providers: dict[str, int],
) -> None:
    """The stories' topics, images and related links."""
    # A new story's topic rows carry its state and date (the topic pages' index); those of a
    # story that already existed get them from its row, by trigger, so that an editor's
    # decision committed meanwhile is what they copy (models.ArticleTopic).
    insert_rows(
        ArticleTopic,
        TOPIC_COLUMNS,
        (
            TopicRow(ids[s.url], topics[slug], *new.get(s.url, (False, None)))
            for s in stories
            for slug, _ in s.topics
        ),
    )
    insert_rows(
        ArticleImage, IMAGE_COLUMNS, ((ids[s.url], *row) for s in stories for row in s.images)
    )
    cited = {row[RELATED_URL] for s in stories for row in s.related if row[RELATED_URL]}
    targets = dict(select_in(Article, "url", cited, "url", "id"))
    insert_rows(
        RelatedLink,
        RELATED_COLUMNS,
        (
            (ids[s.url], *row, providers[provider[0]] if provider else None,
             targets.get(row[RELATED_URL]))
            for s in stories
            for row, provider in zip(s.related, s.related_providers, strict=True)
        ),
    )  # fmt: skip


def _after(stored: Any, now: dt.datetime) -> bool:
    """Whether a date as the database driver returned it is after ``now`` (SQLite's come
    naive, in UTC; as text when read without the ORM's converters)."""
    if stored is None:
        return False
    if isinstance(stored, str):
        stored = dt.datetime.fromisoformat(stored)
    if stored.tzinfo is None:
        stored = stored.replace(tzinfo=dt.UTC)
    return stored > now


def ensure_terms(model: type[Term], terms: Iterable[KeyedName]) -> dict[str, int]:
    """Key -> id for each ``(key, name)`` topic, category or provider, keyed by its model's
    ``url_key`` (the first name of a key wins), inserting the rows that do not exist yet.

    ``ignore_conflicts`` and the second look-up make it safe beside a concurrent import
    that creates the same row.
    """
    key = model.url_key
    names: dict[str, str] = {}
    for term_key, name in terms:
        names.setdefault(term_key, name)
    if not names:
        return {}
    ids = dict(select_in(model, key, names, key, "id"))
    missing = [k for k in names if k not in ids]
    if missing:
        model.objects.bulk_create(
            [model(**{key: k, "name": names[k]}) for k in missing], ignore_conflicts=True
        )
        ids.update(select_in(model, key, missing, key, "id"))
    return ids
