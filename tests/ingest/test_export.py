"""``export_seeds``: every story back as a seed file. The round trip is the acceptance test:
import a folder, export it, and each story's fields equal its original file's; import the
export into an empty database and export again: the same files, byte for byte."""

from __future__ import annotations

import datetime as dt
import errno
import shutil
from io import StringIO
from pathlib import Path

import frontmatter
import pytest
import yaml
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.ingest import exporter
from articles.ingest.seedfile import parse_seed
from articles.models import Article, Category, Provider, Topic
from tests.conftest import REAL_SEED
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db

# Hand-written files: unknown fields at every level, nulls, quoting, offsets, CRLF, a BOM, an
# alias, a body, and a story that two files hold.
HAND_WRITTEN = {
    "nested.txt": """---
title: "Nested: unknown fields at every level"
excerpt: null
publishedDateTime: 2024-03-01T09:30:00-05:00
updatedDateTime: '2024-03-02T10:00:00.250+01:00'
originalUrl: https://example.org/news/nested?b=2&a=1
webUrl: null
ampWebUrl: null
type: Video
quality: "42"
heat: 7
published: "true"
locale: en-us
tags: [alpha, beta]
content: {blocks: [{kind: para, text: "Hello"}, {kind: quote, text: null}], version: 3}
provider: {name: Example Org, domain: example.org, images: [{url: "https://example.org/l.png"}]}
topics: [Science, science, "Space  Flight"]
images:
  - {url: "https://example.org/a.jpg", width: 640, height: null, isCached: false,
     title: Lead, attribution: null, focal: {x: 0.5, y: 0.25}}
related:
  - title: Other coverage
    webUrl: https://other.example.net/story
    provider: {name: Other, domain: other.example.net, rank: 3}
    quality: null
    sentiment: {score: -0.2, labels: [calm]}
secured: "c2VhbGVk;aXY="
unheard: &shared {deep: {deeper: [1, 2.5, true, null, 2021-01-01]}}
again: *shared
---

A body, with **markdown**, kept as it was.

Second paragraph.
""",
    "windows.txt": "\ufeff---\r\ntitle: Windows line endings\r\nexcerpt: 'Quoted: yes'\r\n"
    "publishedDateTime: 2023-12-31T23:59:59.123456Z\r\n"
    "originalUrl: https://example.org/win\r\nprovider:\r\n  name: Example Org\r\n"
    "  domain: example.org\r\ncategory: World\r\n---\r\n",
    "dupe-a.txt": "---\ntitle: First file of a story\noriginalUrl: https://example.org/dupe\n---\n",
    "dupe-b.txt": "---\ntitle: Second file of a story\noriginalUrl: https://example.org/dupe\n---\n",
}


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def front(path: Path) -> tuple[dict, str]:
    """A file's fields as YAML reads them, and its body."""
    fields, body = frontmatter.parse(path.read_bytes().decode("utf-8-sig"))
    return dict(fields), body.strip()


def source_fields(fields: dict) -> dict:
    return {k: v for k, v in fields.items() if k not in ("published", "newsroom")}


def source_record(path: Path):
    """What the import reads of a file's source fields (not the editors' state)."""
    record = parse_seed(path.read_bytes())
    return record._replace(published=False, editorial=None, front_matter="")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(REAL_SEED, folder / REAL_SEED.name)
    run("generate_seeds", "40", str(folder / "generated"))
    for name, text in HAND_WRITTEN.items():
        (folder / name).write_bytes(text.encode())
    return folder


def empty_database() -> None:
    Article.objects.all().delete()
    for model in (Topic, Category, Provider):
        model.objects.all().delete()


def edit_some_stories() -> dict[str, tuple]:
    """The editors' work on a few stories: what each should come back with."""
    now = timezone.now().replace(microsecond=0)
    stories = list(Article.objects.order_by("url")[:4])
    Article.objects.filter(pk=stories[0].pk).update(
        published=True, title_override="Our headline", excerpt_override="Our summary"
    )
    Article.objects.filter(pk=stories[1].pk).update(
        published=True,
        publish_at=now + dt.timedelta(days=1),
        unpublish_at=now + dt.timedelta(days=2),
    )
    Article.objects.filter(pk=stories[2].pk).update(featured=True, featured_at=now)
    Article.objects.filter(pk=stories[3].pk).update(published=False)
    return {
        a.url: (a.published, a.title_override, a.excerpt_override, a.publish_at, a.unpublish_at,
                a.featured)
        for a in Article.objects.all()
    }  # fmt: skip


def test_the_round_trip_keeps_every_field_and_then_every_byte(corpus, tmp_path):
    run("import_seeds", str(corpus))
    state = edit_some_stories()
    first, second = tmp_path / "first", tmp_path / "second"
    assert run("export_seeds", str(first)).strip() == (
        f"Exported: {len(state)} stories written to {first}"
    )

    # Each story's file holds its original file's fields (and body), whatever they were.
    exported = {p.name: p for p in first.iterdir()}
    assert len(exported) == Article.objects.count() == len(state)
    for article in Article.objects.all():
        original = Path(article.source_path)
        copy = exported[exporter.file_name(article.url)]
        (fields, body), (original_fields, original_body) = front(copy), front(original)
        assert source_fields(fields) == source_fields(original_fields), original.name
        assert body == original_body, original.name
        # And the import reads the same story from both.
        assert source_record(copy) == source_record(original), original.name
    nested_url = Article.objects.get(title__startswith="Nested").url
    nested = front(exported[exporter.file_name(nested_url)])[0]
    assert nested["excerpt"] is None and nested["images"][0]["height"] is None
    assert nested["secured"] == "c2VhbGVk;aXY="
    assert nested["again"] is nested["unheard"]  # the alias, still one value

    # Into an empty database, and out again: byte for byte.
    empty_database()
    run("import_seeds", str(first))
    after = {
        a.url: (a.published, a.title_override, a.excerpt_override, a.publish_at, a.unpublish_at,
                a.featured)
        for a in Article.objects.all()
    }  # fmt: skip
    assert after == state
    run("export_seeds", str(second))
    assert sorted(p.name for p in second.iterdir()) == sorted(exported)
    for name, path in exported.items():
        assert (second / name).read_bytes() == path.read_bytes(), name


def test_the_editorial_state_is_written_apart_from_the_source(tmp_path):
    article = make_article(
        title="Wire", published=True, title_override="Ours", featured=True,
        publish_at=dt.datetime(2030, 1, 1, 8, tzinfo=dt.UTC),
    )  # fmt: skip
    run("export_seeds", str(tmp_path / "out"))
    fields, _ = front(tmp_path / "out" / exporter.file_name(article.url))
    assert fields["published"] is True
    assert fields["newsroom"] == {
        "title": "Ours", "publishAt": "2030-01-01T08:00:00Z", "featured": True
    }  # fmt: skip
    assert fields["title"] == "Wire"


def test_a_story_without_its_front_matter_is_written_from_its_fields(tmp_path):
    article = make_article(title="Made by hand", excerpt="By hand.", topics=["Ports"])
    run("export_seeds", str(tmp_path / "out"))
    path = tmp_path / "out" / exporter.file_name(article.url)
    record = parse_seed(path.read_bytes())
    assert (record.title, record.excerpt, record.topics) == ("Made by hand", "By hand.", ("Ports",))
    assert record.provider.domain == "example.com"


def test_published_only_and_since(tmp_path):
    now = timezone.now()
    make_article(title="Old public", published=True, published_at=now - dt.timedelta(days=9))
    make_article(title="New public", published=True, published_at=now)
    make_article(title="New draft", published=False, published_at=now)
    make_article(title="Embargoed", published=True, publish_at=now + dt.timedelta(hours=1))

    def titles(folder: Path) -> set[str]:
        return {front(p)[0]["title"] for p in folder.iterdir()}

    run("export_seeds", str(tmp_path / "a"), "--published-only")
    assert titles(tmp_path / "a") == {"Old public", "New public"}
    since = (now - dt.timedelta(days=1)).date().isoformat()
    run("export_seeds", str(tmp_path / "b"), "--since", since)
    assert titles(tmp_path / "b") == {"New public", "New draft", "Embargoed"}


def test_a_folder_with_files_is_refused_unless_overwrite(tmp_path):
    make_article(title="One")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    with pytest.raises(CommandError) as error:
        run("export_seeds", str(folder))
    assert (
        str(error.value) == f"{folder}: the folder has files; pass --overwrite to write over them"
    )
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]
    run("export_seeds", str(folder), "--overwrite")
    assert len(list(folder.iterdir())) == 2


def test_bad_since_is_one_line():
    with pytest.raises(CommandError, match=r"^--since: not an ISO 8601 date: 'yesterday'$"):
        run("export_seeds", "/tmp/never", "--since", "yesterday")


def test_a_full_disk_leaves_no_half_written_file(tmp_path, monkeypatch):
    first = make_article(title="Fits")
    make_article(title="Does not fit")
    folder = tmp_path / "out"
    real_open = open

    class FullDisk:
        """The disk fills while the second story's file is written, after its first few bytes
        (chosen by its text: the export writes files from several threads, in any order)."""

        def __init__(self, path, mode):
            self.stream = real_open(path, mode)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.stream.close()

        def write(self, data):
            if b"Does not fit" in data:
                self.stream.write(data[:10])
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.stream.write(data)

    monkeypatch.setattr(exporter, "open", FullDisk, raising=False)
    with pytest.raises(CommandError, match="No space left on device"):
        run("export_seeds", str(folder))
    assert [p.name for p in folder.iterdir()] == [exporter.file_name(first.url)]
    assert yaml.safe_load(next(folder.iterdir()).read_text().split("---")[1])["title"] == "Fits"
