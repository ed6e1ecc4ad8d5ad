"""The editors' admin: review imported stories and decide what is published.

Publishing (one click in the list, the form, or the bulk actions) always goes through
``articles.services.set_publication``, which checks the permission, records the change in
the story's history and refreshes readers' pages.
"""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import ShowFacets
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from . import (
    admin_terms,  # noqa: F401  (registers the providers', topics', categories' pages)
    services,
)
from .admin_list import (
    AutocompleteFilter,
    DistinctValuesFilter,
    EstimatedCountPaginator,
    LargeGroupFilter,
    search_articles,
)
from .cache import bump_after_commit
from .models import Article, ArticleImage, RelatedLink

EXTRA_CSS = "admin-extra/admin.css"
SEARCH_COUNT_LIMIT = 1000  # a search lists (and counts) at most this many stories


def thumbnail(image: ArticleImage | None, css_class: str = "article-thumb") -> str:
    if image is None:
        return ""
    return format_html(
        '<img src="{}" alt="" class="{}" loading="lazy" referrerpolicy="no-referrer">',
        image.url,
        css_class,
    )


def n_stories(count: int) -> str:
    return f"{count} {'story' if count == 1 else 'stories'}"


# --- Inlines: what came with the story, shown as it came -------------------------------------


class ReadOnlyInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ArticleImageInline(ReadOnlyInline):
    model = ArticleImage
    fields = ("preview", "position", "url", "width", "height", "title", "attribution")
    readonly_fields = ("preview",)

    @admin.display(description="image")
    def preview(self, image: ArticleImage) -> str:
        return thumbnail(image, "inline-thumb")


class RelatedLinkInline(ReadOnlyInline):
    model = RelatedLink
    fk_name = "article"
    fields = ("position", "title", "provider", "published_at", "web_url", "target")

    def get_queryset(self, request: HttpRequest) -> QuerySet[RelatedLink]:
        return super().get_queryset(request).select_related("provider", "target")


# --- Articles --------------------------------------------------------------------------------

# Large columns the list never shows.
LIST_DEFERRED = ("body", "excerpt", "extra", "secured", "source_path", "content_hash")


class ArticleChangeList(ChangeList):
    """The article list fetches each row's lead image in one query, and skips big columns."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        if (self.show_all and self.can_show_all) or not self.multi_page:
            # One page: Django lists its own queryset; the paginator's may be narrowed to
            # the ids a search found (EstimatedCountPaginator.count_limit).
            self.result_list = self.paginator.object_list._clone()

    def get_queryset(self, request, exclude_parameters=None):
        lead_images = (
            ArticleImage.objects.filter(position=0).only("id", "article_id", "url").order_by()
        )
        return (
            super()
            .get_queryset(request, exclude_parameters)
            .defer(*LIST_DEFERRED)
            .prefetch_related(Prefetch("images", queryset=lead_images, to_attr="lead_images"))
        )


SOURCE_HELP = (
    "These fields come from the imported file and belong to the import: a re-import "
    "overwrites them, so they cannot be edited here."
)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = (
        "lead_image",
        "title",
        "provider",
        "category",
        "published_at",
        "quality",
        "heat",
        "publication",
        "public_page",
    )
    list_display_links = ("title",)
    sortable_by = ("published_at", "quality", "heat")
    list_filter = (
        "published",
        ("category", LargeGroupFilter),
        ("provider", AutocompleteFilter),
        ("topics", AutocompleteFilter),
        ("type", DistinctValuesFilter),
        ("published_at", admin.DateFieldListFilter),
    )
    list_select_related = ("provider", "category")
    search_fields = ("title", "excerpt", "provider__name", "provider__domain", "url")
    search_help_text = "Searches titles, excerpts, provider names and domains, and addresses."
    date_hierarchy = "published_at"
    show_full_result_count = False
    show_facets = ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    list_per_page = 50
    actions = ("publish_selected", "unpublish_selected")
    inlines = (ArticleImageInline, RelatedLinkInline)
    fieldsets = (
        (
            "Editorial decision",
            {
                "fields": (
                    "published",
                    ("first_published_at", "published_changed_at"),
                    "public_page",
                ),
            },
        ),
        (
            "Story, as imported",
            {
                "description": SOURCE_HELP,
                "fields": (
                    "title",
                    "excerpt",
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
        "first_published_at", "published_changed_at", "public_page",
        "title", "excerpt", "body", "published_at", "source_updated_at", "provider",
        "category", "topic_names", "type", "locale", "quality", "heat",
        "url", "web_url", "original_url", "amp_url", "cdn_amp_url",
        "sealed_data", "source_path", "created_at", "updated_at", "other_fields",
    )  # fmt: skip

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

    # Permissions

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # stories come from seed files

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return services.can_publish(request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Article | None = None):
        fields = super().get_readonly_fields(request, obj)
        return fields if self.has_publish_permission(request) else ("published", *fields)

    # List

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return ArticleChangeList

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        return search_articles(queryset, search_term), False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # A common word matches most stories: a search counts only so far.
        limit = SEARCH_COUNT_LIMIT if request.GET.get("q") else None
        return self.paginator(
            queryset, per_page, orphans, allow_empty_first_page, count_limit=limit
        )

    def get_list_display(self, request: HttpRequest):
        # Without the publish permission: the state only, no button.
        if self.has_publish_permission(request):
            return self.list_display
        return tuple("published_state" if f == "publication" else f for f in self.list_display)

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_publication"
        view = self.admin_site.admin_view(require_POST(self.publication_view))
        return [path("<path:object_id>/publication/", view, name=name), *super().get_urls()]

    @admin.display(description="image")
    def lead_image(self, article: Article) -> str:
        images = getattr(article, "lead_images", None)
        return thumbnail(images[0] if images else None)

    @admin.display(description="published")
    def published_state(self, article: Article) -> str:
        return format_html(
            '<img src="{}" alt="{}">',
            static(f"admin/img/icon-{'yes' if article.published else 'no'}.svg"),
            "Published" if article.published else "Not published",
        )

    @admin.display(description="published")
    def publication(self, article: Article) -> str:
        """The state, and a button that flips it.

        The button submits the list's own form (so the CSRF token goes with it) to the
        publication URL, which accepts only POST and checks the permission again.
        """
        verb = "Unpublish" if article.published else "Publish"
        return format_html(
            '{} <button type="submit" class="publication-toggle" formaction="{}" name="published"'
            ' value="{}" aria-label="{} “{}”">{}</button>',
            self.published_state(article),
            reverse(self.publication_url_name, args=[article.pk]),
            "0" if article.published else "1",
            verb,
            Truncator(article.title).chars(60),
            verb,
        )

    @property
    def publication_url_name(self) -> str:
        return f"admin:{self.opts.app_label}_{self.opts.model_name}_publication"

    @admin.display(description="public page")
    def public_page(self, article: Article) -> str:
        label = "View" if article.published else "Preview"
        return format_html(
            '<a href="{}" title="{}">{}</a>',
            article.get_absolute_url(),
            "On the site" if article.published else "Not published: only staff can see it",
            label,
        )

    # Form

    @admin.display(description="topics")
    def topic_names(self, article: Article) -> str:
        return ", ".join(topic.name for topic in article.topics.all()) or "–"

    @admin.display(description="sealed data")
    def sealed_data(self, article: Article) -> str:
        if not article.secured:
            return "None"
        return f"Present ({len(article.secured):,} characters, never shown)"

    @admin.display(description="other source fields")
    def other_fields(self, article: Article) -> str:
        if not article.extra:
            return "None"
        text = json.dumps(article.extra, indent=2, ensure_ascii=False, sort_keys=True)
        return format_html('<pre class="source-json">{}</pre>', text)

    def save_model(self, request, obj: Article, form, change: bool) -> None:
        """Publication goes through the service; any other edited field is saved as usual."""
        changed = [name for name in form.changed_data if name != "published"]
        if changed:
            obj.save(update_fields=changed)
            bump_after_commit()
        if "published" in form.changed_data and services.set_publication(
            [obj], obj.published, by=request.user
        ):
            self.message_user(request, publication_message(obj.title, obj.published))

    def construct_change_message(self, request, form, formsets, add=False):
        # "Published"/"Unpublished" is recorded by the service, not as a changed field.
        label = form.fields["published"].label if "published" in form.fields else None
        message = super().construct_change_message(request, form, formsets, add)
        for part in message:
            fields = part.get("changed", {}).get("fields")
            if fields and label in fields:
                fields.remove(label)
        return [p for p in message if "changed" not in p or p["changed"].get("fields")]

    def log_change(self, request, obj, message):
        if message:  # a save that only (un)published is already in the history
            return super().log_change(request, obj, message)
        return None

    # Publishing

    def publication_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The list's one-click toggle: POST published=1 or 0."""
        if not self.has_publish_permission(request):
            raise PermissionDenied
        article = self.get_object(request, unquote(object_id))
        if article is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        wanted = request.POST.get("published")
        if wanted not in ("0", "1"):
            return HttpResponseBadRequest("published must be 1 or 0")
        if services.set_publication([article], wanted == "1", by=request.user):
            self.message_user(request, publication_message(article.title, wanted == "1"))
        else:
            state = "published" if wanted == "1" else "unpublished"
            self.message_user(request, f"“{article.title}” was already {state}.", messages.INFO)
        return HttpResponseRedirect(self._back_to_list(request))

    def _back_to_list(self, request: HttpRequest) -> str:
        changelist = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        back = request.POST.get("next", "")
        if back.startswith(changelist) and url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return back
        return changelist

    @admin.action(description="Publish selected stories", permissions=["publish"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Article]):
        return self._bulk_publication(request, queryset, True)

    @admin.action(description="Unpublish selected stories", permissions=["publish"])
    def unpublish_selected(self, request: HttpRequest, queryset: QuerySet[Article]):
        return self._bulk_publication(request, queryset, False)

    def _bulk_publication(self, request: HttpRequest, queryset: QuerySet[Article], value: bool):
        """Ask first (how many stories change), then publish or unpublish and say so."""
        verb = "publish" if value else "unpublish"
        if request.POST.get("post") == "yes":
            selected = queryset.count()
            changed = len(services.set_publication(queryset, value, by=request.user))
            text = f"{n_stories(changed)} {verb}ed."
            if selected > changed:
                left = selected - changed
                as_they_were = "it was" if left == 1 else "they were"
                text += f" {n_stories(left)} already {verb}ed, left as {as_they_were}."
            self.message_user(request, text, messages.SUCCESS if changed else messages.INFO)
            return None
        to_change = queryset.exclude(published=value)
        count = to_change.count()
        context = {
            **self.admin_site.each_context(request),
            "title": f"{verb.capitalize()} {n_stories(count)}?",
            "opts": self.opts,
            "verb": verb,
            "count": count,
            "unchanged": queryset.count() - count,
            "examples": to_change.select_related(None).prefetch_related(None).only("title")[:20],
            "action": request.POST.get("action", ""),
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across") == "1",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/article/publication_confirm.html", context)


def publication_message(title: str, published: bool) -> str:
    if published:
        return f"“{title}” is published: readers can see it now."
    return f"“{title}” is unpublished: readers no longer see it."
