"""Parse and validate one seed file into typed records.

A seed file is one news item: a YAML front-matter block between ``---`` lines, then an
optional body. This module knows the format and nothing about the database, so it can run
in worker processes and be tested on its own. Every problem is reported as a
:class:`SeedError` whose message names the field and what is wrong with it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import math
import re
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import frontmatter
import yaml

from .seedyaml import SeedLoader

# Bump when the mapping from file to records changes, so that a re-import re-applies
# every file instead of skipping it as unchanged.
FORMAT_VERSION = b"newsroom-seed-v1\n"

DEFAULT_MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_URL_LENGTH = 2000
MAX_TITLE_LENGTH = 1000
MAX_NAME_LENGTH = 200
MAX_SHORT_LENGTH = 64

_YAML = frontmatter.YAMLHandler()
_BOUNDARY = _YAML.FM_BOUNDARY

ARTICLE_KEYS = frozenset(
    {
        "title", "excerpt", "category", "publishedDateTime", "updatedDateTime", "originalUrl",
        "webUrl", "ampWebUrl", "cdnAmpWebUrl", "type", "quality", "heat", "published",
        "locale", "provider", "topics", "images", "related", "secured",
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


def content_hash(raw: bytes) -> str:
    """The fingerprint that tells an unchanged file from a changed one."""
    return hashlib.sha256(FORMAT_VERSION + raw).hexdigest()


# An absolute http(s) URL: scheme, optional user info, a host (name or [IPv6]), optional
# port, then path, query and fragment. No spaces or control characters anywhere.
_HTTP_URL = re.compile(
    r"(?P<scheme>https?)://(?P<user>[^/?#@\s]*@)?"
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[^/?#:@\s\[\]]+)(?P<port>:\d{0,5})?"
    r"(?P<rest>[/?#][^\s\x00-\x1f\x7f]*)?",
    re.IGNORECASE,
)


def normalise_url(url: str) -> str:
    """The identity form of an http(s) URL: scheme and host lower-cased, fragment dropped."""
    match = _HTTP_URL.fullmatch(url)
    if match is None:
        raise ValueError(f"not an http(s) URL: {url!r:.80}")
    scheme, user, host, port, rest = match.group("scheme", "user", "host", "port", "rest")
    rest = (rest or "").partition("#")[0]
    if not rest.startswith("/"):
        rest = "/" + rest
    return f"{scheme.lower()}://{user or ''}{host.lower()}{port or ''}{rest}"


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
        return _article(data, body)
    except RecursionError:
        raise SeedError(f"front matter is nested more than {MAX_DEPTH} levels deep") from None


def split_front_matter(text: str) -> tuple[str, str]:
    """The front matter and the body, split where python-frontmatter splits them (at the
    first two ``---`` lines), looking only at lines that start with ``---``."""
    first = _BOUNDARY.match(text)
    if first is None:
        raise SeedError("no front matter: the file must start with a '---' line")
    at = first.end()
    while (at := text.find("\n---", at)) >= 0:
        second = _BOUNDARY.match(text, at + 1)
        if second:
            return text[first.end() : second.start()], text[second.end() :]
        at += 1
    raise SeedError("no front matter: the closing '---' line is missing")


def _load_front_matter(text: str) -> tuple[dict[str, Any], str, str]:
    stripped = text.lstrip()
    fm, body = split_front_matter(stripped)
    try:
        data = _YAML.load(fm, Loader=SeedLoader)
    except yaml.MarkedYAMLError as exc:
        skipped_lines = text[: len(text) - len(stripped)].count("\n")
        raise SeedError(f"invalid YAML: {_describe_yaml_error(exc, skipped_lines)}") from None
    except yaml.YAMLError as exc:
        raise SeedError(f"invalid YAML: {_one_line(str(exc))}") from None
    except RecursionError:
        raise SeedError("invalid YAML: nested too deeply") from None
    if data is None:
        raise SeedError("front matter is empty")
    if not isinstance(data, dict):
        raise SeedError(f"front matter is a {_kind(data)}, expected a mapping of fields")
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
    return _one_line(problem) + where


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
    original_url = _url(data, "originalUrl")
    web_url = _url(data, "webUrl")
    source = original_url or web_url
    if not source:
        raise SeedError("originalUrl: missing (and no webUrl either)")
    url = normalise_url(source)
    title = _text(data, "title", max_length=MAX_TITLE_LENGTH)
    if not title:
        raise SeedError("title: missing")
    provider = _provider(data.get("provider"), "provider", url)
    extra = {str(k): _jsonable(v) for k, v in data.items() if k not in ARTICLE_KEYS}
    if isinstance(data.get("provider"), dict):
        provider_extra = _unknown(data["provider"], PROVIDER_KEYS)
        if provider_extra:
            extra["provider"] = provider_extra
    return ArticleRecord(
        url=url,
        original_url=original_url,
        web_url=web_url,
        amp_url=_url(data, "ampWebUrl"),
        cdn_amp_url=_url(data, "cdnAmpWebUrl"),
        title=title,
        excerpt=_text(data, "excerpt"),
        body=body,
        published_at=_datetime(data, "publishedDateTime"),
        updated_at=_datetime(data, "updatedDateTime"),
        type=_text(data, "type", max_length=MAX_SHORT_LENGTH).lower() or "article",
        quality=_integer(data, "quality"),
        heat=_integer(data, "heat"),
        locale=_text(data, "locale", max_length=MAX_SHORT_LENGTH),
        category=_text(data, "category", max_length=MAX_NAME_LENGTH),
        published=_boolean(data, "published"),
        secured=_secured(data),
        provider=provider,
        topics=_topics(data),
        images=tuple(_image(item, f"images[{i}]") for i, item in enumerate(_list(data, "images"))),
        related=tuple(
            _related(item, f"related[{i}]") for i, item in enumerate(_list(data, "related"))
        ),
        extra=extra,
    )


def _provider(value: Any, where: str, url: str) -> ProviderRecord | None:
    """The publisher; without a domain of its own, the host of the story's URL stands in."""
    if value is None:
        return None
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict):
        raise SeedError(f"{where}: expected a mapping with name and domain, got a {_kind(value)}")
    name = _text(value, "name", where=where, max_length=MAX_NAME_LENGTH)
    domain = _text(value, "domain", where=where, max_length=253).lower().removeprefix("www.")
    if domain and not _DOMAIN.fullmatch(domain):
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
            f"{where}: expected a mapping with url, width and height, got a {_kind(value)}"
        )
    url = _url(value, "url", where=where)
    if not url:
        raise SeedError(f"{where}.url: missing")
    return ImageRecord(
        url=url,
        width=_integer(value, "width", where=where, minimum=1),
        height=_integer(value, "height", where=where, minimum=1),
        is_cached=_boolean(value, "isCached", where=where),
        title=_text(value, "title", where=where),
        attribution=_text(value, "attribution", where=where),
        extra=_unknown(value, IMAGE_KEYS),
    )


def _related(value: Any, where: str) -> RelatedRecord:
    if not isinstance(value, dict):
        raise SeedError(f"{where}: expected a mapping of fields, got a {_kind(value)}")
    web_url = _url(value, "webUrl", where=where) or _url(value, "originalUrl", where=where)
    extra = _unknown(value, RELATED_KEYS)
    if isinstance(value.get("provider"), dict):
        provider_extra = _unknown(value["provider"], PROVIDER_KEYS)
        if provider_extra:
            extra["provider"] = provider_extra
    return RelatedRecord(
        title=_text(value, "title", where=where, max_length=MAX_TITLE_LENGTH),
        excerpt=_text(value, "excerpt", where=where),
        url=normalise_url(web_url) if web_url else "",
        web_url=web_url,
        amp_url=_url(value, "ampWebUrl", where=where),
        cdn_amp_url=_url(value, "cdnAmpWebUrl", where=where),
        published_at=_datetime(value, "publishedDateTime", where=where),
        type=_text(value, "type", where=where, max_length=MAX_SHORT_LENGTH).lower(),
        quality=_integer(value, "quality", where=where),
        provider=_provider(value.get("provider"), f"{where}.provider", web_url),
        extra=extra,
    )


def _topics(data: dict[str, Any]) -> tuple[str, ...]:
    names: dict[str, str] = {}
    for i, item in enumerate(_list(data, "topics")):
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise SeedError(f"topics[{i}]: expected a topic name, got a {_kind(item)}")
        name = " ".join(str(item).split())
        if len(name) > MAX_NAME_LENGTH:
            raise SeedError(f"topics[{i}]: longer than {MAX_NAME_LENGTH} characters")
        if name:
            names.setdefault(name.casefold(), name)
    return tuple(names.values())


def _secured(data: dict[str, Any]) -> str:
    value = data.get("secured")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SeedError(f"secured: expected the sealed text 'ciphertext;iv', got a {_kind(value)}")
    return value


# --- field readers -------------------------------------------------------------------------


def _name(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _text(data: dict[str, Any], key: str, *, where: str = "", max_length: int | None = None) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if type(value) is str:
        text = value.strip()
    elif isinstance(value, bool) or not isinstance(value, int | float | dt.date):
        raise SeedError(f"{_name(where, key)}: expected text, got a {_kind(value)}")
    else:
        text = (value.isoformat() if isinstance(value, dt.date) else str(value)).strip()
    if max_length is not None:
        if "  " in text or not text.isprintable():  # runs of spaces, tabs, line breaks
            text = " ".join(text.split())
        if len(text) > max_length:
            raise SeedError(f"{_name(where, key)}: longer than {max_length} characters")
    return text


def _url(data: dict[str, Any], key: str, *, where: str = "") -> str:
    value = data.get(key)
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise SeedError(f"{_name(where, key)}: expected a URL, got a {_kind(value)}")
    url = value.strip()
    if not _HTTP_URL.fullmatch(url):
        if _SPACE_OR_CONTROL.search(url) and url.lower().startswith(("http://", "https://")):
            raise SeedError(f"{_name(where, key)}: URL contains spaces or control characters")
        raise SeedError(f"{_name(where, key)}: not an http(s) URL: {url!r:.80}")
    if len(url) > MAX_URL_LENGTH // 4 and len(url.encode()) > MAX_URL_LENGTH:
        raise SeedError(f"{_name(where, key)}: URL longer than {MAX_URL_LENGTH} bytes")
    return url


_DOMAIN = re.compile(r"[^\s/:@]+")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")
_INTEGER = re.compile(r"[+-]?\d{1,18}")


def _integer(
    data: dict[str, Any], key: str, *, where: str = "", minimum: int | None = None
) -> int | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if (
        isinstance(value, str)
        and _INTEGER.fullmatch(value.strip())
        or isinstance(value, float)
        and value.is_integer()
    ):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SeedError(f"{_name(where, key)}: not a whole number: {value!r:.80}")
    if abs(value) > 2**31 - 1 or (minimum is not None and value < minimum):
        raise SeedError(f"{_name(where, key)}: out of range: {value}")
    return value


def _boolean(data: dict[str, Any], key: str, *, where: str = "") -> bool:
    value = data.get(key)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise SeedError(f"{_name(where, key)}: expected true or false, got {value!r:.80}")


def _datetime(data: dict[str, Any], key: str, *, where: str = "") -> dt.datetime | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time())
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise SeedError(f"{_name(where, key)}: not an ISO 8601 date: {value!r:.80}") from None
    else:
        raise SeedError(f"{_name(where, key)}: not a date: {value!r:.80}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    if not 1900 <= parsed.year <= 2999:
        raise SeedError(f"{_name(where, key)}: year {parsed.year} is out of range")
    return parsed.astimezone(dt.UTC)


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise SeedError(f"{key}: expected a list, got a {_kind(value)}")
    return value


def _unknown(data: dict[str, Any], known: frozenset[str]) -> dict[str, Any]:
    return {str(k): _jsonable(v) for k, v in data.items() if k not in known}


def _jsonable(value: Any) -> Any:
    """Keep an unknown value verbatim, in a form JSON can store."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, float) and not math.isfinite(value):  # NaN and infinity are not JSON
        return str(value)
    return value


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    return {dict: "mapping", list: "list", str: "string", int: "number", float: "number"}.get(
        type(value), type(value).__name__
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())
