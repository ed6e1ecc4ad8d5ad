"""Django's built-in Redis cache backend, keeping its client objects.

``django.core.cache.backends.redis.RedisCacheClient.get_client()`` builds a new
``redis.Redis`` object around the (shared) connection pool for every cache call; with
redis-py 8 that construction costs more than the round trip to Redis itself, and a cached
page costs two calls. This backend builds one client per pool and reuses it (redis-py
clients are safe to share between threads). It adds :meth:`RedisCache.set_if_greater`, the
compare-and-set that keeps the content version's copy moving only forward
(:mod:`pagecache.content_version`). Everything else is Django's backend.

It overrides the client's private ``_get_connection_pool`` / ``_client`` / ``_class`` use, so it
was checked against the Django versions in ``CHECKED_DJANGO``;
``tests/project/test_architecture.py`` fails, saying so, under any other.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient

# The Django releases (major, minor) whose Redis cache client this module was checked against.
CHECKED_DJANGO = ((5, 2),)


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


# Set KEYS[1] to the integer ARGV[1] for ARGV[2] milliseconds, unless it holds a number at least as
# large: in one step on the server, so two writers racing can never move it back.
SET_IF_GREATER = """
local current = tonumber(redis.call('GET', KEYS[1]))
if current and current >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def set_if_greater(self, key: str, value: int, timeout: float) -> bool:
        """Store the integer ``value`` for ``timeout`` seconds (to the millisecond; read back
        by ``get`` as an int) unless the key holds one at least as large; returns whether it
        was stored."""
        key = self.make_and_validate_key(key)
        client = self._cache.get_client(key, write=True)
        milliseconds = max(1, math.ceil(timeout * 1000))
        return bool(client.eval(SET_IF_GREATER, 1, key, int(value), milliseconds))
