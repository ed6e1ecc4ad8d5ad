"""Reading one field of a seed file: text, URLs, numbers, booleans, dates, lists, and the
values the site does not use (kept as JSON). Every problem is a :class:`~.records.SeedError`
naming the field (``where.key``) and what is wrong with it."""

from __future__ import annotations

import base64
import datetime as dt
import math
import re
from typing import Any

from .records import SeedError

MAX_URL_LENGTH = 2000
MAX_TITLE_LENGTH = 1000
MAX_NAME_LENGTH = 200
MAX_SHORT_LENGTH = 64

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


def field_name(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def text(data: dict[str, Any], key: str, *, where: str = "", max_length: int | None = None) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if type(value) is str:
        text = value.strip()
    elif isinstance(value, bool) or not isinstance(value, int | float | dt.date):
        raise SeedError(f"{field_name(where, key)}: expected text, got a {kind(value)}")
    else:
        text = (value.isoformat() if isinstance(value, dt.date) else str(value)).strip()
    if max_length is not None:
        if "  " in text or not text.isprintable():  # runs of spaces, tabs, line breaks
            text = " ".join(text.split())
        if len(text) > max_length:
            raise SeedError(f"{field_name(where, key)}: longer than {max_length} characters")
    return text


def url(data: dict[str, Any], key: str, *, where: str = "") -> str:
    value = data.get(key)
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise SeedError(f"{field_name(where, key)}: expected a URL, got a {kind(value)}")
    url = value.strip()
    if not _HTTP_URL.fullmatch(url):
        if _SPACE_OR_CONTROL.search(url) and url.lower().startswith(("http://", "https://")):
            raise SeedError(f"{field_name(where, key)}: URL contains spaces or control characters")
        raise SeedError(f"{field_name(where, key)}: not an http(s) URL: {url!r:.80}")
    if len(url) > MAX_URL_LENGTH // 4 and len(url.encode()) > MAX_URL_LENGTH:
        raise SeedError(f"{field_name(where, key)}: URL longer than {MAX_URL_LENGTH} bytes")
    return url


DOMAIN = re.compile(r"[^\s/:@]+")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")
_INTEGER = re.compile(r"[+-]?\d{1,18}")


def integer(
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


def boolean(data: dict[str, Any], key: str, *, where: str = "") -> bool:
    value = data.get(key)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise SeedError(f"{field_name(where, key)}: expected true or false, got {value!r:.80}")


def date_time(data: dict[str, Any], key: str, *, where: str = "") -> dt.datetime | None:
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
    if not 1900 <= parsed.year <= 2999:
        raise SeedError(f"{field_name(where, key)}: year {parsed.year} is out of range")
    return parsed.astimezone(dt.UTC)


def items(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise SeedError(f"{key}: expected a list, got a {kind(value)}")
    return value


def unknown(data: dict[str, Any], known: frozenset[str]) -> dict[str, Any]:
    return {str(k): jsonable(v) for k, v in data.items() if k not in known}


def jsonable(value: Any) -> Any:
    """Keep an unknown value verbatim, in a form JSON can store."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
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
