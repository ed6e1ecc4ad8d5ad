"""The editors' admin of stories: review what came in, filter and search, and publish.

``ArticleAdmin`` declares the list and the form; the publication workflow (the one-click
toggle, the bulk actions, the messages) is :class:`.publication.PublicationAdmin`, and the
list's filters, counting, date drill-down and search have modules of their own. The
providers', topics' and categories' admins are in :mod:`.terms`.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import ShowFacets
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest

from articles.images.admin import LeadImageAdmin, LeadImageForm, stored_renditions, stored_thumbnail
from articles.models import Article

from . import (
    accounts,  # noqa: F401  (Django's users and groups, with lists that filter only as shown)
    axes_admin,  # noqa: F401  (shows axes' login records to superusers only)
    columns,
    terms,  # noqa: F401  (registers the providers', topics', categories' admins)
)
from .counting import EstimatedCountPaginator, counted_matches
from .edits import ShownValuesForm
from .filters import AutocompleteFilter, DistinctValuesFilter, LargeGroupFilter
from .inlines import ArticleImageInline, RelatedLinkInline
from .lookups import StrictChangeList
from .schedule import ScheduleAdmin, ScheduleFilter
from .search_box import search_articles

EXTRA_CSS = "admin-extra/admin.css"
SEARCH_COUNT_LIMIT = 1000  # a search lists (and counts) at most this many stories
# Large columns the list never shows.
LIST_DEFERRED = (
    "body", "excerpt", "extra", "secured", "front_matter", "front_matter_state", "source_path",
    "content_hash",
)  # fmt: skip
OVERRIDE_HELP = (
    "What readers see everywhere instead of the source's title and excerpt (shown beside, "
    "read-only). Leave blank to show the source's; a re-import never changes these."
)
SOURCE_HELP = (
    "These fields come from the imported file and belong to the import: a re-import "
    "overwrites them, so they cannot be edited here."
)


# --- Articles --------------------------------------------------------------------------------


class ArticleChangeList(StrictChangeList):
    """The article list joins each row's stored image (list_select_related), skips big
    columns, and takes only its own filters' parameters (:mod:`.lookups`)."""

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).defer(*LIST_DEFERRED)


class ArticleForm(ShownValuesForm, LeadImageForm):
    """The story form: saves only what its editor changed (:mod:`.edits`), with the lead
    image's choices (:mod:`.images`)."""


@admin.register(Article)
class ArticleAdmin(LeadImageAdmin, ScheduleAdmin):
    # The editor's controls (publish, view) come right after the title, so that they stay on
    # screen in a narrow list; the sortable columns keep their places (and their ?o= numbers).
    list_display = (
        "lead_image",
        "headline",
        "publication",
        "public_page",
        "lead",
        "publish_at",
        "unpublish_at",
        "published_at",
        "quality",
        "heat",
        "provider",
        "category",
    )
    form = ArticleForm
    list_display_links = ("headline",)
    sortable_by = ("published_at", "quality", "heat")
    actions = ("publish_selected", "unpublish_selected", "schedule_selected")
    list_filter = (
        "published",
        ScheduleFilter,
        "featured",
        ("category", LargeGroupFilter),
        ("provider", AutocompleteFilter),
        ("topics", AutocompleteFilter),
        ("type", DistinctValuesFilter),
        ("published_at", admin.DateFieldListFilter),
    )
    list_select_related = ("provider", "category", "stored_image")
    search_fields = ("title", "excerpt", "provider__name", "provider__domain", "url")
    search_help_text = (
        "Searches headlines, excerpts, bodies, topics and provider names in any word form "
        '("a phrase", -leave out, or); a word with a dot or slash also addresses and domains.'
    )
    date_hierarchy = "published_at"
    show_full_result_count = False
    show_facets = ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    list_per_page = 50
    inlines = (ArticleImageInline, RelatedLinkInline)
    fieldsets = (
        (
            "Editorial decision",
            {
                "fields": (
                    "published",
                    ("first_published_at", "published_changed_at"),
                    ("publish_at", "unpublish_at"),
                    "featured",
                    "public_page",
                ),
            },
        ),
        (
            "Our headline and summary",
            {
                "description": OVERRIDE_HELP,
                "fields": (
                    ("title_override", "title"),
                    ("excerpt_override", "excerpt"),
                    "edited_at",
                ),
            },
        ),
        (
            "Lead image",
            {
                "fields": (
                    "stored_renditions",
                    "replace_lead_image",
                    ("remove_lead_image", "restore_source_image"),
                )
            },
        ),
        (
            "Story, as imported",
            {
                "description": SOURCE_HELP,
                "fields": (
                    "body",
                    ("published_at", "source_updated_at"),
                    ("provider", "category"),
                    "topic_names",
                    ("type", "locale", "quality", "heat"),
                ),
            },
        ),
        (
            "Addresses, as imported",
            {"fields": ("url", "web_url", "original_url", "amp_url", "cdn_amp_url")},
        ),
        (
            "Import record",
            {"fields": ("sealed_data", "source_path", ("created_at", "updated_at"))},
        ),
        (
            "Other source fields",
            {
                "classes": ("collapse",),
                "description": "Fields of the imported file this site does not use (yet).",
                "fields": ("other_fields",),
            },
        ),
    )
    readonly_fields = (
        "first_published_at", "published_changed_at", "public_page", "edited_at",
        "title", "excerpt", "body", "published_at", "source_updated_at", "provider",
        "category", "topic_names", "type", "locale", "quality", "heat",
        "url", "web_url", "original_url", "amp_url", "cdn_amp_url",
        "sealed_data", "source_path", "created_at", "updated_at", "other_fields",
        "stored_renditions",
    )  # fmt: skip

    lead_image = staticmethod(stored_thumbnail)
    stored_renditions = staticmethod(stored_renditions)
    public_page = staticmethod(columns.public_page)
    headline = staticmethod(columns.headline)
    topic_names = staticmethod(columns.topic_names)
    sealed_data = staticmethod(columns.sealed_data)
    other_fields = staticmethod(columns.other_fields)

    @property
    def media(self) -> forms.Media:
        # The admin's own autocomplete (select2) for the provider and topic filters.
        extra = "" if settings.DEBUG else ".min"
        return super().media + forms.Media(
            js=(
                f"admin/js/vendor/jquery/jquery{extra}.js",
                f"admin/js/vendor/select2/select2.full{extra}.js",
                "admin/js/jquery.init.js",
                "admin/js/autocomplete.js",
                "admin-extra/autocomplete_filter.js",
            ),
            css={
                "screen": (
                    f"admin/css/vendor/select2/select2{extra}.css",
                    "admin/css/autocomplete.css",
                    EXTRA_CSS,
                )
            },
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # stories come from seed files

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return ArticleChangeList

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        """The matches, counted so far (a common word matches most stories); the count goes
        to the list's paginator with the request."""
        if not search_term.strip():
            return queryset, False
        request.searched = counted_matches(
            search_articles(queryset, search_term), SEARCH_COUNT_LIMIT
        )
        return request.searched.stories, False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        searched = getattr(request, "searched", None)
        return self.paginator(
            queryset, per_page, orphans, allow_empty_first_page, searched=searched
        )
