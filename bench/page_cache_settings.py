"""Settings for bench/page_cache_bench.py: the project's own (the page cache on), with static
files linked without a collectstatic run first."""

from newsroom.settings import *  # noqa: F403
from newsroom.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
