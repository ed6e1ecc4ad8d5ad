"""HEAD answered as GET would be, without the body.

Django's views write a body for HEAD as for GET, and Django's WSGI handler sends it; the
development server drops it, but gunicorn drops it with a line in its log for every such
request ("WSGI app sent body bytes on a no-body response"), and a load balancer's health
check by HEAD would write one every few seconds. This middleware, the outermost, empties the
body of every HEAD response and keeps its ``Content-Length``: the length a GET would send.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase


class HeadWithoutBodyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.method != "HEAD" or response.status_code in (204, 304):
            return response  # a 204 or 304 has no body, and must not say a length of 0
        if response.streaming:  # a file: its Content-Length is set already
            response.streaming_content = ()
        else:
            if "Content-Length" not in response:
                response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response
