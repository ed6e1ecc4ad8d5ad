"""One bad file never costs its neighbours (issue #11): FIFOs, file names that are not
UTF-8, links out of the folders given, NULs and more items than a position can number; a
related item that is dropped is reported and its story imported; a story from the future is
dated at the import."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from articles.ingest.files import find_seed_files, shown_path
from articles.ingest.seedfile import FUTURE_DATE_KEY, MAX_ITEMS
from articles.models import Article, ArticleImage, RelatedLink
from tests.helpers.factories import seed_text
from tests.helpers.importing import run

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_hang():
    """A test that would wait forever fails instead."""

    def stop(signum, frame):
        raise TimeoutError("the import waited forever")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def good_neighbours(write_seed, count: int = 3) -> None:
    for i in range(count):
        write_seed(f"good{i}.txt", seed_text())


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_skipped_with_a_line(write_seed, tmp_path, no_hang):
    good_neighbours(write_seed)
    os.mkfifo(tmp_path / "seeds" / "pipe.txt")
    summary, errors = run(tmp_path / "seeds")
    assert (summary.created, summary.failed) == (3, 1)
    assert errors == [
        (
            str(tmp_path / "seeds" / "pipe.txt"),
            "not a regular file (a pipe, socket or device?): skipped",
        )
    ]


def test_a_file_name_that_is_not_utf8_is_refused_printably(write_seed, tmp_path):
    good_neighbours(write_seed)
    folder = os.fsencode(tmp_path / "seeds")
    try:
        with open(folder + b"/bad\xff\x1b.txt", "w") as f:
            f.write(seed_text())
    except (OSError, UnicodeError):
        pytest.skip("the file system takes UTF-8 names only")
    summary, errors = run(tmp_path / "seeds")
    assert (summary.created, summary.failed) == (3, 1)
    [(path, reason)] = errors
    assert path == str(tmp_path / "seeds") + "/bad\\xff\\x1b.txt"
    assert path.isprintable()
    assert reason.startswith("the file name is not UTF-8")


def test_shown_path_leaves_ordinary_names_alone_and_escapes_the_rest():
    assert shown_path("/seeds/são paulo.txt") == "/seeds/são paulo.txt"
    assert shown_path("/seeds/a\nb\u202e.txt") == "/seeds/a\\nb\\u202e.txt"


def test_a_link_out_of_the_folders_given_is_not_followed_without_a_word(write_seed, tmp_path):
    good_neighbours(write_seed)
    outside = tmp_path / "outside.txt"
    outside.write_text(seed_text(title="Secret"))
    inside = write_seed("sub/inside.txt", seed_text(title="Linked inside"))
    (tmp_path / "seeds" / "out.txt").symlink_to(outside)
    (tmp_path / "seeds" / "in.txt").symlink_to(inside)
    (tmp_path / "seeds" / "folder.txt").symlink_to(tmp_path, target_is_directory=True)
    summary, errors = run(tmp_path / "seeds")
    link = str(tmp_path.resolve() / "seeds" / "out.txt")
    assert errors == [(link, "a link to a file outside the folders given: not followed")]
    assert summary.failed == 1
    assert not Article.objects.filter(title="Secret").exists()
    assert Article.objects.filter(title="Linked inside").exists()
    # A folder given beside it makes the target inside the folders given.
    assert not find_seed_files([tmp_path / "seeds", tmp_path]).refused


def test_a_dropped_related_item_is_reported_and_its_story_imported(write_seed, tmp_path):
    related = [{"webUrl": "https://x.test/1"}, {"webUrl": "javascript:alert(1)"}]
    path = write_seed("a.txt", seed_text(related=related))
    summary, errors = run(path)
    assert (summary.created, summary.failed) == (1, 0)
    assert errors == [
        (
            str(path.resolve()),
            "related[1].webUrl: not an http(s) URL: 'javascript:alert(1)'; related[1] dropped",
        )
    ]
    assert list(RelatedLink.objects.values_list("position", "web_url")) == [(0, "https://x.test/1")]


def test_a_story_from_the_future_is_dated_at_the_import(write_seed, tmp_path):
    write_seed("a.txt", seed_text(publishedDateTime="2999-12-31T23:59:59Z"))
    summary, errors = run(tmp_path / "seeds")
    article = Article.objects.get()
    assert errors == [] and article.published_at.year < 2999
    assert article.published_at == article.created_at
    assert article.extra == {FUTURE_DATE_KEY: "2999-12-31T23:59:59+00:00"}


def test_a_story_stored_in_the_future_before_is_brought_back_by_its_next_import(
    write_seed, tmp_path
):
    """Stories stored with a far-future date before such dates were refused: the file, now
    read as undated, no longer keeps that date (the story would sit atop every list)."""
    import datetime as dt

    from django.utils import timezone

    path = write_seed("a.txt", seed_text(publishedDateTime="2999-12-31T23:59:59Z"))
    run(tmp_path / "seeds")
    far = dt.datetime(2999, 12, 31, tzinfo=dt.UTC)
    Article.objects.update(published_at=far, content_hash="stored by an older release")
    summary, _ = run(path)
    assert summary.updated == 1
    assert Article.objects.get().published_at <= timezone.now()
    # A story dated in the past by the database keeps its date when its file has none.
    past = dt.datetime(2020, 5, 1, tzinfo=dt.UTC)
    Article.objects.update(published_at=past, content_hash="stored by an older release")
    run(path)
    assert Article.objects.get().published_at == past


def test_a_nul_costs_only_its_own_file(write_seed, tmp_path):
    good_neighbours(write_seed)
    write_seed("nul.txt", '---\ntitle: "T\\0"\noriginalUrl: https://x.test/n\nnote: "\\0"\n---\n')
    summary, errors = run(tmp_path / "seeds")
    assert (summary.created, summary.failed) == (3, 1)
    assert [reason for _, reason in errors] == [
        "extra: contains a NUL character, which cannot be stored"
    ]


@pytest.mark.parametrize("key", ["images", "related"])
def test_more_items_than_a_position_can_number_cost_only_their_file(write_seed, tmp_path, key):
    good_neighbours(write_seed)
    item = '"https://x.test/i"' if key == "images" else '{webUrl: "https://x.test/r"}'
    many = ", ".join([item] * (MAX_ITEMS + 1))
    write_seed("many.txt", f"---\ntitle: T\noriginalUrl: https://x.test/m\n{key}: [{many}]\n---\n")
    summary, errors = run(tmp_path / "seeds")
    assert (summary.created, summary.failed) == (3, 1)
    assert [reason for _, reason in errors] == [
        f"{key}: 32,768 items, more than the 32,767 allowed"
    ]


@pytest.mark.slow
def test_as_many_images_as_a_position_can_number_are_stored(write_seed, tmp_path):
    many = ", ".join(['"https://x.test/i"'] * MAX_ITEMS)
    write_seed("many.txt", f"---\ntitle: T\noriginalUrl: https://x.test/m\nimages: [{many}]\n---\n")
    summary, errors = run(tmp_path / "seeds")
    assert (summary.created, errors) == (1, [])
    assert ArticleImage.objects.count() == MAX_ITEMS
    assert ArticleImage.objects.order_by("-position").first().position == MAX_ITEMS - 1


def test_the_command_prints_a_name_that_is_not_utf8(tmp_path):
    from io import BytesIO, TextIOWrapper

    from django.core.management import call_command
    from django.core.management.base import CommandError

    folder = tmp_path / "seeds"
    folder.mkdir()
    try:
        Path(os.fsdecode(os.fsencode(folder) + b"/x\xe9.txt")).write_text(seed_text())
    except (OSError, UnicodeError):
        pytest.skip("the file system takes UTF-8 names only")
    err = TextIOWrapper(BytesIO(), encoding="utf-8")  # strict, as a real terminal's
    with pytest.raises(CommandError):
        call_command("import_seeds", str(folder), stderr=err, stdout=TextIOWrapper(BytesIO()))
    err.flush()
    assert b"x\\xe9.txt: the file name is not UTF-8" in err.buffer.getvalue()


def test_a_link_that_loops_costs_only_its_own_entry(write_seed, tmp_path):
    """`ln -s self.txt self.txt` in the feed folder stopped every import with a traceback
    (OSError: [Errno 40] Too many levels of symbolic links)."""
    good_neighbours(write_seed)
    folder = tmp_path / "seeds"
    (folder / "self.txt").symlink_to("self.txt")
    (folder / "a.txt").symlink_to("b.txt")
    (folder / "b.txt").symlink_to("a.txt")
    summary, errors = run(folder)
    assert (summary.created, summary.failed) == (3, 3)
    loop = "cannot be followed: Too many levels of symbolic links: skipped"
    assert errors == [
        (str(folder.resolve() / name), loop) for name in ("a.txt", "b.txt", "self.txt")
    ]
