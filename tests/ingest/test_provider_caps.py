"""What one provider file can cost us: a story keeps at most MAX_TOPICS topics, lists show a
few, and its file is kept whole (docs/SECURITY.md)."""

from __future__ import annotations

import string

import pytest
import yaml

from articles.ingest.seedfile import MAX_TOPICS
from articles.models import Article
from articles.reader.presenters import LIST_TOPICS
from articles.reader.queries import PAGE_COVERAGE
from tests.helpers.factories import seed_text
from tests.helpers.importing import run

pytestmark = pytest.mark.django_db

DIGITS = string.digits + string.ascii_lowercase


def short_name(n: int) -> str:
    """A letter and three base-36 digits: a name YAML reads as text, four bytes long."""
    letter, n = divmod(n, 36**3)
    digits = ""
    for _ in range(3):
        n, digit = divmod(n, 36)
        digits = DIGITS[digit] + digits
    return string.ascii_lowercase[letter] + digits


def hostile_seed(topics: int) -> str:
    """The attack's file: ``published: true`` and about 180,000 topics in 1 MiB."""
    head = seed_text(title="Many topics", published=True, topics=None).removesuffix("---\n")
    return head + "topics: [" + ",".join(short_name(i) for i in range(topics)) + "]\n---\n"


@pytest.mark.slow
def test_a_file_with_180000_topics_keeps_the_first_ones_and_says_so(write_seed, client):
    text = hostile_seed(180_000)
    assert len(text.encode()) <= 1024 * 1024
    path = write_seed("many.txt", text)

    summary, lines = run(path)

    assert (summary.created, summary.failed) == (1, 0)
    assert lines == [
        (
            str(path.resolve()),
            f"topics: 180,000 given, only the first {MAX_TOPICS} kept"
            " (the front matter keeps them all)",
        )
    ]
    story = Article.objects.get()
    assert story.topics.count() == MAX_TOPICS
    assert list(story.topics.order_by("id").values_list("name", flat=True)[:2]) == ["a000", "a001"]
    assert len(yaml.safe_load(story.front_matter)["topics"]) == 180_000  # nothing lost

    home = client.get("/").content.decode()
    assert home.count('href="/topics/a0') == LIST_TOPICS  # a list item shows a few
    page = client.get(story.get_absolute_url()).content.decode()
    assert page.count('href="/topics/a0') == MAX_TOPICS


def test_the_same_topic_twice_counts_once_toward_the_cap(write_seed):
    names = ["AI", "ai", " AI "] + [f"Topic {i}" for i in range(MAX_TOPICS - 1)]
    path = write_seed("dupes.txt", seed_text(topics=names))
    summary, lines = run(path)
    assert lines == [] and summary.created == 1
    assert Article.objects.get().topics.count() == MAX_TOPICS


def test_a_story_page_lists_a_bounded_share_of_its_related_items(write_seed, client):
    related = [
        {"title": f"Coverage number {i}", "webUrl": f"https://other.test/{i}"} for i in range(60)
    ]
    run(write_seed("a.txt", seed_text(published=True, related=related)))
    story = Article.objects.get()
    assert story.related_links.count() == 60  # all kept
    page = client.get(story.get_absolute_url()).content.decode()
    assert page.count("Coverage number ") == PAGE_COVERAGE
    assert "Coverage number 49<" in page and "Coverage number 50<" not in page
