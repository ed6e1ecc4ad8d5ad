from django.apps import AppConfig
from django.core import checks


class PageCacheConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pagecache"
    # The label the app had as ``serving``: its table (serving_contentversion) and migrations.
    label = "serving"
    verbose_name = "Page cache"

    def ready(self) -> None:
        from .content_version import check_mirror

        checks.register(check_mirror, checks.Tags.caches)
