from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate, pre_migrate


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = "News desk"

    def ready(self) -> None:
        from pagecache.content_version import watch_next_change

        from . import scheduling, triggers
        from .search import index as search_index

        watch_next_change(scheduling.next_change)

        pre_migrate.connect(triggers.drop_before_migrate, sender=self)
        post_migrate.connect(triggers.install_after_migrate, sender=self)
        checks.register(triggers.check_triggers, checks.Tags.database)
        # The search index's view and triggers: the same life cycle (articles/search/index.py).
        pre_migrate.connect(search_index.drop_before_migrate, sender=self)
        post_migrate.connect(search_index.install_after_migrate, sender=self)
        checks.register(search_index.check_index, checks.Tags.database)
