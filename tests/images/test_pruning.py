"""``manage.py prune_images``: files no stored image names are deleted after a grace period;
named ones, shared ones and recent ones stay."""

from __future__ import annotations

import io
import os
import time

import pytest
from django.core.management import CommandError, call_command

from articles.images import prune
from articles.images.models import StoredImage
from articles.images.renditions import make_renditions
from articles.images.storage import store
from tests.helpers import images
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("prune_images", *args, stdout=out)
    return out.getvalue().strip()


def names(made: dict) -> set[str]:
    return {e[2] for e in made["webp"]} | {made[k][2] for k in ("jpeg", "card", "thumb")}


def age(path, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_only_old_files_no_story_names_are_deleted(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    kept_story, shared_story = make_article(), make_article()
    current = store(make_renditions(images.photo((900, 500), seed=1)))
    StoredImage.objects.create(article=kept_story, renditions=current)
    StoredImage.objects.create(article=shared_story, renditions=current)  # the same image
    old = store(make_renditions(images.photo((900, 500), seed=2)))  # replaced: named by none
    fresh = store(make_renditions(images.photo((900, 500), seed=3)))  # a fetch writing now
    files = {p for p in (tmp_path / "media").rglob("*") if p.is_file()}
    for path in files:
        age(path, 48)
    for name in names(fresh):
        age(tmp_path / "media" / name, 0.1)
    counts = (len(names(old)), len(names(current)), len(names(fresh)))
    expected = "{} deleted, {} kept, {} too recent to judge".format(*counts)
    assert run("--dry-run") == f"Dry run, nothing deleted: {expected}"
    assert len({p for p in (tmp_path / "media").rglob("*") if p.is_file()}) == len(files)
    assert run() == f"Stored files: {expected}"
    left = {str(p.relative_to(tmp_path / "media")) for p in (tmp_path / "media").rglob("*.*")}
    assert left == names(current) | names(fresh)
    assert run() == f"Stored files: 0 deleted, {counts[1]} kept, {counts[2]} too recent to judge"


def test_an_empty_storage_is_fine(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "nothing"
    assert run() == "Stored files: 0 deleted, 0 kept, 0 too recent to judge"


def test_a_negative_grace_is_a_usage_error():
    with pytest.raises(CommandError) as caught:
        run("--grace-hours", "-1")
    assert caught.value.returncode == 2


def test_storing_an_image_again_makes_its_files_new(settings, tmp_path):
    """An image that comes back (A -> B -> A) reuses its old files: they must not look old
    and unnamed to a prune running before the row names them again."""
    settings.MEDIA_ROOT = tmp_path / "media"
    made = make_renditions(images.photo((900, 500), seed=4))
    store(made)
    for path in (tmp_path / "media").rglob("*.*"):
        age(path, 48)
    manifest = store(made)
    assert run() == f"Stored files: 0 deleted, 0 kept, {len(names(manifest))} too recent to judge"


def test_files_an_image_stored_during_the_prune_names_are_kept(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    made = make_renditions(images.photo((900, 500), seed=5))
    manifest = store(made)
    for path in (tmp_path / "media").rglob("*.*"):
        age(path, 48)
    listed = prune.stored_files

    def listing_while_a_fetch_stores_it():
        yield from listed()
        StoredImage.objects.create(article=make_article(), renditions=store(made))

    monkeypatch.setattr(prune, "stored_files", listing_while_a_fetch_stores_it)
    assert run().startswith("Stored files: 0 deleted")
    assert all((tmp_path / "media" / name).is_file() for name in names(manifest))
