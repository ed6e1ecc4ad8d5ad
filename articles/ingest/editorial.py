"""A seed file's editorial mapping: what the editors decided of a story, kept apart from what
its source says, under ``newsroom:`` (``python manage.py export_seeds`` writes it)::

    published: true            # the editorial state, at the top level as in every seed file
    newsroom:
      title: Our headline      # blank or missing: the source's title
      excerpt: Our summary     # blank or missing: the source's excerpt
      publishAt: 2026-12-01T08:00:00Z
      unpublishAt: 2026-12-31T23:00:00Z
      featured: true

An import applies it when it creates a story, as it does ``published``; a story that exists
keeps its editors' fields. Unknown keys in the mapping are refused: it is ours.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from articles.overrides import clean_override

from .fields import kind, read_boolean, read_date_time, read_text
from .records import NO_EDITORIAL, EditorialRecord, SeedError

EDITORIAL_KEY = "newsroom"
EDITORIAL_KEYS = ("title", "excerpt", "publishAt", "unpublishAt", "featured")


def state_text(published: bool, record: EditorialRecord) -> str:
    """The editorial state as one canonical text: what a file says (kept by the import beside
    its front matter) and what the database holds compare equal when they agree."""
    times = [value.astimezone(dt.UTC).isoformat() if value else None
             for value in (record.publish_at, record.unpublish_at)]  # fmt: skip
    values = [published, record.title_override, record.excerpt_override, *times, record.featured]
    return json.dumps(values, ensure_ascii=False)


def editorial(data: dict[str, Any]) -> EditorialRecord:
    """The file's ``newsroom:`` mapping as a record (none: the defaults)."""
    value = data.get(EDITORIAL_KEY)
    if value is None:
        return NO_EDITORIAL
    if not isinstance(value, dict):
        raise SeedError(f"{EDITORIAL_KEY}: expected a mapping, got a {kind(value)}")
    unknown = sorted(str(key) for key in value if key not in EDITORIAL_KEYS)
    if unknown:
        raise SeedError(f"{EDITORIAL_KEY}: unknown field {unknown[0]!r:.80}")
    record = EditorialRecord(
        title_override=clean_override(read_text(value, "title", where=EDITORIAL_KEY)),
        excerpt_override=clean_override(read_text(value, "excerpt", where=EDITORIAL_KEY)),
        publish_at=read_date_time(value, "publishAt", where=EDITORIAL_KEY),
        unpublish_at=read_date_time(value, "unpublishAt", where=EDITORIAL_KEY),
        featured=read_boolean(value, "featured", where=EDITORIAL_KEY),
    )
    if record.publish_at and record.unpublish_at and record.unpublish_at <= record.publish_at:
        raise SeedError(f"{EDITORIAL_KEY}.unpublishAt: not after publishAt")
    return record
