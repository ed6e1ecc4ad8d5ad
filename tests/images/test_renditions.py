"""The renditions of a story's image (articles.images.renditions), made with Pillow from test images
that Pillow made: sizes, formats, orientation, colour, metadata, and the images refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from articles.images.renditions import CARD_SIZE, THUMB_SIZE, ImageRefused, make_renditions
from tests.helpers import images


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_a_photo_gets_webp_widths_a_jpeg_a_card_and_a_thumbnail():
    made = make_renditions(images.photo((1600, 900)))
    kinds = [(r.kind, r.width, r.height) for r in made.renditions]
    assert kinds == [
        ("webp", 400, 225),
        ("webp", 800, 450),
        ("webp", 1200, 675),
        ("jpeg", 800, 450),
        ("card", *CARD_SIZE),
        ("thumb", *THUMB_SIZE),
    ]
    for rendition in made.renditions:
        image = opened(rendition.data)
        assert image.size == (rendition.width, rendition.height)
        assert image.format == ("JPEG" if rendition.kind in ("jpeg", "card") else "WEBP")
        assert image.mode == "RGB"
    assert (made.width, made.height) == (1600, 900)


def test_no_rendition_is_wider_than_the_original():
    made = make_renditions(images.photo((600, 300)))
    assert [(r.width, r.height) for r in made.renditions if r.kind == "webp"] == [
        (400, 200),
        (600, 300),
    ]
    assert next(r for r in made.renditions if r.kind == "jpeg").width == 600


def test_names_are_content_hashes_and_the_same_image_gets_the_same_names():
    data = images.photo((800, 450), seed=3)
    first, again = make_renditions(data), make_renditions(data)
    assert [r.name for r in first.renditions] == [r.name for r in again.renditions]
    other = make_renditions(images.photo((800, 450), seed=4))
    assert not {r.name for r in first.renditions} & {r.name for r in other.renditions}
    assert first.renditions[0].name.startswith("images/")
    assert first.manifest()["webp"][0] == [400, 225, first.renditions[0].name]


def test_exif_orientation_is_applied_and_camera_metadata_dropped():
    made = make_renditions(images.exif_rotated_with_gps())
    assert (made.width, made.height) == (200, 400)  # upright
    for rendition in made.renditions:
        image = opened(rendition.data)
        assert not image.getexif(), rendition.kind
        assert not {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile"} & set(image.info)
        assert b"SecretCam" not in rendition.data


@pytest.mark.parametrize(
    ("name", "data", "size"),
    [
        ("CMYK JPEG", images.cmyk_jpeg(), (640, 360)),
        ("animated GIF", images.animated_gif(), (300, 200)),
        ("16-bit PNG with alpha", images.png16_alpha(), (64, 48)),
    ],
)
def test_unusual_images_become_srgb_renditions(name, data, size):
    made = make_renditions(data)
    assert (made.width, made.height) == size, name
    image = opened(made.renditions[0].data)
    assert image.mode == "RGB"


def test_an_avif_is_read_when_pillow_reads_avif():
    from PIL import features

    data = images.photo((640, 360), fmt="AVIF") if features.check("avif") else b""
    if not data:  # this Pillow has no AVIF: such a file is refused like any unknown format
        data = b"\x00\x00\x00\x1cftypavif"
        with pytest.raises(ImageRefused, match="not an image Pillow recognises"):
            make_renditions(data)
        return
    made = make_renditions(data)
    assert (made.width, made.height) == (640, 360)


def test_cmyk_colours_come_out_as_rgb():
    made = make_renditions(images.cmyk_jpeg())
    pixel = opened(next(r for r in made.renditions if r.kind == "jpeg").data).getpixel((5, 5))
    red, green, blue = pixel
    assert red > 200 and green < 120 and blue < 120  # CMYK (0, 200, 200, 0) is a red


def test_an_embedded_colour_profile_is_applied_and_not_kept():
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = images.encode(Image.new("RGB", (100, 100), (10, 200, 30)), "JPEG", icc_profile=srgb)
    made = make_renditions(data)
    image = opened(next(r for r in made.renditions if r.kind == "jpeg").data)
    assert "icc_profile" not in image.info
    assert abs(image.getpixel((50, 50))[1] - 200) < 8


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"<html>not an image</html>", "not an image Pillow recognises"),
        (images.photo((800, 450))[:3000], "broken JPEG image"),
        (images.bomb_png(), "too many pixels"),
        (images.tall_png(), "too tall: 1x20000 would make a rendition over 16383 pixels high"),
        (images.tall_png(1200, 17000), "too tall: 1200x17000"),
    ],
)
def test_what_is_not_a_usable_image_is_refused_with_a_reason(data, reason):
    with pytest.raises(ImageRefused, match=reason):
        make_renditions(data)


def test_the_pixel_cap_is_ours_to_set():
    data = images.photo((400, 300))
    with pytest.raises(ImageRefused, match="too many pixels: 400x300"):
        make_renditions(data, max_pixels=100_000)


@pytest.mark.slow
def test_a_large_jpeg_is_decoded_at_a_fraction_that_still_covers_every_rendition():
    made = make_renditions(images.photo((5000, 2800)))
    assert (made.width, made.height) == (2500, 1400)  # libjpeg's 1/2: still over 1200 each way
    assert [r.width for r in made.renditions if r.kind == "webp"] == [400, 800, 1200]
    portrait = make_renditions(images.photo((2600, 5200)))
    assert portrait.width >= 1200 and portrait.height >= 1200
