"""The seed parser: good files in all their real-world variety, and every kind of broken one."""

from __future__ import annotations

import datetime as dt
import tracemalloc

import frontmatter
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.ingest import seedfile
from articles.ingest.fields import normalise_url
from articles.ingest.loader import SeedLoader
from articles.ingest.records import SeedError
from articles.ingest.seedfile import content_hash, parse_seed
from tests.helpers.factories import seed_text


def parse(text: str | bytes, **kwargs):
    return parse_seed(text.encode() if isinstance(text, str) else text, **kwargs)


def rejects(text: str | bytes, message: str, **kwargs) -> str:
    with pytest.raises(SeedError) as caught:
        parse(text, **kwargs)
    reason = str(caught.value)
    assert message in reason
    assert "\n" not in reason, "an error is one line"
    return reason


def test_real_seed_parses_every_field(real_seed):
    record = parse_seed(real_seed.read_bytes())
    assert record.title == (
        "Minneapolis City Council votes to bar use of facial recognition technology"
    )
    assert record.url.startswith("https://kstp.com/minnesota-news/minneapolis-city-council")
    assert record.published_at == dt.datetime(2021, 2, 12, 17, 21, tzinfo=dt.UTC)
    assert record.provider.name == "KSTP" and record.provider.domain == "kstp.com"
    assert record.topics == ("Computer Vision", "AI")
    assert record.category == "news" and record.type == "article"
    assert (record.quality, record.heat, record.published) == (57, 67, False)
    assert record.amp_url.startswith("https://amp.kstp.com/")
    assert record.cdn_amp_url.startswith("https://amp-kstp-com.cdn.ampproject.org/")
    [image] = record.images
    assert (image.width, image.height, image.is_cached) == (800, 450, True)
    [related] = record.related
    assert related.provider.name == "CBS Local" and related.provider.domain == "cbslocal.com"
    assert related.quality == 39
    assert related.published_at == dt.datetime(2021, 2, 12, 18, 26, tzinfo=dt.UTC)
    assert record.secured.startswith("CpyS7kXpa0B5/CGQ") and record.secured.endswith(
        ";1lgsi6tbCae2xbUgwTxfrA=="
    )
    assert record.extra == {}


def test_crlf_bom_and_unicode_import_fine():
    text = seed_text(title="Zürich: café naïve — 東京 🚀", excerpt="Ελλάδα\nΚύπρος")
    record = parse(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    assert record.title == "Zürich: café naïve — 東京 🚀"
    assert record.excerpt == "Ελλάδα\nΚύπρος"  # line breaks kept, without the \r


def test_nulls_quoted_values_and_offsets_are_understood():
    record = parse(
        seed_text(
            ampWebUrl="",
            quality="57",
            heat=12.0,
            published="true",
            publishedDateTime="2021-02-12T12:21:00.250-05:00",
        ).replace("ampWebUrl: ''", "ampWebUrl: null")
    )
    assert record.amp_url == ""
    assert (record.quality, record.heat, record.published) == (57, 12, True)
    assert record.published_at == dt.datetime(2021, 2, 12, 17, 21, 0, 250000, tzinfo=dt.UTC)


def test_unknown_fields_are_kept_verbatim():
    record = parse(
        seed_text(
            locale="en-us",
            tags=["a", "b"],
            path="/x",
            somethingNew={"nested": [1, 2], "when": dt.date(2021, 1, 2)},
            provider={"name": "P", "domain": "p.com", "images": [{"url": "https://p.com/l.png"}]},
            images=[{"url": "https://p.com/i.jpg", "width": 1, "height": 1, "caption": "c"}],
        )
    )
    assert record.locale == "en-us"
    assert record.extra == {
        "tags": ["a", "b"],
        "path": "/x",
        "somethingNew": {"nested": [1, 2], "when": "2021-01-02"},
        "provider": {"images": [{"url": "https://p.com/l.png"}]},
    }
    assert record.images[0].extra == {"caption": "c"}


def test_body_is_kept():
    record = parse(seed_text() + "\nFirst paragraph.\n\nSecond.\n")
    assert record.body == "First paragraph.\n\nSecond."


def test_identity_falls_back_to_web_url_and_is_normalised():
    record = parse(seed_text(originalUrl=None, webUrl="HTTPS://Example.COM/Path?q=1#top"))
    assert record.url == "https://example.com/Path?q=1"


def test_normalise_url():
    assert normalise_url("HTTP://User@Host.Example:8080/A#x") == "http://User@host.example:8080/A"
    assert normalise_url("https://example.com") == "https://example.com/"


def test_provider_without_domain_takes_the_story_host():
    record = parse(seed_text(provider={"name": "Somebody"}, originalUrl="https://www.s.org/x"))
    assert record.provider == ("Somebody", "s.org")


def test_topics_are_deduplicated_case_insensitively():
    record = parse(seed_text(topics=["AI", "ai", " Computer   Vision ", ""]))
    assert record.topics == ("AI", "Computer Vision")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"  \n\n", "empty file"),
        (b"Just some text, no front matter.\n", "no front matter"),
        (b"---\ntitle: x\noriginalUrl: https://x.com\n", "closing '---' line is missing"),
        (b"---\n---\nbody\n", "front matter is empty"),
        (b"---\n- a\n- b\n---\n", "front matter is a list, expected a mapping"),
        (b"---\njust a string\n---\n", "front matter is a string"),
        (b"---\ntitle: [unclosed\n---\n", "invalid YAML"),
        (b"---\ntitle: a\n  bad: indent\n---\n", "invalid YAML"),
        (b"\xff\xfe\x00t\x00i\x00", "not UTF-8"),
        (b"---\ntitle: caf\xe9\n---\n", "not UTF-8: byte 0xe9 on line 2 cannot be decoded"),
    ],
)
def test_broken_files_are_rejected(content, message):
    rejects(content, message)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": None}, "title: missing"),
        ({"title": "   "}, "title: missing"),
        ({"title": ["a", "list"]}, "title: expected text, got a list"),
        ({"title": True}, "title: expected text, got a boolean"),
        ({"excerpt": {"a": 1}}, "excerpt: expected text, got a mapping"),
        ({"originalUrl": None, "webUrl": None}, "originalUrl: missing"),
        ({"originalUrl": "ftp://example.com/x"}, "originalUrl: not an http(s) URL"),
        ({"originalUrl": "javascript:alert(1)"}, "originalUrl: not an http(s) URL"),
        ({"originalUrl": "https:///nohost"}, "originalUrl: not an http(s) URL"),
        ({"webUrl": "https://exa mple.com/"}, "webUrl: URL contains spaces"),
        ({"ampWebUrl": ["https://x.com"]}, "ampWebUrl: expected a URL, got a list"),
        ({"originalUrl": "https://x.com/" + "a" * 2100}, "originalUrl: URL longer than"),
        ({"publishedDateTime": "yesterday"}, "publishedDateTime: not an ISO 8601 date"),
        ({"publishedDateTime": 12}, "publishedDateTime: not a date"),
        ({"publishedDateTime": "0001-01-01T00:00:00Z"}, "publishedDateTime: year 1 is out"),
        ({"quality": "high"}, "quality: not a whole number: 'high'"),
        ({"heat": 1.5}, "heat: not a whole number"),
        ({"heat": True}, "heat: not a whole number"),
        ({"quality": 10**12}, "quality: out of range"),
        ({"published": "maybe"}, "published: expected true or false"),
        ({"provider": ["a"]}, "provider: expected a mapping"),
        ({"provider": {"name": "x", "domain": "a b/c"}}, "provider.domain: not a domain"),
        ({"topics": "AI"}, "topics: expected a list, got a string"),
        ({"topics": [{"a": 1}]}, "topics[0]: expected a topic name, got a mapping"),
        ({"images": [{"width": 1}]}, "images[0].url: missing"),
        ({"images": [{"url": "data:image/png;base64,AAA"}]}, "images[0].url: not an http(s)"),
        ({"images": [{"url": "https://x.com/i.jpg", "width": "wide"}]}, "images[0].width"),
        ({"images": [{"url": "https://x.com/i.jpg", "height": 0}]}, "images[0].height: out of"),
        ({"related": ["just a string"]}, "related[0]: expected a mapping"),
        ({"related": [{"publishedDateTime": "soon"}]}, "related[0].publishedDateTime"),
        ({"secured": ["x"]}, "secured: expected the sealed text"),
    ],
)
def test_bad_fields_are_named(fields, message):
    rejects(seed_text(**fields), message)


def test_size_cap():
    text = seed_text(excerpt="x" * 5000)
    assert parse(text, max_bytes=10_000).excerpt
    rejects(text, "over the 4,000-byte limit", max_bytes=4000)


def test_language_tags_are_refused():
    reason = rejects(
        "---\ntitle: !!python/object/apply:os.system ['echo pwned']\n---\n", "is not allowed"
    )
    assert "!!python/object/apply:os.system" in reason and "line 2" in reason


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("date: !!timestamp 2020-13-45", "not a valid date: '2020-13-45' (line 3, column 7)"),
        ("publishedDateTime: 2020-13-45", "not a valid date: '2020-13-45' (line 3, column 20)"),
        ("updatedDateTime: 2021-02-30 10:00:00", "not a valid date: '2021-02-30 10:00:00'"),
        ("when: 2021-02-03T25:00:00Z", "not a valid date: '2021-02-03T25:00:00Z'"),
        ("when: 2021-02-03T10:00:00+24:00", "not a valid date: '2021-02-03T10:00:00+24:00'"),
        ("date: !!timestamp 0000-01-01", "not a valid date: '0000-01-01' (line 3, column 7)"),
        ("date: !!timestamp 10000-01-01", "not a valid date: '10000-01-01' (line 3, column 7)"),
        ("date: !!timestamp soon", "not a valid date: 'soon' (line 3, column 7)"),
        ("dates: [2021-01-01, 2021-00-01]", "not a valid date: '2021-00-01' (line 3, column 21)"),
        ("2020-13-45: as a key", "not a valid date: '2020-13-45' (line 3, column 1)"),
        ("set: !!set {? 2020-13-45}", "not a valid date: '2020-13-45' (line 3, column 15)"),
        ("quality: !!int abc", "not a valid integer: 'abc' (line 3, column 10)"),
        ('quality: !!int ""', "not a valid integer: '' (line 3, column 10)"),
        ("quality: !!int 0x", "not a valid integer: '0x' (line 3, column 10)"),
        ("quality: " + "9" * 5000, "not a valid integer: '9999"),  # past Python's 4,300 digits
        ("quality: !!int " + "9" * 5000, "not a valid integer: '9999"),
        ("heat: !!float x", "not a valid number: 'x' (line 3, column 7)"),
        ('heat: !!float "-"', "not a valid number: '-' (line 3, column 7)"),
        ("published: !!bool maybe", "not a valid boolean: 'maybe' (line 3, column 12)"),
        ("blob: !!binary abc", "not valid base64: 'abc' (line 3, column 7)"),
        # PyYAML's own constructor read these as b"": docs/IMPORT.md refuses them.
        ("blob: !!binary '***'", "not valid base64: '***' (line 3, column 7)"),
        ("blob: !!binary 'aGVs*bG8='", "not valid base64: 'aGVs*bG8=' (line 3, column 7)"),
        ("title: Twice", "the key 'title' is given twice (line 3, column 1)"),
        ("x: {a: 1, a: 2}", "the key 'a' is given twice (line 3, column 11)"),
    ],
)
def test_a_malformed_yaml_scalar_is_invalid_yaml_on_its_line(line, message):
    text = f"---\ntitle: T\n{line}\noriginalUrl: https://x.test/1\n---\n"
    reason = rejects(text, message)
    assert reason.startswith("invalid YAML: ") and reason.endswith(")")
    assert "Error" not in reason


def test_a_malformed_date_is_reported_on_the_files_own_line():
    # Blank lines before the front matter, Windows line endings and a byte-order mark: the
    # date is on line 5 of the file.
    text = (
        "\n\n---\r\ntitle: T\r\npublishedDateTime: 2021-13-01\r\noriginalUrl: https://x.test/\r\n"
    )
    reason = rejects(b"\xef\xbb\xbf" + (text + "---\r\nBody.\r\n").encode(), "invalid YAML")
    assert reason == "invalid YAML: not a valid date: '2021-13-01' (line 5, column 20)"


def test_custom_tags_are_refused():
    rejects("---\ntitle: !secret x\n---\n", "invalid YAML")


def test_alias_bomb_is_refused_without_exhausting_memory():
    lines = ["---", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    lines += ["title: boom", "originalUrl: https://x.com/", "---"]
    tracemalloc.start()
    try:
        rejects("\n".join(lines), "expands far beyond the file's size")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024


def test_self_referencing_alias_is_refused():
    rejects("---\ntitle: x\noriginalUrl: https://x.com\nloop: &a [*a]\n---\n", "refers to itself")


def test_deep_nesting_is_refused():
    rejects("---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\n", "invalid YAML")


def test_harmless_aliases_are_fine():
    text = (
        "---\ntitle: Anchored\noriginalUrl: https://x.com/a\n"
        "p: &p {name: P, domain: p.com}\nprovider: *p\n---\n"
    )
    assert parse(text).provider == ("P", "p.com")


def test_content_hash_changes_with_content():
    assert content_hash(b"a") != content_hash(b"b")
    assert content_hash(b"a") == content_hash(b"a")


SCALARS = """\
plain: [yes, No, ON, off, y, n, Yes please, ~, null, NULL, nULL, '', "7", !!str 5]
numbers: [1_000, 0x1F, 0o17, 017, 0b101, 1:20, 190:20:30.15, -1.5e3, 6.8523015e+5, +12, '+1']
floats: [.inf, -.Inf, .nan, .5, 1.]
dates: [2002-12-14, 2001-12-14t21:59:43.10-05:00, 2001-12-14 21:59:43.10 -5, 12:30:45]
keys: {'<<': x, '=': y, ~: t, 1: one, true: t}
<<: {merged: 1}
empty:
"""


MERGES = """\
base: &base {x: 1, y: two}
child: {z: 3, <<: *base, y: own}
list: [*base, {<<: [*base, {w: 4}]}]
"""


@pytest.mark.parametrize(
    "text", [SCALARS, MERGES, "a: <<\n", "a: =\n", "{<<: 5}\n", "[1, two, 3.0, null]\n"]
)
def test_the_seed_loader_reads_what_pyyamls_safe_loader_reads(text):
    def load(loader):
        try:
            return repr(yaml.load(text, Loader=loader))  # noqa: S506 - both are safe loaders
        except yaml.YAMLError as error:
            return type(error).__name__

    assert load(SeedLoader) == load(yaml.CSafeLoader)


TOKENS = st.lists(
    st.sampled_from(["---", "----", "-", "\n", "\r\n", " ", "\t", "\f", "a: 1", "x"]), max_size=14
)


@settings(max_examples=1000, deadline=None)
@given(TOKENS)
@pytest.mark.slow
def test_our_handler_splits_exactly_where_python_frontmatters_does(tokens):
    text = "".join(tokens)
    ours, theirs = seedfile.SeedHandler(), frontmatter.YAMLHandler()

    def split(handler):
        try:
            return handler.split(text)
        except ValueError:
            return None

    assert bool(ours.detect(text)) == bool(theirs.detect(text))
    assert split(ours) == split(theirs)
    assert ours.FM_BOUNDARY.split(text) == theirs.FM_BOUNDARY.split(text)


@settings(max_examples=300, deadline=None)
@given(TOKENS)
@pytest.mark.slow
def test_front_matter_is_found_where_python_frontmatter_finds_it(tokens):
    text = "".join(tokens)
    handler = frontmatter.YAMLHandler()
    stripped = text.strip()
    try:
        expected = handler.split(stripped) if handler.detect(stripped) else None
    except ValueError:
        expected = None
    try:
        _, body, fm = seedfile._load_front_matter(text)
        got = (fm, body)
    except SeedError as error:
        got = None if str(error).startswith("no front matter") else "found, not a mapping"
    if expected is None:
        assert got is None
    else:
        assert got in ("found, not a mapping", (expected[0], expected[1].strip()))
