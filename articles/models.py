"""The news desk's data: stories, who published them, what they are about.

Source fields come from seed files and belong to the importer: a re-import overwrites them.
Editorial fields (``published`` and its dates) belong to the editors: no import touches them
once a story exists.
"""

from __future__ import annotations

import functools
import hashlib
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from .content import ContentModel, ContentQuerySet


def make_slug(text: str, max_length: int = 80) -> str:
    """A URL slug that keeps non-Latin scripts readable (Django's ``slugify``), never empty."""
    slug = slugify(text, allow_unicode=True)[:max_length].strip("-_")
    return slug or "x-" + hashlib.sha1(text.encode()).hexdigest()[:10]


@functools.lru_cache(maxsize=4096)
def term_slug(name: str) -> str:
    """The slug that identifies a topic or category: "A.I." and "ai" are one topic."""
    return make_slug(name, 200)


class Term(ContentModel):
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


class ArticleQuerySet(ContentQuerySet):
    def published(self) -> ArticleQuerySet:
        """The one visibility rule: what readers may see, anywhere on the public site."""
        return self.filter(published=True)


class Article(ContentModel):
    # Identity
    url = models.CharField(
        "source URL (identity)",
        max_length=2048,
        help_text="The story's address at its provider, normalised; one story per address.",
    )
    slug = models.SlugField(max_length=80, allow_unicode=True, db_index=False)

    # Source fields: written by the importer
    title = models.CharField(max_length=1000)
    excerpt = models.TextField(blank=True)
    body = models.TextField(blank=True)
    original_url = models.URLField(max_length=2048, blank=True)
    web_url = models.URLField(max_length=2048, blank=True)
    amp_url = models.URLField("AMP URL", max_length=2048, blank=True)
    cdn_amp_url = models.URLField("AMP cache URL", max_length=2048, blank=True)
    published_at = models.DateTimeField(
        "source date",
        help_text="When the provider published the story (or when we first saw it, if undated).",
    )
    source_updated_at = models.DateTimeField("source updated", null=True, blank=True)
    type = models.CharField(max_length=64, default="article")
    quality = models.IntegerField(null=True, blank=True, help_text="Ranking signal from the feed.")
    heat = models.IntegerField(null=True, blank=True, help_text="Popularity signal from the feed.")
    locale = models.CharField(max_length=64, blank=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    topics = models.ManyToManyField(
        Topic, through="ArticleTopic", related_name="articles", blank=True
    )
    secured = models.TextField(
        blank=True, editable=False, help_text="Sealed data from the feed; kept, never shown."
    )
    extra = models.JSONField(
        "other source fields",
        default=dict,
        blank=True,
        help_text="Fields of the seed file this site does not use yet, kept as they were.",
    )

    # Editorial fields: owned by the editors, never changed by an import of an existing story
    published = models.BooleanField(
        default=False, help_text="Visible on the public site. Imports never change this."
    )
    published_changed_at = models.DateTimeField(
        "publication last changed", null=True, blank=True, editable=False
    )
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Import bookkeeping
    source_path = models.CharField(max_length=1024, blank=True, editable=False)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = "article"
        verbose_name_plural = "articles"
        permissions = [("publish_article", "Can publish or unpublish articles")]
        constraints = [models.UniqueConstraint(fields=["url"], name="article_unique_url")]
        indexes = [
            # Newest published first: the home page, feeds, sitemaps.
            models.Index(
                fields=["-published_at", "-id"],
                name="article_pub_latest",
                condition=Q(published=True),
            ),
            models.Index(
                fields=["provider", "-published_at", "-id"],
                name="article_pub_provider",
                condition=Q(published=True),
            ),
            models.Index(
                fields=["category", "-published_at", "-id"],
                name="article_pub_category",
                condition=Q(published=True),
            ),
            # Editors' lists cover everything, published or not.
            models.Index(fields=["-published_at", "-id"], name="article_latest"),
            # The admin: the review queue (not yet published), the type filter, sorting.
            models.Index(
                fields=["-published_at", "-id"],
                name="article_unpub_latest",
                condition=Q(published=False),
            ),
            models.Index(fields=["type", "-published_at", "-id"], name="article_type_latest"),
            models.Index(fields=["quality"], name="article_quality"),
            models.Index(fields=["heat"], name="article_heat"),
            models.Index(fields=["content_hash"], name="article_content_hash"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", args=[self.pk, self.slug])

    def set_published(self, value: bool, *, when=None) -> bool:
        """Change the editorial state; returns whether anything changed."""
        if self.published == value:
            return False
        when = when or timezone.now()
        self.published = value
        self.published_changed_at = when
        if value and self.first_published_at is None:
            self.first_published_at = when
        return True


class ArticleTopic(ContentModel):
    """A story's topic, with a copy of the story's ``published`` and ``published_at``.

    The copy lets a topic page walk one index newest first (``article_topic_latest``) instead
    of sorting all of the topic's stories on every request. The database keeps it true:
    triggers (:mod:`articles.triggers`, put back after every ``migrate``) copy both values
    when a row is inserted without them and whenever a story's own values change, whichever
    code changes them. What readers may see is still decided by
    ``Article.objects.published()``; the copy only picks candidates in order.
    """

    # The unique constraint and the indexes below lead with these columns: no index of their own.
    article = models.ForeignKey(Article, on_delete=models.CASCADE, db_index=False)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, db_index=False)
    published = models.BooleanField(default=False, editable=False)
    published_at = models.DateTimeField(null=True, editable=False)

    class Meta:
        verbose_name = "article topic"
        constraints = [
            models.UniqueConstraint(fields=["article", "topic"], name="article_topic_unique")
        ]
        indexes = [
            models.Index(fields=["topic", "article"], name="article_topic_by_topic"),
            # A topic's published stories, newest first: the topic page and its feeds.
            models.Index(
                fields=["topic", "-published_at", "-article"],
                name="article_topic_latest",
                condition=Q(published=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} – {self.topic_id}"


class ArticleImage(ContentModel):
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="images", db_index=False
    )  # served by the (article, position) constraint
    position = models.PositiveSmallIntegerField(default=0, help_text="0 is the lead image.")
    url = models.URLField(max_length=2048)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    is_cached = models.BooleanField(default=False)
    title = models.CharField(max_length=1000, blank=True)
    attribution = models.CharField(max_length=1000, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["article", "position"]
        verbose_name = "image"
        verbose_name_plural = "images"
        constraints = [
            models.UniqueConstraint(fields=["article", "position"], name="image_unique_position")
        ]

    def __str__(self) -> str:
        return self.url


class RelatedLink(ContentModel):
    """Other coverage of the same story, as the feed lists it."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="related_links", db_index=False
    )  # served by the (article, position) constraint
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=1000, blank=True)
    excerpt = models.TextField(blank=True)
    url = models.CharField(
        max_length=2048, blank=True, help_text="Normalised, to match stories we hold."
    )
    web_url = models.URLField(max_length=2048, blank=True)
    amp_url = models.URLField("AMP URL", max_length=2048, blank=True)
    cdn_amp_url = models.URLField("AMP cache URL", max_length=2048, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    type = models.CharField(max_length=64, blank=True)
    quality = models.IntegerField(null=True, blank=True)
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cited_by",
        help_text="Our own article for this story, when we hold it.",
    )
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["article", "position"]
        verbose_name = "related link"
        verbose_name_plural = "related links"
        constraints = [
            models.UniqueConstraint(fields=["article", "position"], name="related_unique_position")
        ]
        indexes = [models.Index(fields=["url"], name="related_by_url")]

    def __str__(self) -> str:
        return self.title or self.web_url


from .media import StoredImage  # noqa: E402, F401  (our copy of a story's lead image)
