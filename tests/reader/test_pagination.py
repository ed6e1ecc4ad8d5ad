"""Keyset pagination: cursors, walking a list both ways, and the index plans behind it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Category
from articles.reader.pagination import Cursor
from tests.helpers.factories import make_article
from tests.reader.test_pages import NOW, story

pytestmark = pytest.mark.django_db


def test_a_cursor_reads_back_exactly():
    cursor = Cursor(dt.datetime(2021, 2, 12, 17, 21, 0, 123456, tzinfo=dt.UTC), 42)
    assert str(cursor) == "1613150460123456_42"
    assert Cursor.parse(str(cursor)) == cursor
    before_1970 = Cursor(dt.datetime(1969, 7, 20, 20, 17, tzinfo=dt.UTC), 1)
    assert Cursor.parse(str(before_1970)) == before_1970


def test_older_and_newer_links_walk_the_whole_list_by_cursor(client):
    for n in range(45):
        story(f"Numbered story {n:02d}.", minutes_ago=n)
    seen: list[str] = []
    url = "/"
    while url:
        html = client.get(url).content.decode()
        seen += re.findall(r"Numbered story (\d\d)\.", html)
        older = re.search(r'rel="next" href="([^"]+)"', html)
        url = "/" + older[1].replace("&amp;", "&") if older else ""
    assert seen == [f"{n:02d}" for n in range(45)]
    # From the last page, "newer" goes back up one page.
    newer = re.search(r'rel="prev" href="([^"]+)"', html)
    html = client.get("/" + newer[1]).content.decode()
    assert re.findall(r"Numbered story (\d\d)\.", html) == [f"{n:02d}" for n in range(20, 40)]


def test_a_page_deep_in_the_list_costs_what_the_first_costs(client, django_assert_num_queries):
    articles = [story(f"S{n}", minutes_ago=n) for n in range(30)]
    cursor = Cursor.of(articles[25])
    with django_assert_num_queries(3):
        html = client.get(f"/?before={cursor}").content.decode()
    assert "S26" in html and "S25" not in html


def test_stories_with_the_same_date_are_neither_skipped_nor_repeated(client):
    same = NOW - dt.timedelta(hours=1)
    for n in range(25):
        make_article(title=f"Tied story {n:02d}.", published_at=same, published=True)
    first = client.get("/").content.decode()
    older = re.search(r'rel="next" href="\?before=([^"]+)"', first)[1]
    second = client.get(f"/?before={older}").content.decode()
    titles = re.findall(r"Tied story (\d\d)\.", first) + re.findall(r"Tied story (\d\d)\.", second)
    assert sorted(titles) == [f"{n:02d}" for n in range(25)]


@pytest.mark.parametrize(
    "cursor", ["yesterday", "1_", "99999999999999999999_1", "1_2_3", "1_9999999999999999999"]
)
def test_a_malformed_cursor_is_not_found(client, cursor):
    assert client.get("/", {"before": cursor}).status_code == 404


def story_query_plan(client, url: str) -> str:
    """The SQLite plan of the query that picks a page's stories, as the page runs it.

    (PostgreSQL's plans depend on table statistics, so they are checked on the benchmark's
    100,000 stories instead: see docs/PERFORMANCE.md.)
    """
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    # The page's rows are read by the ids a subquery picks (articles.reader.pagination).
    sql = next(q["sql"] for q in queries if " IN (SELECT " in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(row[-1] for row in cursor.fetchall())


def uses_index(plan: str, index: str, constraint: str = "") -> bool:
    """Whether SQLite's plan reads ``index``, constrained by ``constraint`` when given."""
    wanted = f"USING INDEX {index}" + (f" ({constraint}" if constraint else "")
    return any(wanted in line for line in plan.splitlines())


def scans_a_table(plan: str) -> bool:
    """Whether a step reads a whole table (a SCAN with no index)."""
    return any(
        line.startswith("SCAN ") and not any(w in line for w in ("USING", "SUBQUERY", "CONSTANT"))
        for line in plan.splitlines()
    )


@pytest.fixture
def sqlite_only(settings):
    if "sqlite" not in settings.DATABASES["default"]["ENGINE"]:
        pytest.skip("SQLite query plan")


@pytest.mark.usefixtures("sqlite_only")
def test_home_pages_pick_their_stories_from_the_published_index(client):
    articles = [story(f"S{n}", minutes_ago=n) for n in range(30)]
    first = story_query_plan(client, "/")
    deep = story_query_plan(client, f"/?before={Cursor.of(articles[25])}")
    assert uses_index(first, "article_pub_latest")
    assert uses_index(deep, "article_pub_latest", "published_at<?")  # starts at the cursor
    for plan in (first, deep):
        assert not scans_a_table(plan), plan


@pytest.mark.usefixtures("sqlite_only")
def test_topic_category_and_provider_pages_pick_their_stories_from_an_index(client):
    category = Category.objects.create(name="Science", slug="science")
    stories = [story(f"S{n}", topics=["AI"], category=category, minutes_ago=n) for n in range(30)]
    first = story_query_plan(client, "/topics/ai/")
    deep = story_query_plan(client, f"/topics/ai/?before={Cursor.of(stories[25])}")
    # A topic's stories come from its own rows' index, already newest first: nothing sorts
    # the topic's stories, only the page's 21 rows are put in order.
    assert uses_index(first, "article_topic_latest", "topic_id=?")
    assert uses_index(deep, "article_topic_latest", "topic_id=? AND published_at<?")
    for plan in (first, deep):
        assert plan.count("USE TEMP B-TREE FOR ORDER BY") == 1, plan
        assert not scans_a_table(plan), plan
    # Provider and category pages read an index led by that column, already in date order.
    for url, column in [
        ("/categories/science/", "category_id"),
        ("/providers/example.com/", "provider_id"),
    ]:
        plan = story_query_plan(client, url)
        index = {"category_id": "article_pub_category", "provider_id": "article_pub_provider"}
        assert uses_index(plan, index[column], f"{column}=?"), plan
        assert not scans_a_table(plan), plan
