from django.apps import AppConfig
from django.core import checks


class ServingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "serving"
    verbose_name = "Serving"

    def ready(self) -> None:
        from .content_version import check_mirror

        checks.register(check_mirror, checks.Tags.caches)
