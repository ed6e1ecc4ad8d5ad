"""Template helpers of the public pages: safe links and the story's structured data."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from .. import public
from ..models import Article, RelatedLink

register = template.Library()

# Characters that could close the <script> element or open markup inside it, as JSON escapes.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}

http_url = register.filter("http_url", public.http_url)


@register.filter
def source_url(story: Article | RelatedLink) -> str:
    """Where the story lives at its provider: the original address, else the web address."""
    return http_url(getattr(story, "original_url", "")) or http_url(story.web_url)


def news_article(article: Article, request: HttpRequest) -> dict[str, Any]:
    """schema.org NewsArticle data for a story page (prepared by ``public.present``)."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title[:110],
        "description": article.excerpt[:300],
        "datePublished": article.published_at,
        "dateModified": article.source_updated_at or article.published_at,
        "mainEntityOfPage": request.build_absolute_uri(article.page_url),
    }
    if article.lead:
        data["image"] = [article.lead.url]
    if article.provider:
        publisher = {"@type": "Organization", "name": article.provider.name}
        data["publisher"] = publisher
        data["author"] = publisher
    if url := source_url(article):
        data["isBasedOn"] = url
    if article.topic_links:
        data["keywords"] = [topic.name for topic in article.topic_links]
    return data


@register.simple_tag(takes_context=True)
def news_article_json(context: template.Context, article: Article) -> SafeString:
    """The story's NewsArticle data as JSON, safe inside <script type="application/ld+json">."""
    text = json.dumps(news_article(article, context["request"]), cls=DjangoJSONEncoder)
    return mark_safe(text.translate(_SCRIPT_ESCAPES))  # noqa: S308 - escaped just above
