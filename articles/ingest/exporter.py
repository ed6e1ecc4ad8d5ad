"""Stories back to seed files (``python manage.py export_seeds DIR``): one file per story, in
the seed format, that an import reads back into the same story.

A story's file is its source's front matter as the import read it (kept by the import in
``Article.front_matter``: every field, unknown ones at every level, nulls, dates, ``secured``
byte for byte, in the file's order), then its body. The editorial state is written where an
import reads it when it creates a story: ``published`` at the top level, and the editors'
fields in the ``newsroom:`` mapping (:mod:`.editorial`), present only when one is set. When
the state is what the file already says (the import keeps that too,
``front_matter_state``), the front matter is written as it was, without parsing it; else it
is read, given the state, and written out by PyYAML's safe dumper with fixed settings. A
story imported before the import kept its front matter (or made by hand) is written from its
fields instead (:func:`document_from_fields`).

Files are named after the story's identity (a hash of its normalised URL), so the same story
has the same name in any database, and the same story makes the same bytes: an import of an
export, exported again, gives the same files. Each file is written beside its name and
renamed into place: a full disk or a crash leaves no half-written file under a story's name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from articles.models import Article

from .editorial import EDITORIAL_KEY, state_text
from .loader import SeedLoader
from .records import EditorialRecord

CHUNK = 1000  # stories read per query
WRITERS = 8  # threads writing files
IN_FLIGHT = 2 * CHUNK  # files made but not yet written, at most (memory stays flat)
YAML_WIDTH = 100  # where the dumper folds long text: fixed, so the bytes are too
SEED_SUFFIX = ".txt"
NEWLINES = "\r\n"


class ExportError(Exception):
    """A user's mistake or a write that failed; the message is one line."""


@dataclass
class ExportSummary:
    stories: int = 0  # to export
    written: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        return f"{self.written} {'story' if self.written == 1 else 'stories'} written"


class Row(NamedTuple):
    """What an export reads of a story."""

    pk: int
    url: str
    front_matter: str
    body: str
    published: bool
    title_override: str
    excerpt_override: str
    publish_at: dt.datetime | None
    unpublish_at: dt.datetime | None
    featured: bool
    front_matter_state: str


def export_seeds(
    folder: str | os.PathLike[str],
    *,
    published_only: bool = False,
    since: dt.datetime | None = None,
    overwrite: bool = False,
    on_progress: Callable[[ExportSummary], None] | None = None,
) -> ExportSummary:
    """Write every story (or only those readers see now, or those dated ``since`` or later)
    as a seed file into ``folder``; returns what was written."""
    started = time.perf_counter()
    target = _prepare(Path(folder), overwrite)
    stories = Article.objects.published() if published_only else Article.objects.all()
    if since is not None:
        stories = stories.filter(published_at__gte=since)
    stories = stories.order_by("pk")
    summary = ExportSummary(stories=stories.count())

    def done(write: Future[None]) -> None:
        write.result()  # raises the write's ExportError
        summary.written += 1
        if on_progress and summary.written % CHUNK == 0:
            on_progress(summary)

    # Files are made by a few threads: creating one waits on the disk, not on Python.
    pool = ThreadPoolExecutor(WRITERS, thread_name_prefix="export-writer")
    pending: deque[Future[None]] = deque()
    try:
        for row in _rows(stories):
            pending.append(pool.submit(write_file, target / file_name(row.url), seed_bytes(row)))
            if len(pending) >= IN_FLIGHT:
                done(pending.popleft())
        while pending:
            done(pending.popleft())
    finally:
        pool.shutdown(cancel_futures=True)
    summary.seconds = time.perf_counter() - started
    return summary


def _prepare(folder: Path, overwrite: bool) -> Path:
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder}: not a folder")
    if folder.is_dir() and not overwrite and any(folder.iterdir()):
        raise ExportError(f"{folder}: the folder has files; pass --overwrite to write over them")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{folder}: cannot create the folder: {exc.strerror}") from None
    return folder


def _rows(stories: Any) -> Iterator[Row]:
    for values in stories.values_list(*Row._fields).iterator(chunk_size=CHUNK):
        yield Row(*values)


def file_name(url: str) -> str:
    """The story's file name: a hash of its identity, the same in every database."""
    return hashlib.sha256(url.encode()).hexdigest()[:20] + SEED_SUFFIX


def seed_bytes(row: Row) -> bytes:
    """The story's seed file: its front matter as it was when its editorial state is the
    file's (most stories: nothing to parse or write out again), else rewritten with it."""
    body = f"\n{row.body}\n" if row.body else ""
    if row.front_matter and row.front_matter_state == state_text(*_editorial(row)):
        return f"---\n{row.front_matter.strip(NEWLINES)}\n---\n{body}".encode()
    if row.front_matter:
        source = yaml.load(row.front_matter, Loader=SeedLoader)  # as the import read it
    else:
        source = document_from_fields(Article.objects.get(pk=row.pk))
    document = with_editorial_state(source, row)
    front = yaml.dump(
        document,
        Dumper=yaml.CSafeDumper,
        sort_keys=False,
        allow_unicode=True,
        width=YAML_WIDTH,
        default_flow_style=False,
    )
    return f"---\n{front}---\n{body}".encode()


def _editorial(row: Row) -> tuple[bool, EditorialRecord]:
    record = EditorialRecord(
        row.title_override, row.excerpt_override, row.publish_at, row.unpublish_at, row.featured
    )
    return row.published, record


def with_editorial_state(source: dict[str, Any], row: Row) -> dict[str, Any]:
    """The source's fields with the editors' state where an import reads it: ``published``
    (in its place when the file had it; added when true), and the ``newsroom:`` mapping with
    the editors' fields that are set, last."""
    document = {key: value for key, value in source.items() if key != EDITORIAL_KEY}
    if row.published or "published" in document:
        document["published"] = row.published
    mapping: dict[str, Any] = {}
    if row.title_override:
        mapping["title"] = row.title_override
    if row.excerpt_override:
        mapping["excerpt"] = row.excerpt_override
    if row.publish_at:
        mapping["publishAt"] = utc_text(row.publish_at)
    if row.unpublish_at:
        mapping["unpublishAt"] = utc_text(row.unpublish_at)
    if row.featured:
        mapping["featured"] = True
    if mapping:
        document[EDITORIAL_KEY] = mapping
    return document


def utc_text(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def document_from_fields(article: Article) -> dict[str, Any]:
    """A story's seed fields made from what the database holds (for a story without its
    front matter): the import's names, empty values left out, unknown fields as kept."""
    extra = dict(article.extra or {})
    provider_extra = extra.pop("provider", {})
    document: dict[str, Any] = {
        "category": article.category.name if article.category else "",
        "title": article.title,
        "excerpt": article.excerpt,
        "publishedDateTime": utc_text(article.published_at),
        "updatedDateTime": utc_text(article.source_updated_at) if article.source_updated_at else "",
        "originalUrl": article.original_url or article.url,
        "webUrl": article.web_url,
        "ampWebUrl": article.amp_url,
        "cdnAmpWebUrl": article.cdn_amp_url,
        "type": article.type,
        "quality": article.quality,
        "heat": article.heat,
        "locale": article.locale,
        "provider": (
            {"name": article.provider.name, "domain": article.provider.domain, **provider_extra}
            if article.provider
            else None
        ),
        "topics": [topic.name for topic in article.topics.order_by("articletopic__pk")],
        "images": [_image(image) for image in article.images.order_by("position")],
        "related": [_related(link) for link in article.related_links.order_by("position")],
        "secured": article.secured,
    }
    return {**_without_empty(document), **extra}


def _image(image: Any) -> dict[str, Any]:
    return _without_empty(
        {
            "url": image.url, "width": image.width, "height": image.height,
            "isCached": image.is_cached, "title": image.title,
            "attribution": image.attribution, **(image.extra or {}),
        }
    )  # fmt: skip


def _related(link: Any) -> dict[str, Any]:
    extra = dict(link.extra or {})
    provider_extra = extra.pop("provider", {})
    provider = link.provider
    return _without_empty(
        {
            "title": link.title, "excerpt": link.excerpt,
            "publishedDateTime": utc_text(link.published_at) if link.published_at else "",
            "webUrl": link.web_url, "ampWebUrl": link.amp_url, "cdnAmpWebUrl": link.cdn_amp_url,
            "type": link.type, "quality": link.quality,
            "provider": (
                {"name": provider.name, "domain": provider.domain, **provider_extra}
                if provider else None
            ),
            **extra,
        }
    )  # fmt: skip


def _without_empty(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value not in (None, "", [])}


def write_file(path: Path, content: bytes) -> None:
    """Write the file beside its name, then rename it into place: a failed write (a full
    disk) leaves the old file or none, never a half-written one."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with open(partial, "wb") as stream:
            stream.write(content)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ExportError(f"{path}: cannot write: {exc.strerror or exc}") from None
