"""The public pages' template engine: Jinja2, with the filters and globals the pages use.

The reader pages render with Jinja2 (``templates/jinja2/``): the same markup as the Django
template language at a fraction of the cost per variable, which is most of an uncached page's
time (docs/PERFORMANCE.md). The admin keeps the Django template language. Jinja2 escapes every
value; Django's ``SafeString`` (``__html__``) passes through unescaped, as it does in Django.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, NamedTuple

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest
from django.templatetags.static import static
from django.utils import dateformat, timezone
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from jinja2 import Environment

from articles.images.renditions import CARD_SIZE

from .presenters import StoryPage, cached_reverse, iso

# The site's own card, for the story pages without a stored image of their own.
SITE_CARD = ("articles/card.jpg", 1200, 630)


class CardImage(NamedTuple):
    url: str  # absolute
    width: int
    height: int
    alt: str


# Characters that could close the <script> element or open markup inside it, as JSON escapes.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def environment(**options: Any) -> Environment:
    """The Jinja2 environment Django's ``Jinja2`` backend builds (settings.TEMPLATES)."""
    env = Environment(**options)
    env.globals.update(
        url=cached_reverse,
        static=static,
        news_article_json=news_article_json,
        card_image=card_image,
    )
    env.filters.update(
        date=date,
        iso=iso,
        linebreaks=paragraphs,
        truncatechars=truncatechars,
    )
    return env


def date(value: dt.datetime | None, format: str) -> str:
    """Django's ``date`` filter: the value in the current time zone, in a ``date`` format."""
    return dateformat.format(timezone.localtime(value), format) if value else ""


def paragraphs(text: str) -> SafeString:
    """Django's ``linebreaks`` filter: plain text, escaped, into <p> and <br>."""
    return mark_safe(linebreaks(text, autoescape=True))  # noqa: S308 - escaped by linebreaks


def truncatechars(value: str, length: int) -> str:
    return Truncator(value).chars(length)


def news_article(article: StoryPage, request: HttpRequest) -> dict[str, Any]:
    """schema.org NewsArticle data for a story page."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title[:110],
        "description": article.excerpt[:300],
        "datePublished": article.published_at,
        "dateModified": article.updated_at or article.published_at,
        "mainEntityOfPage": request.build_absolute_uri(article.page_url),
    }
    data["image"] = [card_image(article, request).url]
    if article.provider_link:
        publisher = {"@type": "Organization", "name": article.provider_link.name}
        data["publisher"] = publisher
        data["author"] = publisher
    if article.source_url:
        data["isBasedOn"] = article.source_url
    if article.topic_links:
        data["keywords"] = [topic.name for topic in article.topic_links]
    return data


def card_image(article: StoryPage, request: HttpRequest) -> CardImage:
    """The story's OpenGraph / Twitter / JSON-LD image: its stored card, else the site's."""
    if article.lead:
        return CardImage(request.build_absolute_uri(article.lead.card), *CARD_SIZE, article.title)
    name, width, height = SITE_CARD
    return CardImage(request.build_absolute_uri(static(name)), width, height, "Newsroom")


def news_article_json(article: StoryPage, request: HttpRequest) -> SafeString:
    """The story's NewsArticle data as JSON, safe inside <script type="application/ld+json">."""
    text = json.dumps(news_article(article, request), cls=DjangoJSONEncoder)
    return mark_safe(text.translate(_SCRIPT_ESCAPES))  # noqa: S308 - escaped just above
