"""Whatever a reader types, a search answers 200 with matches or none, on either database."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Article
from articles.search import postgresql, sqlite
from articles.search.engine import find, highlights, matching
from articles.search.query import QueryError, SearchQuery
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db

HOSTILE = [
    '"', "*", "-", "^", "(", ")", "NEAR(", "NEAR(a b)", "AND AND", "OR", "NOT", "title:",
    "headline: otter", "{headline}: otter", '"unclosed quote', 'otter "', "otter*", "*otter",
    "a\x00b", "\u202eotter\u202c", "\u2066otter\u2069", "x" * 10_000, "otter " * 500,
    "'; DROP TABLE articles_article; --", "1 OR 1=1", "%", "_", "\\", "''", '""', "- -",
    "otter -", "-otter", "otter OR", "OR otter", "otter or or river", "&amp; <b>", "!:&|",
    "otter & river", "otter | river", "!otter", "otter:*", "<->", "otter <-> river",
    "\ufeff", "\u200b", "🦦", "Ωmega", "ß", "İstanbul", "日本語", "ـــ", "x\ny", "\t",
]  # fmt: skip

# Text with the engines' syntax characters, quotes and operators thick in it.
SYNTAX = st.lists(
    st.one_of(
        st.sampled_from(list("\"*-^():{}[]<>&|!~+'\\%_,.;\x00\u202e\u2066 ")),
        st.sampled_from(["AND", "OR", "NOT", "NEAR", "or", " ", "otter", "river", "title"]),
        st.characters(),
    ),
    max_size=40,
).map("".join)


@pytest.fixture
def stories():
    make_article(title="Otter in the river", body="A river otter swims.", published=True)
    make_article(title="Unpublished otter", published=False)


def run(text: str) -> None:
    """The domain's functions either refuse the text with a QueryError or run it."""
    try:
        query = SearchQuery.parse(text)
    except QueryError as error:
        assert "\n" not in str(error)
        return
    found = find(query, Article.objects.published(), limit=20)
    highlights(query, found.ids)
    list(matching(Article.objects.all(), query))
    find(query, Article.objects.all(), limit=5, newest_first=True)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_only_text(client, stories, text):
    run(text)
    assert client.get("/search/", {"q": text}).status_code == 200
    assert client.get("/search/rss/", {"q": text}).status_code == 200
    assert client.get("/search/json/", {"q": text}).status_code == 200


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.one_of(SYNTAX, st.text(max_size=300)))
@pytest.mark.slow
def test_any_text_answers(client, stories, text):
    run(text)
    # As a client would send it: its UTF-8 bytes, lone surrogates included (Django decodes
    # what is not UTF-8 with replacement characters).
    query = urlencode(
        {"q": text, "topic": text[:50], "provider": text[:50]}, errors="surrogatepass"
    )
    assert client.get(f"/search/?{query}").status_code == 200


@pytest.mark.parametrize("text", ["\ud800", "AND\ud800", "otter\udfff river"])
def test_lone_surrogates_are_no_error(client, stories, text):
    """Hypothesis found these: no database can store a lone surrogate, so the query drops it
    (a Python caller's text); a client's bytes that are not UTF-8 arrive replaced."""
    run(text)
    assert SearchQuery.parse("otter\udfff river").groups == (("otter",), ("river",))
    query = urlencode({"q": text}, errors="surrogatepass")
    assert client.get(f"/search/?{query}").status_code == 200


def test_syntax_characters_cannot_widen_a_search(stories):
    """Operators typed by a reader are words to look for, never the engine's operators."""
    otter = SearchQuery.parse("otter")
    everything = len(find(otter, Article.objects.all(), limit=20).ids)
    for text in ('otter OR "', "otter OR river", "otter*", 'otter" OR "x'):
        query = SearchQuery.parse(text)
        assert len(find(query, Article.objects.all(), limit=20).ids) <= everything
    assert find(SearchQuery.parse('"otter OR nothing"'), Article.objects.all(), limit=9).ids == []


def test_the_query_sent_to_the_engines():
    query = SearchQuery.parse('otter "river bank" -flood or\x00 rain title: NEAR(')
    assert query.groups == (("otter",), ("river bank",), ("rain",), ("title:",), ("NEAR(",))
    assert query.excluded == ("flood",)
    assert sqlite.match(query) == (
        '(("otter") AND ("river bank") AND ("rain") AND ("title:") AND ("NEAR(")) NOT "flood"'
    )
    assert postgresql.websearch(query) == '"otter" "river bank" "rain" "title:" "NEAR(" -"flood"'
    assert SearchQuery.parse("otter or river").groups == (("otter", "river"),)
    left_out = SearchQuery.parse("otter or -zebra fish")  # "or" does not carry past -zebra
    assert left_out.groups == (("otter",), ("fish",)) and left_out.excluded == ("zebra",)
