"""``manage.py fetch_images`` when things go wrong around an image rather than in it: stored
files that went missing, a storage that fails."""

from __future__ import annotations

import pytest

from articles.media import StoredImage

from . import images
from .test_fetch_images import media, run, server, stored_files, story_with_image  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("etag", ['"a"', ""], ids=["not-modified", "same-bytes"])
def test_an_unchanged_image_whose_files_are_gone_is_stored_again(server, media, etag):  # noqa: F811
    article = story_with_image(server.add("/1.jpg", images.photo(seed=1), etag=etag))
    run()
    files = stored_files(media)
    for name in files:
        (media / name).unlink()
    out, err = run("--recheck-after", "0")
    assert (out.strip(), err) == ("Images: 1 fetched, 0 unchanged, 0 failed", "")
    assert stored_files(media) == files
    assert StoredImage.objects.get(article=article).has_image
