"""The editors' admin: review imported stories and decide what is published."""

from django.contrib import admin

from .models import Article, ArticleImage, Category, Provider, RelatedLink, Topic


class ArticleImageInline(admin.TabularInline):
    model = ArticleImage
    extra = 0
    fields = ("position", "url", "width", "height", "title", "attribution")
    readonly_fields = fields
    can_delete = False


class RelatedLinkInline(admin.TabularInline):
    model = RelatedLink
    fk_name = "article"
    extra = 0
    fields = ("position", "title", "provider", "published_at", "web_url", "target")
    readonly_fields = fields
    can_delete = False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "provider", "category", "published_at", "quality", "heat", "published")
    list_filter = ("published", "type", "category")
    list_select_related = ("provider", "category")
    search_fields = ("title", "url")
    date_hierarchy = "published_at"
    show_full_result_count = False
    readonly_fields = (
        "url", "title", "excerpt", "body", "original_url", "web_url", "amp_url", "cdn_amp_url",
        "published_at", "source_updated_at", "type", "quality", "heat", "locale", "category",
        "provider", "extra", "published_changed_at", "first_published_at",
    )  # fmt: skip
    exclude = ("topics", "secured", "slug")
    inlines = (ArticleImageInline, RelatedLinkInline)

    def has_add_permission(self, request):
        return False  # stories come from seed files


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("name", "domain")
    search_fields = ("name", "domain")


@admin.register(Topic, Category)
class TermAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
