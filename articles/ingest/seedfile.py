"""Parse and validate one seed file into typed records (:mod:`.records`).

A seed file is one news item: a YAML front-matter block between ``---`` lines, then an
optional body. python-frontmatter finds the block; the project's YAML loader (:mod:`.loader`)
reads it. This module knows the format and nothing about the database, so it runs in the
parser processes and is tested on its own. Every problem is reported as a
:class:`~.records.SeedError` whose message names the field and what is wrong with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any
from urllib.parse import urlsplit

import frontmatter
import yaml

from .editorial import EDITORIAL_KEY, editorial
from .fields import (
    DOMAIN,
    MAX_DEPTH,
    MAX_NAME_LENGTH,
    MAX_SHORT_LENGTH,
    MAX_TITLE_LENGTH,
    UnusableUrl,
    has_nul,
    kind,
    normalise_url,
    one_line,
    read_boolean,
    read_date_time,
    read_integer,
    read_items,
    read_text,
    read_topics,
    read_unknown,
    read_url,
)
from .loader import SeedLoader
from .records import ArticleRecord, ImageRecord, ProviderRecord, RelatedRecord, SeedError

# Bump when the mapping from file to records changes, so that a re-import re-applies
# every file instead of skipping it as unchanged.
FORMAT_VERSION = b"newsroom-seed-v4\n"  # v4: at most MAX_TOPICS topics

DEFAULT_MAX_BYTES = 1024 * 1024
# Images or related items one file may have: their position is a small integer.
MAX_ITEMS = 32767
# Topics a story keeps (real feed items carry a handful; tagged news APIs tens at most): a file
# with more keeps its first ones, with a line; its front matter keeps them all.
MAX_TOPICS = 50
# A story dated further ahead than this is dated when imported (clocks differ a little).
FUTURE_GRACE = dt.timedelta(hours=1)
# Where such a story keeps the date its file gave.
FUTURE_DATE_KEY = "publishedDateTime"
# The YAML escapes that make a NUL.
_NUL_ESCAPES = re.compile(r"\\(?:0|x00|u0000|U00000000)")


class SeedHandler(frontmatter.YAMLHandler):
    """python-frontmatter's YAML handler, reading the block with :class:`.loader.SeedLoader`.

    Its boundary is the library's (``^-{3,}\\s*$``, line by line) written to begin with the
    literal ``---``, so that the regular expression engine jumps from one ``---`` to the next
    instead of trying every character of the file (docs/PERFORMANCE.md);
    ``tests/ingest/test_seed_files.py`` checks that both split every text alike.
    """

    FM_BOUNDARY = re.compile(r"---(?<![^\n]---)-*\s*$", re.MULTILINE)

    def load(self, fm: str, **kwargs: object) -> Any:
        return yaml.load(fm, Loader=SeedLoader)  # SeedLoader is a safe loader


_HANDLER = SeedHandler()

ARTICLE_KEYS = frozenset(
    {
        "title", "excerpt", "category", "publishedDateTime", "updatedDateTime", "originalUrl",
        "webUrl", "ampWebUrl", "cdnAmpWebUrl", "type", "quality", "heat", "published",
        "locale", "provider", "topics", "images", "related", "secured", EDITORIAL_KEY,
    }
)  # fmt: skip
PROVIDER_KEYS = frozenset({"name", "domain"})
IMAGE_KEYS = frozenset({"url", "width", "height", "isCached", "title", "attribution"})
RELATED_KEYS = frozenset(
    {
        "title", "excerpt", "publishedDateTime", "webUrl", "originalUrl", "ampWebUrl",
        "cdnAmpWebUrl", "type", "provider", "quality",
    }
)  # fmt: skip


def content_hash(raw: bytes) -> str:
    """The fingerprint that tells an unchanged file from a changed one."""
    return hashlib.sha256(FORMAT_VERSION + raw).hexdigest()


def parse_seed(raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ArticleRecord:
    """Turn the bytes of one seed file into an :class:`ArticleRecord` or raise SeedError."""
    if not raw.strip():
        raise SeedError("empty file")
    if len(raw) > max_bytes:
        raise SeedError(f"file is {len(raw):,} bytes, over the {max_bytes:,}-byte limit")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SeedError(
            f"not UTF-8: byte 0x{raw[exc.start]:02x} on line {line} cannot be decoded"
        ) from None
    if "\x00" in text:
        raise SeedError("contains a NUL character (binary file?)")
    data, body, fm = _load_front_matter(text.lstrip("\ufeff"))
    if "*" in fm:  # without an alias there is nothing to expand
        _check_expansion(data, budget=max(4 * len(raw), 65536))
    try:
        record = _article(data, body)._replace(front_matter=fm)
    except RecursionError:
        raise SeedError(f"front matter is nested more than {MAX_DEPTH} levels deep") from None
    if "\\" in fm and _NUL_ESCAPES.search(fm):  # the text has no NUL: only an escape can
        _refuse_nul(record)
    return record


def _refuse_nul(record: ArticleRecord) -> None:
    """Text fields lose their NULs (:func:`.fields.clean`); one anywhere else is refused, as
    PostgreSQL can store none."""
    values: list[tuple[str, Any]] = [("secured", record.secured), ("extra", record.extra)]
    values += [(f"images[{i}]", image.extra) for i, image in enumerate(record.images)]
    values += [(f"related[{i}]", item.extra) for i, item in enumerate(record.related)]
    for where, value in values:
        if has_nul(value):
            raise SeedError(f"{where}: contains a NUL character, which cannot be stored")


def _load_front_matter(text: str) -> tuple[dict[str, Any], str, str]:
    stripped = text.strip()  # as frontmatter.parse() strips
    if not _HANDLER.detect(stripped):
        raise SeedError("no front matter: the file must start with a '---' line")
    try:
        fm, body = _HANDLER.split(stripped)
    except ValueError:
        raise SeedError("no front matter: the closing '---' line is missing") from None
    try:
        data = _HANDLER.load(fm)
    except yaml.MarkedYAMLError as exc:
        skipped_lines = text[: len(text) - len(text.lstrip())].count("\n")
        raise SeedError(f"invalid YAML: {_describe_yaml_error(exc, skipped_lines)}") from None
    except yaml.YAMLError as exc:
        raise SeedError(f"invalid YAML: {one_line(str(exc))}") from None
    except RecursionError:
        raise SeedError("invalid YAML: nested too deeply") from None
    if data is None:
        raise SeedError("front matter is empty")
    if not isinstance(data, dict):
        raise SeedError(f"front matter is a {kind(data)}, expected a mapping of fields")
    return data, body.strip(), fm


def _describe_yaml_error(exc: yaml.MarkedYAMLError, skipped_lines: int) -> str:
    problem = exc.problem or exc.context or "cannot parse"
    if "constructor for the tag" in problem:
        tag = problem.split("tag", 1)[1].strip(" '").replace("tag:yaml.org,2002:", "!!")
        problem = f"tag '{tag}' is not allowed"
    mark = exc.problem_mark or exc.context_mark
    # The front matter text starts with the newline that ends the opening '---' line.
    line = mark.line + 1 + skipped_lines if mark else 0
    where = f" (line {line}, column {mark.column + 1})" if mark else ""
    return one_line(problem) + where


def _check_expansion(data: Any, *, budget: int) -> None:
    """Reject alias bombs and self-referencing aliases before anything walks the data.

    YAML aliases make shared references; expanded, a small file can stand for gigabytes.
    We count the size the data would have written out and stop as soon as it exceeds a
    budget proportional to the file, so the check itself stays cheap.
    """
    stack: list[tuple[Any, int]] = [(data, 0)]
    used = 0
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise SeedError(
                f"front matter is nested more than {MAX_DEPTH} levels deep "
                "(or a YAML alias refers to itself)"
            )
        used += len(value) if isinstance(value, str | bytes) else 1
        if used > budget:
            raise SeedError("front matter expands far beyond the file's size (YAML alias bomb?)")
        if isinstance(value, dict):
            for key, item in value.items():
                stack.append((key, depth + 1))
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


def _article(data: dict[str, Any], body: str) -> ArticleRecord:
    original_url = read_url(data, "originalUrl")
    web_url = read_url(data, "webUrl")
    source = original_url or web_url
    if not source:
        raise SeedError("originalUrl: missing (and no webUrl either)")
    url = normalise_url(source)
    title = read_text(data, "title", max_length=MAX_TITLE_LENGTH)
    if not title:
        raise SeedError("title: missing")
    provider = _provider(data.get("provider"), "provider", url)
    extra = read_unknown(data, ARTICLE_KEYS)
    if isinstance(data.get("provider"), dict):
        provider_extra = read_unknown(data["provider"], PROVIDER_KEYS, depth=2)
        if provider_extra:
            extra["provider"] = provider_extra
    published_at = read_date_time(data, "publishedDateTime")
    if published_at and published_at > dt.datetime.now(dt.UTC) + FUTURE_GRACE:
        # A story from the future would sit on top of every list until then: it is dated
        # when imported, as an undated one is, and keeps its file's date here.
        extra[FUTURE_DATE_KEY] = published_at.isoformat()
        published_at = None
    warnings: list[str] = []
    return ArticleRecord(
        url=url,
        original_url=original_url,
        web_url=web_url,
        amp_url=read_url(data, "ampWebUrl"),
        cdn_amp_url=read_url(data, "cdnAmpWebUrl"),
        title=title,
        excerpt=read_text(data, "excerpt"),
        body=body,
        published_at=published_at,
        updated_at=read_date_time(data, "updatedDateTime"),
        type=read_text(data, "type", max_length=MAX_SHORT_LENGTH).lower() or "article",
        quality=read_integer(data, "quality"),
        heat=read_integer(data, "heat"),
        locale=read_text(data, "locale", max_length=MAX_SHORT_LENGTH),
        category=read_text(data, "category", max_length=MAX_NAME_LENGTH),
        published=read_boolean(data, "published"),
        secured=_secured(data),
        provider=provider,
        topics=read_topics(data, MAX_TOPICS, warnings),
        images=tuple(
            _image(item, f"images[{i}]")
            for i, item in enumerate(read_items(data, "images", MAX_ITEMS))
        ),
        related=_related_items(data, warnings),
        extra=extra,
        warnings=tuple(warnings),
        editorial=editorial(data),
    )


def _related_items(data: dict[str, Any], warnings: list[str]) -> tuple[RelatedRecord, ...]:
    """The related items; one whose URL cannot be used is dropped, with a warning, rather
    than costing the story."""
    kept = []
    for i, item in enumerate(read_items(data, "related", MAX_ITEMS)):
        try:
            kept.append(_related(item, f"related[{i}]"))
        except UnusableUrl as exc:
            warnings.append(f"{exc}; related[{i}] dropped")
    return tuple(kept)


def _provider(value: Any, where: str, url: str) -> ProviderRecord | None:
    """The publisher; without a domain of its own, the host of the story's URL stands in."""
    if value is None:
        return None
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict):
        raise SeedError(f"{where}: expected a mapping with name and domain, got a {kind(value)}")
    name = read_text(value, "name", where=where, max_length=MAX_NAME_LENGTH)
    domain = read_text(value, "domain", where=where, max_length=253).lower().removeprefix("www.")
    if domain and not DOMAIN.fullmatch(domain):
        raise SeedError(f"{where}.domain: not a domain name: {domain!r:.80}")
    if not name and not domain:
        return None
    if not domain:
        domain = (urlsplit(url).hostname or "").removeprefix("www.") if url else ""
        if not domain:
            return None
    return ProviderRecord(name=name or domain, domain=domain)


def _image(value: Any, where: str) -> ImageRecord:
    if isinstance(value, str):
        value = {"url": value}
    if not isinstance(value, dict):
        raise SeedError(
            f"{where}: expected a mapping with url, width and height, got a {kind(value)}"
        )
    url = read_url(value, "url", where=where)
    if not url:
        raise SeedError(f"{where}.url: missing")
    return ImageRecord(
        url=url,
        width=read_integer(value, "width", where=where, minimum=1),
        height=read_integer(value, "height", where=where, minimum=1),
        is_cached=read_boolean(value, "isCached", where=where),
        title=read_text(value, "title", where=where),
        attribution=read_text(value, "attribution", where=where),
        extra=read_unknown(value, IMAGE_KEYS, depth=3),
    )


def _related(value: Any, where: str) -> RelatedRecord:
    if not isinstance(value, dict):
        raise SeedError(f"{where}: expected a mapping of fields, got a {kind(value)}")
    web_url = read_url(value, "webUrl", where=where) or read_url(value, "originalUrl", where=where)
    extra = read_unknown(value, RELATED_KEYS, depth=3)
    if isinstance(value.get("provider"), dict):
        provider_extra = read_unknown(value["provider"], PROVIDER_KEYS, depth=4)
        if provider_extra:
            extra["provider"] = provider_extra
    return RelatedRecord(
        title=read_text(value, "title", where=where, max_length=MAX_TITLE_LENGTH),
        excerpt=read_text(value, "excerpt", where=where),
        url=normalise_url(web_url) if web_url else "",
        web_url=web_url,
        amp_url=read_url(value, "ampWebUrl", where=where),
        cdn_amp_url=read_url(value, "cdnAmpWebUrl", where=where),
        published_at=read_date_time(value, "publishedDateTime", where=where),
        type=read_text(value, "type", where=where, max_length=MAX_SHORT_LENGTH).lower(),
        quality=read_integer(value, "quality", where=where),
        provider=_provider(value.get("provider"), f"{where}.provider", web_url),
        extra=extra,
    )


def _secured(data: dict[str, Any]) -> str:
    value = data.get("secured")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SeedError(f"secured: expected the sealed text 'ciphertext;iv', got a {kind(value)}")
    return value
