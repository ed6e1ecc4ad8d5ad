"""Settings for the reader benchmark: the project's own, with the page cache taken out (the
targets are for uncached pages) and a /hello/ baseline added by ``reader_urls``."""

from newsroom.settings import *  # noqa: F403
from newsroom.settings import MIDDLEWARE, STORAGES

ROOT_URLCONF = "reader_urls"
MIDDLEWARE = [
    name for name in MIDDLEWARE if name != "pagecache.middleware.PublicPageCacheMiddleware"
]
# Pages link to their CSS without a collectstatic run first.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
