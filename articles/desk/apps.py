from django.apps import AppConfig


class DeskConfig(AppConfig):
    """An app so that Django finds its ``admin`` module, template tags, static files and
    ``ensure_admin`` command; no models (they are the domain's, in :mod:`articles`)."""

    name = "articles.desk"
    label = "desk"
    verbose_name = "Editors' desk"
