"""Requests refused before any view sees them.

A NUL character cannot be stored in PostgreSQL text, so a view that looks a value up by it
(a topic's slug, a provider's domain, an admin filter) would fail with a database error. No
address or query of this site has one: such a request is answered 400 here, the same on
every database, before the page cache or a view spends anything on it. The exceptions are
the pages that read free text (``settings.NUL_ALLOWED_QUERY_PATHS``: the search, which takes
what a reader pastes and removes such characters itself); their address is still checked.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseBase


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if "\x00" in request.path_info or (
            "%00" in request.META.get("QUERY_STRING", "")
            and not request.path_info.startswith(tuple(settings.NUL_ALLOWED_QUERY_PATHS))
        ):
            return HttpResponseBadRequest(
                "A NUL character is not allowed in an address.", content_type="text/plain"
            )
        return self.get_response(request)
