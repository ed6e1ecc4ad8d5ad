"""Every write to what readers could see moves the content version on, whichever code makes
it: a model's ``save()`` or ``delete()``, a queryset's ``update()``, ``delete()``,
``bulk_create()`` or ``bulk_update()`` (a shell, a data migration, another app), a topic
added to a story. Readers' cached pages then change on their next request, on every server,
instead of after the cache timeout.

The bump happens once the transaction commits (:func:`pagecache.content_version.bump_after_commit`);
code that writes through these needs no bump of its own, and writes that bypass the ORM (the
importer's bulk SQL, the trigger refresh) bump on their own. Overriding the
queryset methods rather than listening to ``post_delete`` keeps Django's fast deletes: a
receiver of that signal would make every ``delete()`` load the rows it deletes.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from pagecache.content_version import bump_after_commit


class VersionBumpingQuerySet(models.QuerySet):
    """A queryset whose writes move the content version on."""

    def update(self, **kwargs: Any) -> int:
        rows = super().update(**kwargs)
        if rows:
            bump_after_commit()
        return rows

    def delete(self) -> tuple[int, dict[str, int]]:
        deleted = super().delete()
        if deleted[0]:
            bump_after_commit()
        return deleted

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            bump_after_commit()
        return created

    # bulk_update() needs nothing of its own: Django writes its batches through update().


class VersionBumpingModel(models.Model):
    """A model whose instances' saves and deletes move the content version on; its default
    manager is a :class:`VersionBumpingQuerySet`'s."""

    objects = VersionBumpingQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        bump_after_commit()

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        deleted = super().delete(*args, **kwargs)
        bump_after_commit()
        return deleted
