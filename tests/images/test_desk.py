"""The lead image in the admin (articles.images.admin): our thumbnails and renditions, and an
editor's replacement or removal, judged by Pillow and kept through re-imports."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from articles.images.models import StoredImage
from articles.models import Article
from tests.helpers import images
from tests.helpers.admin_users import CHANGELIST, desk_user, logged_in
from tests.helpers.factories import make_article, seed_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return logged_in(desk_user("editor", "Editors"))


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMAGE_FETCH_ALLOW_LOOPBACK = True
    return settings.MEDIA_ROOT


def form_data(**fields) -> dict:
    inlines = {
        f"{prefix}-{counter}": "0"
        for prefix in ("images", "related_links")
        for counter in ("TOTAL_FORMS", "INITIAL_FORMS")
    }
    return {**inlines, **fields}


def upload(data: bytes, name: str = "lead.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def change(editor, article, **fields):
    return editor.post(f"{CHANGELIST}{article.pk}/change/", form_data(**fields))


def files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_an_editor_replaces_the_lead_image(editor, media):
    article = make_article(title="Ferry back")
    response = change(editor, article, replace_lead_image=upload(images.photo((1000, 600))))
    assert response.status_code == 302
    stored = StoredImage.objects.get(article=article)
    assert stored.origin == StoredImage.Origin.UPLOAD and (stored.width, stored.height) == (
        1000,
        600,
    )
    assert [w for w, _, _ in stored.renditions["webp"]] == [400, 800, 1000]
    assert len(files(media)) == 6
    form = editor.get(f"{CHANGELIST}{article.pk}/change/").content.decode()
    assert "Uploaded by an editor" in form
    for w, h, name in stored.renditions["webp"]:
        assert f'src="/media/{name}"' in form and f"{w}×{h}, WEBP" in form
    assert 'enctype="multipart/form-data"' in form


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"%PDF-1.4 not a picture", "Not a usable image: not an image Pillow recognises."),
        (images.bomb_png(), "Not a usable image: too many pixels"),
        (images.tall_png(), "Not a usable image: too tall: 1x20000 would make a rendition"),
        (images.photo((400, 300))[:2000], "Not a usable image: broken JPEG image"),
        (b"\xff\xd8" + b"x" * 3000, "The file is too large: at most 2,048 bytes."),
    ],
)
def test_an_upload_that_is_not_a_usable_image_is_a_form_error(editor, media, settings, data, error):
    if len(data) > 2048 and data.startswith(b"\xff\xd8x"):
        settings.IMAGE_UPLOAD_MAX_BYTES = 2048
    article = make_article()
    response = change(editor, article, replace_lead_image=upload(data))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not StoredImage.objects.filter(article=article).exists()
    assert files(media) == []


def test_an_editor_removes_the_image_and_readers_see_the_placeholder(
    editor, client, django_capture_on_commit_callbacks
):
    article = make_article(title="Ferry back", published=True)
    StoredImage.objects.create(article=article, renditions=images.manifest(article.pk))
    assert "<picture" in client.get(article.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # readers' pages change at once
        response = change(editor, article, remove_lead_image="on", published="on")
        assert response.status_code == 302
    assert StoredImage.objects.get(article=article).origin == StoredImage.Origin.REMOVED
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<picture" not in page and 'class="placeholder"' in page


def test_one_choice_at_a_time(editor):
    article = make_article()
    response = change(editor, article, remove_lead_image="on", restore_source_image="on")
    assert "one of them" in response.content.decode()


def test_restoring_lets_the_fetcher_store_the_sources_image_again(editor):
    article = make_article()
    StoredImage.objects.create(article=article, origin=StoredImage.Origin.REMOVED)
    assert change(editor, article, restore_source_image="on").status_code == 302
    assert not StoredImage.objects.filter(article=article).exists()


@pytest.mark.slow
def test_an_editors_image_survives_re_imports_and_fetches(editor, write_seed, media):
    with images.ImageServer() as publisher:
        first = publisher.add("/a.jpg", images.photo(seed=1))
        where = {"originalUrl": "https://news.test/ferry", "webUrl": "https://news.test/ferry"}
        seed = write_seed("story.txt", seed_text(title="Ferry", images=[{"url": first}], **where))
        call_command("import_seeds", str(seed), stdout=io.StringIO())
        article = Article.objects.get()
        change(editor, article, replace_lead_image=upload(images.photo((900, 500), seed=7)))
        mine = StoredImage.objects.get(article=article).renditions
        second = publisher.add("/b.jpg", images.photo(seed=2))
        seed.write_text(seed_text(title="Ferry, updated", images=[{"url": second}], **where))
        call_command("import_seeds", str(seed), stdout=io.StringIO())
        out = io.StringIO()
        call_command("fetch_images", "--workers", "1", stdout=out, stderr=io.StringIO())
    article.refresh_from_db()
    assert article.title == "Ferry, updated" and article.images.get().url == second
    stored = StoredImage.objects.get(article=article)
    assert stored.origin == StoredImage.Origin.UPLOAD and stored.renditions == mine
    assert out.getvalue().strip() == "Images: 0 fetched, 0 unchanged, 0 failed"
    assert publisher.requests == {}


def test_a_reviewer_sees_the_renditions_and_no_upload():
    reviewer = logged_in(desk_user("reviewer", "Reviewers"))
    article = make_article()
    StoredImage.objects.create(article=article, renditions=images.manifest(article.pk))
    response = reviewer.get(f"{CHANGELIST}{article.pk}/change/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'src="/media/{images.manifest(article.pk)["thumb"][2]}"' in html
    assert 'type="file"' not in html
