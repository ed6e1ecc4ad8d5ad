"""What stories are grouped by and readers browse: topics, categories and providers (``Term``),
and the slugs that name them in addresses. ``articles.models`` imports them back, so
``from articles.models import Topic`` keeps working."""

from __future__ import annotations

import functools
import hashlib
from typing import ClassVar

from django.db import models
from django.urls import reverse
from django.utils.text import slugify

from .content import VersionBumpingModel


def make_slug(text: str, max_length: int = 80) -> str:
    """A URL slug that keeps non-Latin scripts readable (Django's ``slugify``), never empty."""
    slug = slugify(text, allow_unicode=True)[:max_length].strip("-_")
    return slug or "x-" + hashlib.sha1(text.encode()).hexdigest()[:10]


@functools.lru_cache(maxsize=4096)
def term_slug(name: str) -> str:
    """The slug that identifies a topic or category: "A.I." and "ai" are one topic."""
    return make_slug(name, 200)


class Term(VersionBumpingModel):
    """Something stories are grouped by and readers browse: a topic, a category or a provider.

    Each is named in its page's address by one field, its ``url_key``: a topic's or category's
    slug, a provider's domain. Pages, feeds, sitemaps and the importer all go by this rule.
    """

    url_key: ClassVar[str]  # the field that names it in its page's address
    article_field: ClassVar[str]  # the field of Article that points at it
    route: ClassVar[str]  # its page's URL name

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse(self.route, args=[getattr(self, self.url_key)])


class SluggedTerm(Term):
    """A topic or a category: a name, and the slug made from it."""

    name = models.CharField(max_length=200, help_text="As readers see it.")
    slug = models.SlugField(
        max_length=200, allow_unicode=True, unique=True, help_text="Used in the page's address."
    )

    url_key = "slug"

    class Meta:
        abstract = True
        ordering = ["name"]


class Topic(SluggedTerm):
    article_field = "topics"
    route = "articles:topic"

    class Meta(SluggedTerm.Meta):
        verbose_name = "topic"
        verbose_name_plural = "topics"


class Category(SluggedTerm):
    article_field = "category"
    route = "articles:category"

    class Meta(SluggedTerm.Meta):
        verbose_name = "category"
        verbose_name_plural = "categories"


class Provider(Term):
    """A publisher whose stories we aggregate; its web domain identifies it."""

    name = models.CharField(max_length=200, help_text="The publisher's name as shown to readers.")
    domain = models.CharField(
        max_length=253, unique=True, help_text="The publisher's web domain, e.g. kstp.com."
    )

    url_key = "domain"
    article_field = "provider"
    route = "articles:provider"

    class Meta:
        ordering = ["name"]
        verbose_name = "provider"
        verbose_name_plural = "providers"
