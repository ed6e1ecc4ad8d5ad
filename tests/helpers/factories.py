"""Seed documents and database rows for tests."""

from __future__ import annotations

import itertools
from typing import Any

import yaml
from django.utils import timezone

from articles.models import Article, Provider, Topic

_counter = itertools.count(1)


def seed_text(**fields: Any) -> str:
    """A valid seed file; keyword arguments override or add fields (None removes one)."""
    n = next(_counter)
    doc: dict[str, Any] = {
        "category": "news",
        "title": f"Story number {n}",
        "excerpt": f"What happened in story {n}.",
        "publishedDateTime": "2021-02-12T17:21:00Z",
        "originalUrl": f"https://example.com/news/{n}",
        "webUrl": f"https://example.com/news/{n}",
        "type": "article",
        "quality": 50,
        "heat": 60,
        "published": False,
        "provider": {"name": "Example News", "domain": "example.com"},
        "topics": ["AI"],
    }
    for key, value in fields.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return "---\n" + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False) + "---\n"


def make_article(**fields: Any) -> Article:
    n = next(_counter)
    provider = (
        fields.pop("provider", None)
        or Provider.objects.get_or_create(domain="example.com", defaults={"name": "Example News"})[
            0
        ]
    )
    topics = fields.pop("topics", [])
    values: dict[str, Any] = {
        "url": f"https://example.com/a/{n}",
        "slug": f"story-{n}",
        "title": f"Story {n}",
        "published_at": timezone.now(),
        "provider": provider,
    }
    values.update(fields)
    article = Article.objects.create(**values)
    for name in topics:
        article.topics.add(
            Topic.objects.get_or_create(slug=name.lower(), defaults={"name": name})[0]
        )
    return article
