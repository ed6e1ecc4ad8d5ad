"""The seed rules of issue #11, file by file (no database): text cleaning, nesting without
aliases, NULs, dates after conversion to UTC and from the future, lenient URLs, dropped
related items and provider domains."""

from __future__ import annotations

import datetime as dt

import pytest

from articles.ingest.fields import normalise_url
from articles.ingest.records import SeedError
from articles.ingest.seedfile import FUTURE_DATE_KEY, MAX_DEPTH, parse_seed
from tests.helpers.factories import seed_text


def parse(text: str):
    return parse_seed(text.encode())


def refused(text: str) -> str:
    with pytest.raises(SeedError) as caught:
        parse(text)
    reason = str(caught.value)
    assert "\n" not in reason
    return reason


def test_control_characters_and_bidi_overrides_leave_titles_names_and_excerpts():
    record = parse(
        seed_text(
            title="Evil\x07 \u202etitle\u202c\r",
            excerpt="line one\nline\x1b two\u2066 and\ttab",
            category="ne\x00ws",
            provider={"name": "Ex\u2067ample", "domain": "example.com"},
            topics=["A\x01I", "\u202dAI"],
        )
    )
    assert record.title == "Evil title"
    assert record.excerpt == "line one\nline two and\ttab"
    assert record.category == "news"
    assert record.provider.name == "Example"
    assert record.topics == ("AI",)


def with_lines(*lines: str) -> str:
    """A seed file of these front matter lines as written (YAML escapes included)."""
    return "---\n" + "\n".join(("originalUrl: https://x.test/1", *lines)) + "\n---\n"


def test_a_yaml_escaped_nul_is_cleaned_from_text_and_refused_elsewhere():
    assert parse(with_lines('title: "Sto\\0ry"')).title == "Story"
    assert parse(with_lines("title: T", 'topics: ["A\\x00I"]')).topics == ("AI",)
    extra = with_lines("title: T", 'note: "a\\0b"')
    assert refused(extra) == "extra: contains a NUL character, which cannot be stored"
    assert "extra: contains a NUL" in refused(with_lines("title: T", '"k\\u0000": 1'))
    image = with_lines("title: T", 'images: [{url: "https://x.test/i", note: "\\0"}]')
    assert "images[0]: contains a NUL" in refused(image)
    secured = with_lines("title: T", 'secured: "a\\0;b"')
    assert "secured: contains a NUL" in refused(secured)
    url = with_lines("title: T", 'webUrl: "https://x.test/a\\0"')
    assert "webUrl: URL contains spaces or control characters" in refused(url)
    host = with_lines("title: T", 'webUrl: "https://x\\0.test/"')
    assert "webUrl: URL contains spaces or control characters" in refused(host)


def nested(levels: int) -> str:
    return "deep: " + "[" * (levels - 1) + "1" + "]" * (levels - 1) + "\n"


def test_the_nesting_limit_holds_without_aliases():
    text = seed_text().replace("type: article\n", "type: article\n" + nested(MAX_DEPTH + 8))
    assert refused(text) == f"front matter is nested more than {MAX_DEPTH} levels deep"
    fits = seed_text().replace("type: article\n", "type: article\n" + nested(MAX_DEPTH))
    assert parse(fits).extra["deep"]
    deeper = seed_text().replace("type: article\n", "type: article\n" + nested(MAX_DEPTH + 1))
    assert "nested more than" in refused(deeper)


def test_the_year_is_checked_after_conversion_to_utc():
    reason = refused(seed_text(publishedDateTime="2999-12-31T23:59:59-12:00"))
    assert reason == "publishedDateTime: year 3000 is out of range"
    early = refused(seed_text(updatedDateTime="1900-01-01T00:30:00+01:00"))
    assert early == "updatedDateTime: year 1899 is out of range"


def test_a_story_from_the_future_is_dated_when_imported_and_keeps_its_date_in_extra():
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)
    assert parse(seed_text(publishedDateTime=soon.isoformat())).published_at == soon
    later = dt.datetime(2999, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    record = parse(seed_text(publishedDateTime="2999-01-02T03:04:05Z"))
    assert record.published_at is None
    assert record.extra == {FUTURE_DATE_KEY: later.isoformat()}


def test_a_story_url_with_spaces_or_non_ascii_is_percent_encoded_as_a_browser_would():
    record = parse(seed_text(originalUrl="https://X.test/news/são paulo/?q=a b#top c"))
    assert record.original_url == "https://X.test/news/s%C3%A3o%20paulo/?q=a%20b#top%20c"
    assert record.url == "https://x.test/news/s%C3%A3o%20paulo/?q=a%20b"
    host = parse(seed_text(originalUrl="https://bücher.test/a b"))
    assert host.url == "https://xn--bcher-kva.test/a%20b"
    assert "URL contains spaces" in refused(seed_text(webUrl="https://exa mple.com/"))
    assert "not an http(s) URL" in refused(seed_text(originalUrl="javascript:alert(1) x"))


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/news/1",
        "HTTPS://Example.COM/a%20b?x=1#frag",
        "https://example.com/são",  # valid before: kept as written
        "https://münchen.test/a",
        "http://user@[::1]:8080/p?q",
    ],
)
def test_urls_valid_before_keep_their_identity(url):
    assert parse(seed_text(originalUrl=url)).url == normalise_url(url)


def test_a_related_item_with_an_unusable_url_is_dropped_with_a_warning():
    record = parse(
        seed_text(
            related=[
                {"title": "one", "webUrl": "https://x.test/1"},
                {"title": "bad", "webUrl": "javascript:alert(1)"},
                {"title": "three", "webUrl": "https://x.test/3", "ampWebUrl": "mailto:a@b.c"},
                {"title": "four", "webUrl": "https://x.test/4"},
                {"title": "long", "webUrl": "https://x.test/" + "a" * 2100},
            ]
        )
    )
    assert [item.title for item in record.related] == ["one", "four"]
    assert record.warnings == (
        "related[1].webUrl: not an http(s) URL: 'javascript:alert(1)'; related[1] dropped",
        "related[2].ampWebUrl: not an http(s) URL: 'mailto:a@b.c'; related[2] dropped",
        "related[4].webUrl: URL longer than 2000 bytes; related[4] dropped",
    )
    assert "originalUrl: not an http(s)" in refused(seed_text(originalUrl="javascript:x"))


@pytest.mark.parametrize(
    ("port", "shown"),
    [
        ("99999", "99999"),
        ("65536", "65536"),
        ("0", "0"),
        ("00000", "00000"),
        ("123456", "123456"),
        ("abc", "'abc'"),
        ("-1", "'-1'"),
        ("8080:1", "'8080:1'"),
        ("８０", "'８０'"),  # fullwidth digits: not a port to a browser either
    ],
)
def test_a_url_with_an_impossible_port_is_refused_as_any_unusable_url(port, shown):
    problem = f"not a valid port in URL: {shown}"
    bad = f"https://t.example.org:{port}/q"
    assert refused(seed_text(originalUrl=bad)) == f"originalUrl: {problem}"
    assert refused(seed_text(originalUrl=None, webUrl=bad)) == f"webUrl: {problem}"
    assert refused(seed_text(webUrl=bad)) == f"webUrl: {problem}"
    assert refused(seed_text(cdnAmpWebUrl=bad)) == f"cdnAmpWebUrl: {problem}"
    assert refused(seed_text(images=[{"url": bad}])) == f"images[0].url: {problem}"
    ipv6 = f"http://[::1]:{port}/"
    assert refused(seed_text(originalUrl=ipv6)) == f"originalUrl: {problem}"
    # A related item with an unusable URL is dropped with a warning, as for any other.
    record = parse(
        seed_text(
            related=[{"title": "bad", "webUrl": bad}, {"title": "ok", "webUrl": "https://x.test/"}]
        )
    )
    assert [item.title for item in record.related] == ["ok"]
    assert record.warnings == (f"related[0].webUrl: {problem}; related[0] dropped",)
    with pytest.raises(ValueError, match="not a valid port"):
        normalise_url(bad)


@pytest.mark.parametrize(
    "url",
    ["https://x.test:1/a", "https://x.test:65535/a", "http://x.test:080/", "https://x.test:/a"],
)
def test_a_port_from_1_to_65535_or_none_is_fine(url):
    assert parse(seed_text(originalUrl=url)).url == normalise_url(url) == url


@pytest.mark.parametrize("domain", ["..", "?", "#", '"', "a..b", ".x.test", "x.test.", "a b"])
def test_a_provider_domain_must_be_a_host_name(domain):
    reason = refused(seed_text(provider={"name": "P", "domain": domain}))
    assert reason.startswith("provider.domain: not a domain name")


@pytest.mark.parametrize("domain", ["example.com", "WWW.Example.co.uk", "münchen.de", "a-b_c.x"])
def test_host_names_are_still_provider_domains(domain):
    assert parse(seed_text(provider={"name": "P", "domain": domain})).provider.domain
