from django.apps import AppConfig


class ImagesConfig(AppConfig):
    """Our copies of the stories' lead images: the stored image's model (its table is the
    domain's, ``articles_storedimage``), and the commands ``fetch_images`` and
    ``prune_images``."""

    name = "articles.images"
    label = "images"
    verbose_name = "Images"
