"""Whole-page caching of public pages for anonymous readers, invalidated by the content version.

A request is *anonymous* when it carries neither the session cookie nor the messages cookie:
staff are logged in, so they always carry the session cookie, and they neither receive cached
pages nor populate the cache. The decision is made from the cookies alone, so the middleware
never loads a session and an anonymous request never creates one.

For an anonymous GET or HEAD:

1. the page's key is a hash of the cache's key prefix (set per release) and the address:
   scheme, host, path, and of the query string only the parameters pages read
   (``settings.PAGE_CACHE_QUERY_PARAMETERS``), so that made-up parameters cannot fill the
   cache with copies of one page. A request whose host names a port other than the one it
   arrived on is answered uncached: every port would otherwise be a copy, with links to that
   port;
2. the stored page and the current content version are read together
   (:func:`.content_version.lookup`: one round trip to Redis when it keeps a copy of the
   version, else a primary-key query and a local-memory lookup); a stored page is current
   when it was rendered under that version;
3. a matching ``If-None-Match`` (the ETag: a hash of the key and the version) or
   ``If-Modified-Since`` (against the time of the last bump) for a current page answers 304
   without rendering;
4. a current page is returned as stored; otherwise the view renders it, and it is stored,
   marked with the version, if it is cacheable (see :func:`is_cacheable`).

A publish, an edit or an import bumps the version after commit, so the next request on any
worker of any server finds the stored page marked with an older version and renders afresh:
nothing needs deleting. A change that comes by itself (a story scheduled to appear or expire)
moves the version on at its moment, on the first request after it
(:func:`.content_version.current_state`).

A stored page is kept twice, as it is and gzipped (compressed once, when it is stored), and a
client that accepts gzip is sent the compressed copy, with an ETag of its own. Only these
shared pages are compressed: a response for someone with a session (which may carry a CSRF
token or a user's data) never is, so no secret can be guessed from a response's size (BREACH).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    has_vary_header,
    patch_vary_headers,
)
from django.utils.http import http_date
from django.utils.text import compress_string

from .content_version import ContentState, Lookup, current_state, lookup, mirror

logger = logging.getLogger(__name__)

PUBLIC_CACHE_CONTROL = "public, max-age=0, must-revalidate"
# Response headers a cached page may vary on: it is stored for requests without these cookies.
ALLOWED_VARY = {"cookie"}
# Response headers that belong to one response, never to a stored page.
UNSTORED_HEADERS = {"set-cookie", "x-cache"}
BODY_HEADERS = {"content-type", "content-length", "content-encoding", "content-language"}
# Below this size a page is stored, and sent, only as it is: gzip would save next to nothing.
GZIP_MIN_BYTES = 256


def accepts_gzip(header: str) -> bool:
    """Whether an ``Accept-Encoding`` header lets us send gzip (RFC 9110, 12.5.3): ``gzip``
    or ``x-gzip`` named with a weight above 0, or ``*`` with one and gzip not named at all.
    ``gzip;q=0`` means "not acceptable"; so does a weight that is no number."""
    header = header.lower()
    if "gzip" not in header and "*" not in header:
        return False
    if ";" not in header:  # no weights: the common "gzip, deflate, br"
        return any(c.strip() in ("gzip", "x-gzip", "*") for c in header.split(","))
    weights: dict[str, float] = {}
    for part in header.split(","):
        coding, *parameters = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    weight = 0.0
        weights.setdefault(coding, weight)
    named = [weights[c] for c in ("gzip", "x-gzip") if c in weights]
    return max(named) > 0 if named else weights.get("*", 0.0) > 0


def is_anonymous(request: HttpRequest) -> bool:
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def cache_address(request: HttpRequest) -> str | None:
    """What a cached page is stored under: scheme, host as sent (a host not allowed never gets
    a 200 to store), path, and the parameters pages read, in the order sent; None when the
    host names a port the request did not arrive on."""
    host = request.META.get("HTTP_HOST", "")
    _, colon, port = host.rpartition(":")
    if colon and not host.endswith("]") and port != str(request.META.get("SERVER_PORT", "")):
        return None
    query = request.GET
    kept = [
        f"{name}={value}"
        for name in settings.PAGE_CACHE_QUERY_PARAMETERS
        for value in query.getlist(name)
    ]
    return f"{request.scheme}://{host}{request.path}?{'&'.join(kept)}"


def is_cacheable(request: HttpRequest, response: HttpResponseBase) -> bool:
    """A complete 200 that is the same for every anonymous reader of this URL."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in ("private", "no-cache", "no-store")):
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    if not vary <= ALLOWED_VARY:
        return False
    # A nonce is per response: a page that used one must never be served twice.
    return "'nonce-" not in response.get("Content-Security-Policy", "")


class PublicPageCacheMiddleware:
    """Place before CSPMiddleware and SessionMiddleware (see settings.MIDDLEWARE): a page is
    stored with the headers they add, and a hit is answered without running them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD") or request.path_info.startswith(
            tuple(settings.PAGE_CACHE_EXCLUDED_PATHS)
        ):
            return self.get_response(request)
        if not is_anonymous(request):
            return self._personal(request)
        url = cache_address(request)
        if url is None:
            return self.get_response(request)

        digest = hashlib.sha256(f"{cache.key_prefix}\n{url}".encode()).hexdigest()
        gzipped = accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        found = _lookup(f"page:{digest}:{'gzip' if gzipped else 'identity'}")
        version, state = found.version, found.state
        if version is None:  # the cache's copy of the version was lost: ask the database
            state = current_state()
            version = state.version
            _cache_call_args(mirror, state)
        if found.entry is not None and found.entry[0] == version:
            return _hit(request, *found.entry[1:])

        state = state or current_state()
        if state.version != version:  # the cache's copy missed a bump: bring it up
            _cache_call_args(mirror, state)
        # A HEAD is rendered in full like a GET (newsroom/http/head.py empties it, outermost): its
        # page is stored as the GET's, and it gets the GET's validators.
        response = self.get_response(request)
        if is_cacheable(request, response):
            _store(response, digest, state, gzipped)
        return response

    def _personal(self, request: HttpRequest) -> HttpResponseBase:
        """Staff (or anyone with a session) get the page rendered for them, and keep it private."""
        response = self.get_response(request)
        if "Cache-Control" not in response:
            add_never_cache_headers(response)
        if not has_vary_header(response, "Cookie"):
            patch_vary_headers(response, ["Cookie"])
        return response


def _store(response: HttpResponse, digest: str, state: ContentState, gzipped: bool) -> None:
    """Keep the page, as it is and gzipped, marked with the version it was rendered under."""
    etag = hashlib.sha256(f"{digest}\n{state.version}".encode()).hexdigest()
    validators = {
        "ETag": _etag(etag, gzipped=False),
        "Last-Modified": http_date(state.changed_at.timestamp()),
        "Cache-Control": PUBLIC_CACHE_CONTROL,
    }
    _set_headers(response, validators, "MISS")
    patch_vary_headers(response, ["Cookie", "Accept-Encoding"])
    plain, packed = _variants(response, etag)
    mark = (state.version, int(state.changed_at.timestamp()))
    _cache_call(
        "set_many",
        {f"page:{digest}:identity": (*mark, *plain), f"page:{digest}:gzip": (*mark, *packed)},
    )
    if gzipped and packed is not plain:
        response.content, headers = packed
        for name in ("Content-Encoding", "Content-Length", "ETag"):
            response[name] = headers[name]


def _hit(
    request: HttpRequest, last_modified: int, content: bytes, headers: dict[str, str]
) -> HttpResponseBase:
    """A stored page: 304 when the client holds this very copy, else the copy."""
    not_modified = get_conditional_response(
        request, etag=headers.get("ETag"), last_modified=last_modified
    )
    if not_modified is not None:
        for name, value in headers.items():  # the page's headers, bar its body's
            if name.lower() not in BODY_HEADERS:
                not_modified[name] = value
        not_modified["X-Cache"] = "HIT"
        return not_modified
    response = HttpResponse(content, headers=headers)
    response["X-Cache"] = "HIT"
    return response


def _etag(digest: str, gzipped: bool) -> str:
    return f'"{digest[:32]}-gzip"' if gzipped else f'"{digest[:32]}"'


def _variants(response: HttpResponse, digest: str) -> tuple[tuple, tuple]:
    """The page as stored for clients without gzip and for those with it: (body, headers)
    each. A small or already encoded body is the same in both."""
    headers = {k: v for k, v in response.items() if k.lower() not in UNSTORED_HEADERS}
    plain = (response.content, headers)
    if len(response.content) < GZIP_MIN_BYTES or response.has_header("Content-Encoding"):
        return plain, plain
    packed = compress_string(response.content)
    gzip_headers = {
        **headers,
        "Content-Encoding": "gzip",
        "Content-Length": str(len(packed)),
        "ETag": _etag(digest, gzipped=True),
    }
    return plain, (packed, gzip_headers)


def _set_headers(response: HttpResponseBase, validators: dict[str, str], outcome: str) -> None:
    for name, value in validators.items():
        response[name] = value
    response["X-Cache"] = outcome


def _lookup(key: str) -> Lookup:
    """The stored page and the current version; nothing found when the cache is down."""
    try:
        return lookup(key)
    except Exception:
        logger.warning("page cache lookup failed", exc_info=True)
        return Lookup(None, None, None)


def _cache_call(method: str, *args: object) -> object:
    """A cache that is down makes pages slower, not unavailable (/healthz reports it)."""
    return _cache_call_args(getattr(cache, method), *args)


def _cache_call_args(function: Callable[..., object], *args: object) -> object:
    try:
        return function(*args)
    except Exception:
        logger.warning("page cache %s failed", function.__name__, exc_info=True)
        return None
