"""What the article list and form show beyond the model's own fields: images, the state and
the public page, and the imported data that is kept but not edited."""

from __future__ import annotations

import json

from django.contrib import admin
from django.templatetags.static import static
from django.utils.html import format_html

from articles.models import Article

NO_OTHER_FIELDS = "None: the imported file has no fields beyond those above."


@admin.display(description="headline")
def headline(article: Article) -> str:
    """Our headline where set, the source's title under it; else the source's title."""
    if not article.title_override:
        return article.title
    return format_html(
        '{}<br><span class="source-title">Source: {}</span>', article.headline, article.title
    )


@admin.display(description="published")
def published_state(article: Article) -> str:
    return format_html(
        '<img src="{}" alt="{}">',
        static(f"admin/img/icon-{'yes' if article.published else 'no'}.svg"),
        "Published" if article.published else "Not published",
    )


@admin.display(description="public page")
def public_page(article: Article) -> str:
    label = "View" if article.published else "Preview"
    return format_html(
        '<a href="{}" title="{}">{}</a>',
        article.get_absolute_url(),
        "On the site" if article.published else "Not published: only staff can see it",
        label,
    )


@admin.display(description="topics")
def topic_names(article: Article) -> str:
    """The story's topics by name, the first FORM_TOPICS of them, and how many more."""
    names = list(article.topics.order_by("name").values_list("name", flat=True)[: FORM_TOPICS + 1])
    if len(names) <= FORM_TOPICS:
        return ", ".join(names) or "–"
    more = article.topics.count() - FORM_TOPICS
    return f"{', '.join(names[:FORM_TOPICS])} and {more:,} more"


FORM_TOPICS = 50


@admin.display(description="sealed data")
def sealed_data(article: Article) -> str:
    if not article.secured:
        return "None"
    return f"Present ({len(article.secured):,} characters, never shown)"


@admin.display(description="other source fields")
def other_fields(article: Article) -> str:
    if not article.extra:
        return NO_OTHER_FIELDS
    text = json.dumps(article.extra, indent=2, ensure_ascii=False, sort_keys=True)
    return format_html('<pre class="source-json">{}</pre>', text)
