"""The content version, kept in the database so every worker of every server reads the same one.

See :mod:`pagecache.content_version` for the functions that read and bump it, and docs/DEPLOY.md
for why it lives here rather than in the cache.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class ContentVersion(models.Model):
    """One row: how many times what readers see has changed, and when it last changed."""

    ROW_ID = 1

    version = models.PositiveBigIntegerField(default=1)
    changed_at = models.DateTimeField(default=timezone.now)
    next_change_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When what readers see next changes by itself (a schedule).",
    )

    class Meta:
        verbose_name = "content version"
        verbose_name_plural = "content version"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="content_version_one_row")
        ]

    def __str__(self) -> str:
        return f"version {self.version} ({self.changed_at:%Y-%m-%d %H:%M:%S})"
