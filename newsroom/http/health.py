"""``/healthz`` for load balancers: 200 when the database and the cache answer, 503 otherwise.

The view reads neither the session nor the user and renders no form, so a probe costs one
``SELECT 1`` and one cache round trip, and never creates a session or a CSRF cookie.
"""

from __future__ import annotations

import logging
import uuid

from django.core.cache import caches
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def check_database(connection: BaseDatabaseWrapper | None = None) -> str | None:
    """None when the database answers a query, else the reason it does not."""
    try:
        with (connection or connections["default"]).cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".strip()
    return None


def check_cache() -> str | None:
    """None when the cache stores and returns a value, else the reason it does not."""
    key = f"healthz:{uuid.uuid4().hex}"
    try:
        cache = caches["default"]
        cache.set(key, "ok", timeout=10)
        answered = cache.get(key)
        cache.delete(key)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".strip()
    return None if answered == "ok" else "a value written was not read back"


@csrf_exempt
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    problems = {
        name: reason
        for name, reason in (("database", check_database()), ("cache", check_cache()))
        if reason
    }
    if problems:
        logger.error("health check failed: %s", problems)
    # The reasons go to the log only: they may name hosts and users.
    response = JsonResponse(
        {"status": "fail" if problems else "ok", **dict.fromkeys(problems, "fail")},
        status=503 if problems else 200,
    )
    add_never_cache_headers(response)
    return response
