"""Reading one field of a seed file: text, URLs, numbers, booleans, dates, lists, and the
values the site does not use (kept as JSON). Every problem is a :class:`~.records.SeedError`
naming the field (``where.key``) and what is wrong with it."""

from __future__ import annotations

import base64
import datetime as dt
import math
import re
from typing import Any
from urllib.parse import quote

from .records import SeedError

MAX_URL_LENGTH = 2000
MAX_TITLE_LENGTH = 1000
MAX_NAME_LENGTH = 200
MAX_SHORT_LENGTH = 64
# Levels of nesting a front matter may have (aliases or not).
MAX_DEPTH = 32

# An absolute http(s) URL: scheme, optional user info, a host (name or [IPv6]), optional
# port, then path, query and fragment. No spaces anywhere, no control characters in the path,
# query and fragment (``read_url()`` looks for them in the rest, the rare URL that needs it). The
# port is whatever follows the host's ':', so that ``port_problem`` can say what is wrong.
_HTTP_URL = re.compile(
    r"(?P<scheme>https?)://(?P<user>[^/?#@\s]*@)?"
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[^/?#:@\s\[\]]+)(?P<port>:[^/?#\s]*)?"
    r"(?P<rest>[/?#][^\s\x00-\x1f\x7f]*)?",
    re.IGNORECASE,
)
# What text fields lose at import: C0 control characters but tab and line feed (NUL among
# them, which PostgreSQL cannot store), and the bidi overrides and isolates that can make a
# title read backwards. All of them fail str.isprintable(), which is checked first.
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\u202a-\u202e\u2066-\u2069]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


def normalise_url(url: str) -> str:
    """The identity form of an http(s) URL: scheme and host lower-cased, fragment dropped."""
    match = _HTTP_URL.fullmatch(url)
    if match is None:
        raise ValueError(f"not an http(s) URL: {url!r:.80}")
    scheme, user, host, port, rest = match.group("scheme", "user", "host", "port", "rest")
    if port and (problem := port_problem(port)):
        raise ValueError(problem)
    rest = (rest or "").partition("#")[0]
    if not rest.startswith("/"):
        rest = "/" + rest
    return f"{scheme.lower()}://{user or ''}{host.lower()}{port or ''}{rest}"


def port_problem(port: str) -> str:
    """What is wrong with a URL's ``:port`` as ``_HTTP_URL`` finds it, or "" if nothing is:
    a port is a number from 1 to 65535 (at most 5 ASCII digits), or empty (the default)."""
    digits = port[1:]
    number = digits.isascii() and digits.isdigit()
    if not digits or (number and len(digits) <= 5 and 1 <= int(digits) <= 65535):
        return ""
    return f"not a valid port in URL: {digits if number else repr(digits):.80}"


class UnusableUrl(SeedError):
    """A URL field that is present but cannot be used (not http(s), malformed)."""


def clean(text: str) -> str:
    """``text`` without the characters no title, name or excerpt should carry."""
    return text if text.isprintable() else _UNWANTED.sub("", text)


def lenient_url(url: str) -> str:
    """An http(s) URL as a browser reads it (WHATWG URL rules): spaces and non-ASCII in its
    path, query and fragment percent-encoded as UTF-8, a non-ASCII host in IDNA form; any
    other URL as it was. A URL that was valid as written is returned unchanged."""
    if url.isascii() and " " not in url:
        return url
    if _CONTROL.search(url) or not url[:8].lower().startswith(("http://", "https://")):
        return url
    scheme, _, rest = url.partition("://")
    cut = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    user, at, hostport = authority.rpartition("@")
    host, colon, port = hostport.partition(":")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return url
    tail = quote(tail, safe="".join(chr(c) for c in range(0x21, 0x7F)))
    return f"{scheme}://{user}{at}{host}{colon}{port}{tail}"


def field_name(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def read_text(
    data: dict[str, Any], key: str, *, where: str = "", max_length: int | None = None
) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if type(value) is str:
        text = value.strip()
    elif isinstance(value, bool) or not isinstance(value, int | float | dt.date):
        raise SeedError(f"{field_name(where, key)}: expected text, got a {kind(value)}")
    else:
        text = (value.isoformat() if isinstance(value, dt.date) else str(value)).strip()
    if not text.isprintable():  # line breaks, tabs, control characters, bidi overrides
        text = _UNWANTED.sub("", text)
        text = " ".join(text.split()) if max_length is not None else text.strip()
    elif max_length is not None and "  " in text:  # runs of spaces
        text = " ".join(text.split())
    if max_length is not None and len(text) > max_length:
        raise SeedError(f"{field_name(where, key)}: longer than {max_length} characters")
    return text


def read_url(data: dict[str, Any], key: str, *, where: str = "") -> str:
    value = data.get(key)
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise SeedError(f"{field_name(where, key)}: expected a URL, got a {kind(value)}")
    url = value.strip()
    match = _HTTP_URL.fullmatch(url)
    if not match:
        url = lenient_url(url)
        match = _HTTP_URL.fullmatch(url)
        if not match:
            if _SPACE_OR_CONTROL.search(url) and url.lower().startswith(("http://", "https://")):
                raise UnusableUrl(
                    f"{field_name(where, key)}: URL contains spaces or control characters"
                )
            raise UnusableUrl(f"{field_name(where, key)}: not an http(s) URL: {url!r:.80}")
    if not url.isprintable() and _CONTROL.search(url):  # e.g. a NUL in the host
        raise UnusableUrl(f"{field_name(where, key)}: URL contains spaces or control characters")
    if len(url) > MAX_URL_LENGTH // 4 and len(url.encode()) > MAX_URL_LENGTH:
        raise UnusableUrl(f"{field_name(where, key)}: URL longer than {MAX_URL_LENGTH} bytes")
    port = match.group("port")
    if port and (problem := port_problem(port)):
        raise UnusableUrl(f"{field_name(where, key)}: {problem}")
    return url


# A host name: dot-separated labels of letters, digits, '-' and '_', none empty.
DOMAIN = re.compile(r"[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)*")
_INTEGER = re.compile(r"[+-]?\d{1,18}")


def read_integer(
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
        raise SeedError(f"{field_name(where, key)}: not a whole number: {value!r:.80}")
    if abs(value) > 2**31 - 1 or (minimum is not None and value < minimum):
        raise SeedError(f"{field_name(where, key)}: out of range: {value}")
    return value


def read_boolean(data: dict[str, Any], key: str, *, where: str = "") -> bool:
    value = data.get(key)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise SeedError(f"{field_name(where, key)}: expected true or false, got {value!r:.80}")


def read_date_time(data: dict[str, Any], key: str, *, where: str = "") -> dt.datetime | None:
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
            raise SeedError(
                f"{field_name(where, key)}: not an ISO 8601 date: {value!r:.80}"
            ) from None
    else:
        raise SeedError(f"{field_name(where, key)}: not a date: {value!r:.80}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    try:
        parsed = parsed.astimezone(dt.UTC)  # the range is checked on what is stored
    except OverflowError:  # past year 9999 or before year 1 in UTC
        raise SeedError(f"{field_name(where, key)}: year out of range") from None
    if not 1900 <= parsed.year <= 2999:
        raise SeedError(f"{field_name(where, key)}: year {parsed.year} is out of range")
    return parsed


def read_items(data: dict[str, Any], key: str, limit: int | None = None) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise SeedError(f"{key}: expected a list, got a {kind(value)}")
    if limit is not None and len(value) > limit:
        raise SeedError(f"{key}: {len(value):,} items, more than the {limit:,} allowed")
    return value


def read_topics(data: dict[str, Any], most: int, warnings: list[str]) -> tuple[str, ...]:
    """The story's first ``most`` topics, each once (by case); those past them are left in
    the front matter, with a warning."""
    names: dict[str, str] = {}
    given = read_items(data, "topics")
    for i, item in enumerate(given):
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise SeedError(f"topics[{i}]: expected a topic name, got a {kind(item)}")
        name = " ".join(clean(str(item)).split())
        if len(name) > MAX_NAME_LENGTH:
            raise SeedError(f"topics[{i}]: longer than {MAX_NAME_LENGTH} characters")
        if name and name.casefold() not in names:
            if len(names) == most:
                warnings.append(
                    f"topics: {len(given):,} given, only the first {most} kept"
                    " (the front matter keeps them all)"
                )
                break
            names[name.casefold()] = name
    return tuple(names.values())


def has_nul(value: Any) -> bool:
    """Whether a NUL is anywhere in ``value`` (text, or a JSON-like value's keys and items)."""
    if isinstance(value, str):
        return "\0" in value
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    return isinstance(value, list) and any(has_nul(item) for item in value)


def read_unknown(data: dict[str, Any], known: frozenset[str], depth: int = 1) -> dict[str, Any]:
    """The keys of ``data`` (nested ``depth`` levels deep) that the site does not use."""
    return {str(k): jsonable(v, depth) for k, v in data.items() if k not in known}


def jsonable(value: Any, depth: int = 1) -> Any:
    """Keep an unknown value verbatim, in a form JSON can store; ``depth`` is its level of
    nesting in the front matter, which may not pass ``MAX_DEPTH``."""
    if depth > MAX_DEPTH:
        raise SeedError(f"front matter is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, dict):
        return {str(k): jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v, depth + 1) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, float) and not math.isfinite(value):  # NaN and infinity are not JSON
        return str(value)
    return value


def kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    return {dict: "mapping", list: "list", str: "string", int: "number", float: "number"}.get(
        type(value), type(value).__name__
    )


def one_line(text: str) -> str:
    return " ".join(text.split())
