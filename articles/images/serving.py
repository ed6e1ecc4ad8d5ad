"""Stored files (the stories' images) served by this site under ``MEDIA_URL``, whatever the
storage behind it: the local folder ``MEDIA_ROOT`` or S3-compatible object storage. A reader's
browser talks to no one but us, and the storage needs no public access of its own.

Only content-hashed names are served (``folder/ab/abcdef…-what.ext``, the names
:mod:`articles.images.renditions` makes): no listing, no other path, no traversal. Such a file
never changes, so it is sent with ``Cache-Control: public, max-age=31536000, immutable``,
an ETag from its name, and the type from its extension (never guessed by the browser:
``nosniff``).
"""

from __future__ import annotations

import re

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.views.decorators.http import require_safe

IMMUTABLE = "public, max-age=31536000, immutable"
TYPES = {"webp": "image/webp", "jpg": "image/jpeg", "png": "image/png", "avif": "image/avif"}
NAME = re.compile(r"[a-z]+/[0-9a-f]{2}/(?P<hash>[0-9a-f]{16,64})(?:-[a-z0-9]{1,16})?\.(?P<ext>\w+)")


@require_safe
def media_file(request: HttpRequest, name: str) -> HttpResponse:
    match = NAME.fullmatch(name)
    if match is None or match["ext"] not in TYPES or name.split("/")[1] != match["hash"][:2]:
        raise Http404("no such file")
    etag = f'"{match["hash"]}"'
    if request.headers.get("If-None-Match") == etag:
        response: HttpResponse = HttpResponseNotModified()
    else:
        try:
            opened = default_storage.open(name, "rb")
        except (FileNotFoundError, OSError):
            raise Http404("no such file") from None
        response = FileResponse(opened, content_type=TYPES[match["ext"]])
    response.headers["Cache-Control"] = IMMUTABLE
    response.headers["ETag"] = etag
    return response
