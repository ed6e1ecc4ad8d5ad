from django.apps import AppConfig


class ReaderConfig(AppConfig):
    """An app for its static files (the site's stylesheet and logo); no models."""

    name = "articles.reader"
    label = "reader"
    verbose_name = "Reader site"
