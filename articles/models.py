"""The news desk's data: stories, who published them, what they are about.

Source fields come from seed files and belong to the importer: a re-import overwrites them.
Editorial fields (``published`` and its dates, the schedule, the headline and summary of our
own, ``featured``) belong to the editors: no import touches them once a story exists.
What stories are grouped by (topics, categories, providers) is in :mod:`articles.terms`.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone

from .content import VersionBumpingModel, VersionBumpingQuerySet
from .overrides import clean_override
from .search import index as search_index
from .terms import Category, Provider, SluggedTerm, Term, Topic, make_slug, term_slug

__all__ = [
    "HEADLINE", "SUMMARY", "Article", "ArticleImage", "ArticleQuerySet", "ArticleTopic",
    "Category", "Provider", "RelatedLink", "SluggedTerm", "Term", "Topic", "clean_override",
    "make_slug", "term_slug",
]  # fmt: skip

# What readers see of a story, in SQL: the editors' headline and summary where set, else the
# source's (an override is stored as "" when blank: see clean_override).
HEADLINE = Coalesce(NullIf("title_override", Value("")), "title", output_field=models.CharField())
SUMMARY = Coalesce(
    NullIf("excerpt_override", Value("")), "excerpt", output_field=models.TextField()
)
# The columns Article.headline (and so str(article)) reads: a queryset that names the story
# loads both, or each row fetches the one left out.
HEADLINE_FIELDS = ("title", "title_override")


class ArticleQuerySet(search_index.DeletedInOneGo, VersionBumpingQuerySet):
    def published(self, now: dt.datetime | None = None) -> ArticleQuerySet:
        """The one visibility rule: what readers may see, anywhere on the public site, at
        ``now`` (the current time by default): published, and within its schedule (from
        ``publish_at``, until ``unpublish_at``, either optional)."""
        now = timezone.now() if now is None else now
        return self.filter(
            Q(publish_at__isnull=True) | Q(publish_at__lte=now),
            Q(unpublish_at__isnull=True) | Q(unpublish_at__gt=now),
            published=True,
        )


class Article(search_index.DeletedInOneGo, VersionBumpingModel):
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
    front_matter = models.TextField(
        blank=True, default="", db_default="", editable=False,
        help_text="The seed file's front matter, as it was.",
    )  # fmt: skip
    front_matter_state = models.TextField(blank=True, default="", db_default="", editable=False)
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
    publish_at = models.DateTimeField(
        "scheduled", null=True, blank=True, help_text="A published story appears at this time."
    )
    unpublish_at = models.DateTimeField(
        "expires", null=True, blank=True, help_text="A published story disappears at this time."
    )
    # New columns have database defaults too: the previous release writes rows without them.
    title_override = models.CharField(
        "our headline", max_length=1000, blank=True, default="", db_default="",
        help_text="Blank: the source's title.",
    )  # fmt: skip
    excerpt_override = models.TextField(
        "our summary", blank=True, default="", db_default="",
        help_text="Blank: the source's excerpt.",
    )  # fmt: skip
    featured = models.BooleanField(
        default=False, db_default=False, help_text="Leads the home page while public."
    )
    featured_at = models.DateTimeField(null=True, blank=True, editable=False)
    edited_at = models.DateTimeField(
        "our edit", null=True, blank=True, editable=False,
        help_text="When an editor last changed our headline or summary.",
    )  # fmt: skip

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
        constraints = [
            models.UniqueConstraint(fields=["url"], name="article_unique_url"),
            models.CheckConstraint(
                condition=Q(publish_at__isnull=True)
                | Q(unpublish_at__isnull=True)
                | Q(unpublish_at__gt=F("publish_at")),
                name="article_expires_after_scheduled",
            ),
        ]
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
            # The next moment the schedule changes what readers see (articles.scheduling),
            # and the admin's "scheduled" and "expires" filters; the home page's lead.
            *(
                models.Index(
                    fields=[field],
                    name=f"article_{field}",
                    condition=Q(**{"published": True, f"{field}__isnull": False}),
                )
                for field in ("publish_at", "unpublish_at")
            ),
            models.Index(
                fields=["-featured_at"], name="article_featured", condition=Q(featured=True)
            ),
        ]

    def __str__(self) -> str:
        return self.headline  # as readers know it: the admin's messages, its history

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", args=[self.pk, self.slug])

    @property
    def headline(self) -> str:
        """The title readers see: ours, else the source's (as :data:`HEADLINE`)."""
        return self.title_override or self.title

    @property
    def summary(self) -> str:
        """The excerpt readers see: ours, else the source's (as :data:`SUMMARY`)."""
        return self.excerpt_override or self.excerpt

    def clean(self) -> None:
        self.title_override = clean_override(self.title_override)
        self.excerpt_override = clean_override(self.excerpt_override)
        if self.publish_at and self.unpublish_at and self.unpublish_at <= self.publish_at:
            raise ValidationError({"unpublish_at": "A story must expire after it is scheduled."})

    def save(self, *args, **kwargs) -> None:
        self.title_override = clean_override(self.title_override)
        self.excerpt_override = clean_override(self.excerpt_override)
        super().save(*args, **kwargs)

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


class ArticleTopic(VersionBumpingModel):
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


class ArticleImage(VersionBumpingModel):
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


class RelatedLink(VersionBumpingModel):
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
