"""The import's rows are declared once (articles/ingest/rows.py): every column the writer
names is a field of its model, and a parsed story fills every column."""

from __future__ import annotations

import pytest
from django.db import connection

from articles.ingest import rows
from articles.ingest.bulk import time_encoder
from articles.ingest.seedfile import parse_seed
from articles.models import Article, ArticleImage, ArticleTopic, RelatedLink
from tests.helpers.factories import seed_text


@pytest.mark.parametrize(
    ("model", "columns"),
    [
        (Article, rows.NEW_STORY_COLUMNS),
        (Article, rows.SOURCE_FIELDS),
        (ArticleImage, rows.IMAGE_COLUMNS),
        (RelatedLink, rows.RELATED_COLUMNS),
        (ArticleTopic, rows.TOPIC_COLUMNS),
    ],
)
def test_every_column_is_a_field_of_its_model_once(model, columns):
    assert len(set(columns)) == len(columns)
    for name in columns:
        field = model._meta.get_field(name)  # FieldDoesNotExist otherwise
        assert field.concrete, f"{model.__name__}.{name} is not a column"


def test_source_fields_are_the_importers_and_never_the_editors():
    editorial = {"published", "published_changed_at", "first_published_at", "created_at"}
    assert not editorial & set(rows.SOURCE_FIELDS)
    assert editorial <= set(rows.NEW_STORY_COLUMNS)  # a new story gets them once
    assert set(rows.StoryValues._fields) <= {f.name for f in Article._meta.concrete_fields}


def test_a_parsed_story_fills_every_column():
    text = seed_text(
        images=[{"url": "https://img.test/1.jpg", "width": 10, "height": 5, "x": 1}],
        related=[{"title": "Elsewhere", "webUrl": "https://other.test/1", "provider": "Other"}],
        topics=["AI", "A.I.", "Rain"],
        title="A title",
    )
    record = parse_seed(text.encode())
    story = rows.story_rows(record, time_encoder(connection.vendor))
    values = rows.StoryValues._make(story.values)  # TypeError unless every field is there
    assert (values.title, values.slug, values.quality) == (record.title, "a-title", 50)
    image = rows.ImageRow._make(story.images[0])
    assert (image.position, image.width, image.height, image.extra) == (0, 10, 5, '{"x": 1}')
    related = rows.RelatedRow._make(story.related[0])
    assert (related.url, related.title) == ("https://other.test/1", "Elsewhere")
    assert story.related[0][rows.RELATED_URL] == related.url
    assert story.related_providers == (("other.test", "Other"),)
    assert [slug for slug, _ in story.topics] == ["ai", "rain"]  # "A.I." is "AI"
