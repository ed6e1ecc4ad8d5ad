"""What came with a story, on its form: its images and related links, read-only, as imported.

A seed file under 1 MiB can list tens of thousands of images or related links; the form shows
the first :data:`FIRST_ROWS` of each, in their order, and says how many there are, so that a
story's page costs the same few queries and a bounded size whatever its file held.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.functional import cached_property

from articles.models import ArticleImage, RelatedLink

FIRST_ROWS = 50  # rows an inline shows; the rest are counted
# A related link's own story is shown by its title; its large columns are never read.
TARGET_DEFERRED = tuple(
    f"target__{name}" for name in ("body", "excerpt", "extra", "secured", "source_path")
)


class FirstRowsFormSet(BaseInlineFormSet):
    """An inline formset of the first ``limit`` rows only, which knows how many there are."""

    limit = FIRST_ROWS

    @cached_property
    def first_rows(self) -> QuerySet:
        # One query, evaluated once: the formset reads its rows by index after len().
        rows = super().get_queryset()[: self.limit]
        len(rows)
        return rows

    def get_queryset(self) -> QuerySet:
        return self.first_rows

    @cached_property
    def total(self) -> int:
        """How many rows the story has (counted only when there are more than shown)."""
        shown = len(self.first_rows)
        return shown if shown < self.limit else super().get_queryset().count()

    @property
    def shown(self) -> int:
        return len(self.first_rows)

    @property
    def more(self) -> bool:
        return self.total > self.shown


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    # Django builds the rows' form fields even when nothing can be changed; an address field
    # built without a scheme to assume warns on every form (Django 6 assumes https).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    formset = FirstRowsFormSet
    template = "admin/articles/article/first_rows_inline.html"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ArticleImageInline(ReadOnlyInline):
    model = ArticleImage
    # The source's addresses only: the admin loads no image from another site (the stored
    # renditions are in the form's "Lead image" section).
    fields = ("position", "url", "width", "height", "title", "attribution")


class RelatedLinkInline(ReadOnlyInline):
    model = RelatedLink
    fk_name = "article"
    fields = ("position", "title", "provider", "published_at", "web_url", "target")

    def get_queryset(self, request: HttpRequest) -> QuerySet[RelatedLink]:
        return (
            super()
            .get_queryset(request)
            .select_related("provider", "target")
            .defer(*TARGET_DEFERRED)
        )
