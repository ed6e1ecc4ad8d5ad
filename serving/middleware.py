"""Whole-page caching of public pages for anonymous readers, invalidated by the content version.

A request is *anonymous* when it carries neither the session cookie nor the messages cookie:
staff are logged in, so they always carry the session cookie, and they neither receive cached
pages nor populate the cache. The decision is made from the cookies alone, so the middleware
never loads a session and an anonymous request never creates one.

For an anonymous GET or HEAD:

1. read the content version (one primary-key query, see :mod:`.content_version`);
2. the page's key and ETag are a hash of the cache's key prefix (set per release), the
   version and the absolute URL with its query string;
3. a matching ``If-None-Match`` (or ``If-Modified-Since`` against the time of the last bump)
   for a page held in the cache answers 304 without rendering;
4. a page held in the cache is returned as stored; otherwise the view renders it, and it is
   stored if it is cacheable (see :func:`is_cacheable`).

A publish, an edit or an import bumps the version after commit, so the next request on any
worker of any server looks up a new key: nothing needs deleting, old entries expire.
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

from .content_version import content_state

logger = logging.getLogger(__name__)

PUBLIC_CACHE_CONTROL = "public, max-age=0, must-revalidate"
# Response headers a cached page may vary on: it is stored for requests without these cookies.
ALLOWED_VARY = {"cookie"}
# Response headers that belong to one response, never to a stored page.
UNSTORED_HEADERS = {"set-cookie", "x-cache"}
BODY_HEADERS = {"content-type", "content-length", "content-encoding", "content-language"}


def is_anonymous(request: HttpRequest) -> bool:
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


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

        state = content_state()
        # Scheme, host as sent (a host not allowed never gets a 200 to store), path, query.
        host, query = request.META.get("HTTP_HOST", ""), request.META.get("QUERY_STRING", "")
        url = f"{request.scheme}://{host}{request.path}?{query}"
        digest = hashlib.sha256(f"{cache.key_prefix}\n{state.version}\n{url}".encode()).hexdigest()
        key = f"page:{digest}"
        validators = {
            "ETag": f'"{digest[:32]}"',
            "Last-Modified": http_date(state.changed_at.timestamp()),
            "Cache-Control": PUBLIC_CACHE_CONTROL,
        }

        stored = _cache_call("get", key)
        if stored is not None:
            not_modified = get_conditional_response(
                request, etag=validators["ETag"], last_modified=int(state.changed_at.timestamp())
            )
            content, headers = stored
            if not_modified is not None:
                for name, value in headers.items():  # the page's headers, bar its body's
                    if name.lower() not in BODY_HEADERS:
                        not_modified[name] = value
                not_modified["X-Cache"] = "HIT"
                return not_modified
            response = HttpResponse(content, headers=headers)
            response["X-Cache"] = "HIT"
            return response

        response = self.get_response(request)
        if request.method == "GET" and is_cacheable(request, response):
            _set_headers(response, validators, "MISS")
            patch_vary_headers(response, ["Cookie"])
            headers = {k: v for k, v in response.items() if k.lower() not in UNSTORED_HEADERS}
            _cache_call("set", key, (response.content, headers))
        return response

    def _personal(self, request: HttpRequest) -> HttpResponseBase:
        """Staff (or anyone with a session) get the page rendered for them, and keep it private."""
        response = self.get_response(request)
        if "Cache-Control" not in response:
            add_never_cache_headers(response)
        if not has_vary_header(response, "Cookie"):
            patch_vary_headers(response, ["Cookie"])
        return response


def _set_headers(response: HttpResponseBase, validators: dict[str, str], outcome: str) -> None:
    for name, value in validators.items():
        response[name] = value
    response["X-Cache"] = outcome


def _cache_call(method: str, *args: object) -> object:
    """A cache that is down makes pages slower, not unavailable (/healthz reports it)."""
    try:
        return getattr(cache, method)(*args)
    except Exception:
        logger.warning("page cache %s failed", method, exc_info=True)
        return None
