from django.apps import AppConfig


class IngestConfig(AppConfig):
    """An app for its management commands (``import_seeds``, ``generate_seeds``); no models."""

    name = "articles.ingest"
    label = "ingest"
    verbose_name = "Import"
