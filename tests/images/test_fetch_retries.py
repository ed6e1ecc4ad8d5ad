"""``manage.py fetch_images`` when things go wrong around an image rather than in it: stored
files that went missing, a storage that fails."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.storage import FileSystemStorage
from django.utils import timezone

from articles.images.models import StoredImage
from articles.images.storage import backoff
from pagecache.content_version import content_version
from tests.helpers import images
from tests.images.test_fetching import media, run, server, stored_files, story_with_image  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("etag", ['"a"', ""], ids=["not-modified", "same-bytes"])
@pytest.mark.slow
def test_an_unchanged_image_whose_files_are_gone_is_stored_again(server, media, etag):  # noqa: F811
    article = story_with_image(server.add("/1.jpg", images.photo(seed=1), etag=etag))
    run()
    files = stored_files(media)
    for name in files:
        (media / name).unlink()
    out, err = run("--recheck-after", "0")
    assert (out.strip(), err) == ("Images: 1 fetched, 0 unchanged, 0 failed", "")
    assert stored_files(media) == files
    assert bool(StoredImage.objects.get(article=article).renditions.get("webp"))


class FailingStorage(FileSystemStorage):
    """A storage whose writes fail with what is not an OSError (as boto3's do)."""

    def save(self, name, content, max_length=None):
        raise RuntimeError("An error occurred (InternalError) when calling PutObject\nmore")


@pytest.mark.slow
def test_a_storage_that_fails_costs_the_image_with_a_back_off(server, media, settings):  # noqa: F811
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.FailingStorage", "OPTIONS": {"location": media}},
    }
    article = story_with_image(server.add("/1.jpg", images.photo(seed=1)))
    out, err = run()
    assert out.strip() == "Images: 0 fetched, 0 unchanged, 1 failed"
    reason = "could not store it: RuntimeError: An error occurred (InternalError) when calling"
    assert err.strip() == f"story {article.pk} ({article.title}): {server.url('/1.jpg')}: " + (
        reason + " PutObject"
    )
    row = StoredImage.objects.get(article=article)
    assert (row.failures, bool(row.renditions.get("webp"))) == (
        1,
        False,
    ) and row.failure.startswith(reason)
    assert row.retry_at - row.checked_at == backoff(1)


@pytest.mark.slow
def test_only_what_readers_see_moves_the_content_version(
    server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    def version_after(*args: str) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            run(*args)
        return content_version()

    failing = story_with_image(server.url("/missing.jpg"))
    article = story_with_image(server.add("/1.jpg", images.photo(seed=1), etag='"a"'))
    first = version_after()
    assert first > 0  # a new image
    assert version_after("--recheck-after", "0") == first  # unchanged (304)
    past = timezone.now() - dt.timedelta(days=1)
    server.routes["/1.jpg"] = images.Route(status=503)
    StoredImage.bookkeeping.filter(article=failing).update(retry_at=past)
    assert version_after("--recheck-after", "0") == first  # failed: a recheck, a retry
    assert bool(StoredImage.objects.get(article=article).renditions.get("webp"))  # the copy stays
    assert StoredImage.objects.get(article=failing).failures == 2
    server.add("/1.jpg", images.photo(seed=2))
    StoredImage.bookkeeping.filter(article=article).update(retry_at=past)
    assert version_after("--recheck-after", "0") > first  # a new image


@pytest.mark.slow
def test_a_failed_recheck_is_tried_again_after_its_back_off(server):  # noqa: F811
    article = story_with_image(server.add("/1.jpg", images.photo(seed=1), etag='"a"'))
    run()
    server.routes["/1.jpg"] = images.Route(status=503)
    out, _ = run("--recheck-after", "0")
    assert out.strip() == "Images: 0 fetched, 0 unchanged, 1 failed"
    row = StoredImage.objects.get(article=article)
    assert row.retry_at - row.checked_at == backoff(1) and bool(row.renditions.get("webp"))
    out, _ = run()
    assert out.strip() == "Images: 0 fetched, 0 unchanged, 0 failed (1 waiting to be tried again)"
    later = timezone.now() - backoff(1)  # the back-off has passed, a day has not
    StoredImage.bookkeeping.filter(pk=row.pk).update(checked_at=later, retry_at=later)
    server.add("/1.jpg", images.photo(seed=1), etag='"a"')
    out, _ = run()
    assert out.strip() == "Images: 0 fetched, 1 unchanged, 0 failed"
    assert server.not_modified["/1.jpg"] == 1  # asked again, conditionally
    row.refresh_from_db()
    assert (row.failures, row.retry_at, bool(row.renditions.get("webp"))) == (0, None, True)
