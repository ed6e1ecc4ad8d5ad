"""Whatever bytes arrive, the parser answers with a record or a SeedError, never a crash."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.ingest.records import ArticleRecord, SeedError
from articles.ingest.seedfile import parse_seed
from tests.helpers.factories import seed_text

VALID = seed_text(
    images=[{"url": "https://e.com/i.jpg", "width": 800, "height": 450}],
    related=[{"title": "R", "webUrl": "https://r.com/x", "provider": {"name": "R"}}],
).encode()


def outcome(raw: bytes) -> ArticleRecord | SeedError:
    try:
        return parse_seed(raw, max_bytes=64 * 1024)
    except SeedError as exc:
        assert "\n" not in str(exc)
        return exc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_random_bytes(raw):
    outcome(raw)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
@pytest.mark.slow
def test_mutated_seed_files(data):
    raw = bytearray(VALID)
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(raw) - 1))
        action = data.draw(st.sampled_from(["flip", "insert", "delete"]))
        byte = data.draw(st.sampled_from(b"-:*&!{}[]'\"\n\r\t #|>%@`\x00\xff\xe9"))
        if action == "flip":
            raw[position] = byte
        elif action == "insert":
            raw.insert(position, byte)
        else:
            del raw[position]
    outcome(bytes(raw))


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=20,
    ),
    st.sampled_from(
        [
            "title",
            "excerpt",
            "provider",
            "topics",
            "images",
            "related",
            "quality",
            "publishedDateTime",
            "published",
            "originalUrl",
            "secured",
            "unknown",
        ]
    ),
)
@pytest.mark.slow
def test_any_value_in_any_field(value, field):
    outcome(seed_text(**{field: value}).encode() if value is not None else VALID)
