from django.apps import AppConfig


class ImagingConfig(AppConfig):
    """An app for its management command (``fetch_images``); no models."""

    name = "articles.imaging"
    label = "imaging"
    verbose_name = "Images"
