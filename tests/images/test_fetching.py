"""``manage.py fetch_images``: each story's lead image stored with its renditions, from a
publisher the test starts on 127.0.0.1; reruns, changed addresses, failures and back-off."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import io
import os
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.images import fetcher
from articles.images.models import StoredImage
from articles.images.storage import backoff
from articles.models import ArticleImage
from tests.helpers import images
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def server():
    with images.ImageServer() as running:
        yield running


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMAGE_FETCH_ALLOW_LOOPBACK = True
    settings.IMAGE_FETCH_TIMEOUT = 3.0
    return settings.MEDIA_ROOT


def story_with_image(url: str, **fields):
    article = make_article(**fields)
    ArticleImage.objects.create(article=article, position=0, url=url)
    return article


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("fetch_images", "--workers", "1", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def stored_files(media: Path) -> set[str]:
    return {str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_lead_images_are_stored_with_their_renditions(server, media):
    first = story_with_image(server.add("/1.jpg", images.photo(seed=1), etag='"a"'))
    second = story_with_image(server.add("/2.png", images.photo((900, 600), fmt="PNG", seed=2)))
    out, err = run()
    assert out.strip() == "Images: 2 fetched, 0 unchanged, 0 failed"
    assert err == ""
    one = StoredImage.objects.get(article=first)
    assert (one.width, one.height, one.etag, one.source_url) == (
        1600,
        900,
        '"a"',
        server.url("/1.jpg"),
    )
    assert [w for w, _, _ in one.renditions["webp"]] == [400, 800, 1200]
    two = StoredImage.objects.get(article=second)
    assert [w for w, _, _ in two.renditions["webp"]] == [400, 800, 900]
    names = {e[2] for s in (one, two) for e in s.renditions["webp"]}
    names |= {s.renditions[k][2] for s in (one, two) for k in ("jpeg", "card", "thumb")}
    assert names == stored_files(media)


@pytest.mark.slow
def test_a_rerun_downloads_nothing_it_has_and_asks_conditionally(server, media):
    story_with_image(server.add("/1.jpg", images.photo(seed=1), etag='"a"'))
    run()
    files = stored_files(media)
    out, _ = run()  # checked a moment ago: not even asked
    assert out.strip() == "Images: 0 fetched, 1 unchanged, 0 failed"
    assert server.requests["/1.jpg"] == 1
    out, _ = run("--recheck-after", "0")
    assert out.strip() == "Images: 0 fetched, 1 unchanged, 0 failed"
    assert (server.requests["/1.jpg"], server.not_modified["/1.jpg"]) == (2, 1)
    assert stored_files(media) == files


@pytest.mark.slow
def test_a_source_without_validators_sending_the_same_bytes_is_unchanged(server, media):
    article = story_with_image(server.add("/1.jpg", images.photo(seed=1)))
    run()
    before = StoredImage.objects.get(article=article).stored_at
    out, _ = run("--recheck-after", "0")
    assert out.strip() == "Images: 0 fetched, 1 unchanged, 0 failed"
    assert StoredImage.objects.get(article=article).stored_at == before


@pytest.mark.slow
def test_a_story_whose_image_address_changed_gets_the_new_image(server):
    article = story_with_image(server.add("/1.jpg", images.photo(seed=1), etag='"a"'))
    run()
    old = StoredImage.objects.get(article=article).renditions
    new_url = server.add("/new.jpg", images.photo(seed=9), etag='"a"')
    ArticleImage.objects.filter(article=article).update(url=new_url)
    out, _ = run()
    assert out.strip() == "Images: 1 fetched, 0 unchanged, 0 failed"
    stored = StoredImage.objects.get(article=article)
    assert stored.source_url == new_url and stored.renditions != old
    assert server.requests["/new.jpg"] == 1


BAD = {
    "/missing.jpg": ({"status": 404}, "HTTP 404"),
    "/html.jpg": ({"body": b"<html>hi</html>"}, "not an image Pillow recognises"),
    "/cut.jpg": ({"body": images.photo()[:5000]}, "broken JPEG image"),
    "/bomb.png": ({"body": images.bomb_png(), "content_type": "image/png"}, "too many pixels"),
    "/tall.png": ({"body": images.tall_png(), "content_type": "image/png"}, "too tall: 1x20000"),
    "/inside.jpg": (
        {"status": 302, "headers": {"Location": "http://10.0.0.7/x.jpg"}},
        "refused: 10.0.0.7 is a private address",
    ),
    "/slow.jpg": ({"body": images.photo((400, 200)), "delay": 0.5}, "timed out"),
}


@pytest.mark.slow
def test_each_bad_image_is_one_line_and_costs_only_itself(server, media, settings):
    settings.IMAGE_FETCH_TIMEOUT = 1.0
    stories = {}
    for path, (route, _) in BAD.items():
        stories[path] = story_with_image(server.add(path, **route))
    good = {
        "/cmyk.jpg": images.cmyk_jpeg(),
        "/anim.gif": images.animated_gif(),
        "/deep.png": images.png16_alpha(),
        "/turned.jpg": images.exif_rotated_with_gps(),
    }
    for path, body in good.items():
        story_with_image(server.add(path, body))
    out, err = run()
    assert out.strip() == f"Images: {len(good)} fetched, 0 unchanged, {len(BAD)} failed"
    lines = err.strip().splitlines()
    assert len(lines) == len(BAD)
    assert "Traceback" not in err
    for path, (_, reason) in BAD.items():
        story = stories[path]
        [line] = [line for line in lines if server.url(path) in line]
        assert line.startswith(f"story {story.pk} ({story.title}): ")
        assert line.endswith(reason) or reason in line
        row = StoredImage.objects.get(article=story)
        assert reason in row.failure and row.failures == 1 and not bool(row.renditions.get("webp"))
    kept = StoredImage.objects.exclude(renditions={})
    assert kept.count() == len(good)
    names = {e[2] for s in kept for e in s.renditions["webp"]}
    names |= {s.renditions[k][2] for s in kept for k in ("jpeg", "card", "thumb")}
    assert stored_files(media) == names  # nothing of the bad ones


@pytest.mark.slow
def test_failures_are_retried_after_a_back_off_not_on_every_run(server):
    article = story_with_image(server.url("/later.jpg"))
    run()
    row = StoredImage.objects.get(article=article)
    assert row.retry_at - row.checked_at == backoff(1) == dt.timedelta(hours=1)
    out, err = run("--recheck-after", "0")
    assert out.strip() == "Images: 0 fetched, 0 unchanged, 0 failed (1 waiting to be tried again)"
    assert err == "" and server.requests["/later.jpg"] == 1
    StoredImage.objects.filter(pk=row.pk).update(retry_at=timezone.now() - dt.timedelta(1))
    run()
    row.refresh_from_db()
    assert row.failures == 2 and row.retry_at - row.checked_at == dt.timedelta(hours=2)
    server.add("/later.jpg", images.photo((300, 200)))
    StoredImage.objects.filter(pk=row.pk).update(retry_at=timezone.now() - dt.timedelta(1))
    out, _ = run()
    assert out.strip() == "Images: 1 fetched, 0 unchanged, 0 failed"
    row.refresh_from_db()
    assert (row.failures, row.failure, row.retry_at, bool(row.renditions.get("webp"))) == (
        0,
        "",
        None,
        True,
    )


def test_the_back_off_grows_and_stops_growing():
    assert [backoff(n).total_seconds() / 3600 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(50) == dt.timedelta(days=7)


@pytest.mark.slow
def test_an_internal_host_is_refused_without_the_loopback_setting(server, settings):
    settings.IMAGE_FETCH_ALLOW_LOOPBACK = False
    story_with_image(server.add("/1.jpg", images.photo()))
    out, err = run()
    assert "refused: 127.0.0.1 is a loopback address" in err
    assert server.requests["/1.jpg"] == 0


@pytest.mark.slow
def test_an_editors_choice_is_left_alone(server):
    removed = story_with_image(server.add("/1.jpg", images.photo()))
    StoredImage.objects.create(article=removed, origin=StoredImage.Origin.REMOVED)
    out, _ = run()
    assert out.strip() == "Images: 0 fetched, 0 unchanged, 0 failed"
    assert server.requests["/1.jpg"] == 0


@pytest.mark.slow
def test_renditions_run_in_worker_processes(server, media, monkeypatch):
    pids = []

    class Watched(fetcher.Renderer):
        def __init__(self, cores: int, max_pixels: int) -> None:
            super().__init__(cores, max_pixels, function=images.renditions_and_pid)

        def render(self, data: bytes):
            made, pid = super().render(data)
            pids.append(pid)
            return made

    monkeypatch.setattr(fetcher, "Renderer", Watched)
    for n in range(3):
        story_with_image(server.add(f"/{n}.jpg", images.photo((800, 450), seed=n)))
    out = io.StringIO()
    call_command("fetch_images", "--workers", "2", stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip() == "Images: 3 fetched, 0 unchanged, 0 failed"
    assert StoredImage.objects.filter(width=800).count() == 3
    assert len(pids) == 3 and os.getpid() not in pids


@pytest.mark.slow
def test_downloads_to_one_host_are_limited(server):
    for n in range(6):
        story_with_image(server.add(f"/{n}.jpg", images.photo((300, 200), seed=n), delay=0.05))
    run("--per-host", "1", "--downloads", "4")
    assert server.most_at_once == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--downloads", "0"], "--downloads must be positive"),
        (["--per-host", "-1", "--limit", "0"], "--per-host and --limit must be positive"),
        (["--recheck-after", "-1"], "--workers and --recheck-after must not be negative"),
    ],
)
def test_bad_usage_exits_2(args, message):
    with pytest.raises(CommandError, match=message) as caught:
        run(*args)
    assert caught.value.returncode == 2


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.slow
def test_a_terminal_gets_a_progress_bar_that_is_cleared_before_each_failure_line(server):
    story_with_image(server.add("/1.jpg", images.photo((300, 200))))
    story_with_image(server.url("/missing.jpg"))
    err = Terminal()
    call_command("fetch_images", "--workers", "1", stdout=io.StringIO(), stderr=err)
    text = err.getvalue()
    assert "\r[" in text and "/2 images" in text
    line = text.index("story ")  # the failure's line starts a line of its own
    assert line == 0 or text[:line].endswith("\r\033[K")
    assert text.endswith("\r\033[K")  # and cleared at the end, before the summary


def test_a_rendition_process_that_dies_costs_only_its_image():
    from articles.images.fetcher import Renderer
    from articles.images.renditions import ImageRefused

    renderer = Renderer(2, 10_000_000, function=images.renditions_or_die)
    try:
        assert renderer.render(images.photo((300, 200))).width == 300
        with pytest.raises(concurrent.futures.BrokenExecutor):
            renderer.render(b"die")
        assert renderer.render(images.photo((320, 200))).width == 320  # a new pool
        with pytest.raises(ImageRefused):
            renderer.render(b"not an image")
    finally:
        renderer.shutdown()
