"""Our own copy of a story's lead image: :class:`StoredImage`, one per story.

The fetcher (:mod:`.fetcher`) fills it from the lead image's URL and keeps what it needs to ask
again cheaply (ETag, Last-Modified) or to try again later (the failure, its count, the time of
the next try). An editor may upload a replacement or remove the image (``origin``); the
fetcher and the importer leave such a story's image alone, so an editor's choice survives
re-imports. Its files are written by :mod:`.storage`. The table is the domain's
(``app_label = "articles"``): the model moved here, its rows did not.
"""

from __future__ import annotations

from django.db import models

from articles.content import VersionBumpingModel


class StoredImage(VersionBumpingModel):
    class Origin(models.TextChoices):
        FETCHED = "fetched", "fetched from the lead image's address"
        UPLOAD = "upload", "uploaded by an editor"
        REMOVED = "removed", "removed by an editor"

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, related_name="stored_image"
    )
    origin = models.CharField(max_length=16, choices=Origin, default=Origin.FETCHED)
    source_url = models.URLField(
        max_length=2048, blank=True, help_text="The address it was fetched from."
    )
    etag = models.CharField(max_length=1024, blank=True, editable=False)
    last_modified = models.CharField(max_length=64, blank=True, editable=False)
    source_hash = models.CharField(
        max_length=64, blank=True, editable=False, help_text="SHA-256 of the bytes fetched."
    )
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    renditions = models.JSONField(
        default=dict, blank=True, editable=False, help_text="Names and sizes of the files made."
    )
    failure = models.CharField(
        max_length=300, blank=True, editable=False, help_text="Why the last fetch failed."
    )
    failures = models.PositiveIntegerField(default=0, editable=False)
    retry_at = models.DateTimeField(null=True, blank=True, editable=False)
    checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    stored_at = models.DateTimeField(null=True, blank=True, editable=False)

    # ``objects`` (the default) moves the content version on with every write. This one does
    # not: for the fetcher's bookkeeping (asked again, failed), which changes nothing readers
    # see, and must not empty every cached page each time.
    bookkeeping = models.Manager()

    class Meta:
        app_label = "articles"  # the table is the domain's: articles_storedimage
        ordering = ["article"]
        verbose_name = "stored image"
        verbose_name_plural = "stored images"
        default_manager_name = "objects"  # the one whose writes move the content version on
        indexes = [models.Index(fields=["retry_at"], name="stored_image_retry")]

    def __str__(self) -> str:
        return f"{self.article_id}: {self.source_url or self.origin}"
