"""Bench-only settings: the project's, plus a hello-world view outside the page cache."""

from newsroom.settings import *  # noqa: F403
from newsroom.settings import PAGE_CACHE_EXCLUDED_PATHS

ROOT_URLCONF = "serving_bench.urls"
# The baseline is Django itself (every middleware), not a page served from the cache.
PAGE_CACHE_EXCLUDED_PATHS = [*PAGE_CACHE_EXCLUDED_PATHS, "/hello/"]
