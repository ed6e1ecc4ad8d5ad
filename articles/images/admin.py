"""The lead image in the editors' admin: our stored thumbnail in the list, the renditions on the
form, and an editor's replacement or removal of the image.

An upload is judged by Pillow, never by its name or declared type
(:func:`articles.images.renditions.make_renditions`): what is not an image, a decompression bomb, or
a file over ``IMAGE_UPLOAD_MAX_BYTES`` is a form error, and nothing is stored. A replacement
or a removal is kept in :class:`articles.images.models.StoredImage` with its ``origin``; the fetcher
and the importer leave it alone, so it survives re-imports.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.html import format_html, format_html_join

from articles.models import Article

from . import storage
from .models import StoredImage
from .renditions import ImageRefused, Manifest, RenditionSet, make_renditions

UPLOAD, REMOVE, RESTORE = "replace_lead_image", "remove_lead_image", "restore_source_image"
IMAGE_FIELDS = (UPLOAD, REMOVE, RESTORE)
NO_IMAGE = "No stored image"


def stored_of(article: Article) -> StoredImage | None:
    try:
        return article.stored_image
    except StoredImage.DoesNotExist:
        return None


@admin.display(description="image")
def stored_thumbnail(article: Article) -> str:
    """Our stored thumbnail (joined to the list's rows: no query of its own), else a blank."""
    stored = stored_of(article)
    manifest = Manifest.of(stored.renditions) if stored else None
    if manifest is None or manifest.thumb is None:
        return format_html(
            '<span class="article-thumb article-thumb--none" title="{}"></span>', NO_IMAGE
        )
    return format_html(
        '<img src="{}" alt="" class="article-thumb" width="{}" height="{}" loading="lazy">',
        storage.media_url(manifest.thumb.name),
        manifest.thumb.width,
        manifest.thumb.height,
    )


@admin.display(description="stored lead image")
def stored_renditions(article: Article) -> str:
    """Every rendition readers get, with its size, and where the image came from."""
    stored = stored_of(article)
    if stored is None:
        return "None yet: python manage.py fetch_images stores the lead image."
    manifest = Manifest.of(stored.renditions)
    items = manifest.files() if manifest else ()
    figures = format_html_join(
        "",
        '<figure class="rendition"><img src="{}" alt="" class="rendition-preview" '
        'loading="lazy"><figcaption>{}×{}, {}</figcaption></figure>',
        ((storage.media_url(name), w, h, name.rsplit(".", 1)[-1].upper()) for w, h, name in items),
    )
    return format_html(
        '<p>{}{}</p><div class="renditions">{}</div>',
        stored.get_origin_display().capitalize(),
        _status(stored),
        figures,
    )


def _status(stored: StoredImage) -> str:
    if stored.failure:
        when = stored.retry_at.strftime("%Y-%m-%d %H:%M UTC") if stored.retry_at else "later"
        return f". Last fetch failed: {stored.failure} (tried again after {when})"
    return f": {stored.source_url}" if stored.source_url else "."


class LeadImageForm(forms.ModelForm):
    """The story form with the lead image's choices."""

    replace_lead_image = forms.FileField(
        required=False,
        label="Replace the lead image",
        help_text="A JPEG, PNG, WebP, AVIF or GIF; kept whatever later imports bring.",
    )
    remove_lead_image = forms.BooleanField(
        required=False, label="Remove the lead image", help_text="Readers see a placeholder."
    )
    restore_source_image = forms.BooleanField(
        required=False,
        label="Use the source's image again",
        help_text="Forget the replacement or removal; the next fetch stores the source's image.",
    )

    class Meta:
        model = Article
        fields = ("published",)

    def clean_replace_lead_image(self) -> RenditionSet | None:
        upload = self.cleaned_data.get(UPLOAD)
        if not upload:
            return None
        limit = settings.IMAGE_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"The file is too large: at most {limit:,} bytes.")
        try:
            return make_renditions(upload.read(limit + 1), max_pixels=settings.IMAGE_MAX_PIXELS)
        except ImageRefused as error:
            raise forms.ValidationError(f"Not a usable image: {error}.") from None

    def clean(self) -> dict:
        cleaned = super().clean()
        chosen = [name for name in IMAGE_FIELDS if cleaned.get(name)]
        if len(chosen) > 1:
            raise forms.ValidationError("Replace, remove or restore the lead image: one of them.")
        return cleaned


class LeadImageAdmin(admin.ModelAdmin):
    """Mixed into the article admin: applies the form's lead image choice on save."""

    form = LeadImageForm

    def get_queryset(self, request):
        # The list's thumbnails and the form's renditions come with the story: no query more.
        # (A queryset that joins anything already is not given list_select_related by the
        # change list: those are joined here too.)
        joined = self.list_select_related
        joined = joined if isinstance(joined, list | tuple) else ()
        return super().get_queryset(request).select_related("stored_image", *joined)

    def save_model(self, request, obj: Article, form, change: bool) -> None:
        cleaned = form.cleaned_data
        if cleaned.get(UPLOAD):
            storage.save_upload(obj.pk, cleaned[UPLOAD])
        elif cleaned.get(REMOVE):
            storage.remove_image(obj.pk)
        elif cleaned.get(RESTORE):
            storage.restore_fetching(obj.pk)
        for name in IMAGE_FIELDS:  # not the story's fields: nothing of the row to save
            if name in form.changed_data:
                form.changed_data.remove(name)
        super().save_model(request, obj, form, change)
