"""A story's image made into what pages, feeds, social cards and the admin show, with Pillow.

:func:`make_renditions` takes the bytes of an image (downloaded, or uploaded by an editor) and
returns every rendition as bytes under a content-hashed name, or raises :class:`ImageRefused`
with a one-line reason. Nothing here touches the database, the network or storage: the
fetcher runs it in worker processes (one per core), the admin in the request, and the caller
writes the files (:mod:`articles.images.storage`), so a refused image leaves nothing behind.

What every rendition is: EXIF orientation applied; no camera metadata (EXIF, GPS, XMP, ICC
profile, comments); colours converted to sRGB (an embedded ICC profile, CMYK, 16-bit and
palette images included), transparency flattened onto white; the first frame of an
animation. The content, never a declared type, decides what the file is: Pillow must
recognise and fully decode it, and an image over ``max_pixels`` is refused from its header,
before it is decoded (a decompression bomb).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass, field
from typing import NamedTuple

from PIL import Image, ImageCms, ImageOps, features

# Widths of the WebP renditions a page picks from (srcset); never wider than the original.
WIDTHS = (400, 800, 1200)
# The JPEG for feeds and browsers without WebP: this wide (or the original's width).
FALLBACK_WIDTH = 800
# The OpenGraph / Twitter card, cropped to fill (JPEG: every social site reads it).
CARD_SIZE = (1200, 630)
# The admin list's thumbnail, cropped to fill.
THUMB_SIZE = (160, 90)
WEBP_QUALITY = 72
# Wider than 800 px, a rendition is for a screen of 2-3x density, where finer artefacts do not
# show: a lower quality keeps a phone's lead image small (docs/PERFORMANCE.md).
WEBP_QUALITY_DENSE = 60
# libwebp's effort: 2 encodes about 3x faster than the default 4 for files some 3% larger.
WEBP_METHOD = 2
JPEG_QUALITY = 80
# Formats accepted: what photographs and illustrations on news sites come as.
FORMATS = frozenset(
    {"JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF"}  # JPEG opens MPO too
    | ({"AVIF"} if features.check("avif") else set())  # when Pillow was built with libavif
)
DEFAULT_MAX_PIXELS = 50_000_000
# The longest side a WebP can have: an image so tall that a rendition would be taller is refused.
WEBP_MAX_SIDE = 16383
# A JPEG is decoded at no less than this many pixels each way (when it has them).
DECODE_AT_LEAST = max(*WIDTHS, *CARD_SIZE)
# Files are stored under this folder, by content: images/ab/abcdef…-800.webp
FOLDER = "images"

_SRGB = ImageCms.createProfile("sRGB")
_LANCZOS = Image.Resampling.LANCZOS


class ImageRefused(Exception):
    """The bytes are not an image this site stores; the message says why, in one line."""


@dataclass(frozen=True)
class Rendition:
    kind: str  # "webp" (a srcset width), "jpeg" (fallback), "card", "thumb"
    width: int
    height: int
    name: str  # the storage name, from a hash of the content
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class RenditionSet:
    width: int  # the original's as decoded (a large JPEG at a fraction), after orientation
    height: int
    renditions: tuple[Rendition, ...]

    def manifest(self) -> dict:
        """What the database keeps (``StoredImage.renditions``): names and sizes, no bytes."""
        made: dict = {"width": self.width, "height": self.height, "webp": []}
        for item in self.renditions:
            entry = [item.width, item.height, item.name]
            if item.kind == "webp":
                made["webp"].append(entry)
            else:
                made[item.kind] = entry
            if item.kind == "jpeg":  # a feed's enclosure states its length
                made["jpeg_bytes"] = len(item.data)
        return made


class Stored(NamedTuple):
    """One rendition as the manifest keeps it: its size and its storage name."""

    width: int
    height: int
    name: str


@dataclass(frozen=True)
class Manifest:
    """``StoredImage.renditions`` read back as a type (the JSON that :meth:`RenditionSet.manifest`
    writes keeps each rendition as ``[width, height, name]``)."""

    width: int
    height: int
    webp: tuple[Stored, ...]  # narrowest first
    jpeg: Stored | None
    card: Stored | None
    thumb: Stored | None
    jpeg_bytes: int

    @classmethod
    def of(cls, made: dict | None) -> Manifest | None:
        """The manifest, or None for a story with nothing stored (no WebP rendition)."""
        if not made or not made.get("webp"):
            return None

        def one(key: str) -> Stored | None:
            return Stored(*made[key]) if made.get(key) else None

        return cls(
            width=made.get("width", 0),
            height=made.get("height", 0),
            webp=tuple(Stored(*entry) for entry in made["webp"]),
            jpeg=one("jpeg"),
            card=one("card"),
            thumb=one("thumb"),
            jpeg_bytes=made.get("jpeg_bytes", 0),
        )

    def files(self) -> tuple[Stored, ...]:
        """Every rendition: the WebP widths, then the JPEG, the card and the thumbnail."""
        return (*self.webp, *(r for r in (self.jpeg, self.card, self.thumb) if r is not None))

    def names(self) -> set[str]:
        return {rendition.name for rendition in self.files()}


def make_renditions(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> RenditionSet:
    """Every rendition of the image in ``data``; :class:`ImageRefused` when it is not one.

    Each width is scaled from the next wider one (a downscale costs what its source has in
    pixels), the JPEG shares its width's scaled image, the card is cut from the widest WebP
    when it is the card's width, and the thumbnail comes from the narrowest.
    """
    image = decode(data, max_pixels=max_pixels)
    width, height = image.width, image.height
    widest = max(_widths(width))
    if round(height * widest / width) > WEBP_MAX_SIDE:
        raise ImageRefused(
            f"too tall: {width}x{height} would make a rendition over {WEBP_MAX_SIDE} pixels high"
        )
    scaled: dict[int, Image.Image] = {}
    source = image
    for size in sorted(_widths(width), reverse=True):
        source = scaled[size] = _scaled(source, size)
    made = [_encode(scaled[size], "webp") for size in sorted(scaled)]
    fallback = min(FALLBACK_WIDTH, width)
    made.append(_encode(scaled.get(fallback) or _scaled(image, fallback), "jpeg", "JPEG"))
    made.append(_encode(_card(image, scaled[max(scaled)]), "card", "JPEG"))
    made.append(_encode(ImageOps.fit(scaled[min(scaled)], THUMB_SIZE, _LANCZOS), "thumb"))
    return RenditionSet(width, height, tuple(made))


def _card(image: Image.Image, widest: Image.Image) -> Image.Image:
    """The card: the middle of the widest rendition when that is as wide as the card and
    tall enough (no resampling), else the original cropped and scaled to fill it."""
    card_width, card_height = CARD_SIZE
    if widest.width == card_width and widest.height >= card_height:
        top = (widest.height - card_height) // 2
        return widest.crop((0, top, card_width, top + card_height))
    return ImageOps.fit(image, CARD_SIZE, _LANCZOS)


def decode(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """The image in ``data`` as an sRGB ``RGB`` image, upright, without metadata."""
    if not data:
        raise ImageRefused("empty file")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=sorted(FORMATS))
        except Image.DecompressionBombError as error:
            del error
            raise ImageRefused("too many pixels: a decompression bomb") from None
        except Exception:
            raise ImageRefused("not an image Pillow recognises") from None
        pixels = image.width * image.height
        if pixels > max_pixels:
            raise ImageRefused(
                f"too many pixels: {image.width}x{image.height} is over {max_pixels:,}"
            )
        try:
            image.seek(0)  # an animation's first frame
            if image.format in ("JPEG", "MPO"):
                # A large JPEG is decoded at 1/2, 1/4 or 1/8 of its size by libjpeg when that
                # still covers the widest rendition either way up: far less memory and time.
                image.draft(image.mode, (DECODE_AT_LEAST, DECODE_AT_LEAST))
            image.load()
            upright = ImageOps.exif_transpose(image)
            return _srgb(upright)
        except Exception as error:  # truncated, corrupt, or a mode Pillow cannot convert
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise ImageRefused(f"broken {image.format} image: {reason}"[:200]) from None


def _srgb(image: Image.Image) -> Image.Image:
    """The image in sRGB, 8-bit RGB, on white where it was transparent, with no metadata."""
    profile = image.info.get("icc_profile")
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.mode == "P" or image.mode == "PA" or "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    if profile and image.mode in ("RGB", "CMYK", "L"):
        image = _from_profile(image, profile)
    if image.mode != "RGB":
        image = image.convert("RGB")
    image.info = {}  # ours alone (decoded here): no EXIF, XMP, ICC or comment goes further
    return image


def _from_profile(image: Image.Image, profile: bytes) -> Image.Image:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # an unreadable profile: the colours as they are


def _widths(width: int) -> list[int]:
    """The srcset widths for an image this wide: each of WIDTHS it reaches, and the original's
    own width when it is narrower than the widest (so a small image still gets one)."""
    chosen = [w for w in WIDTHS if w <= width]
    if width < WIDTHS[-1] and width not in chosen:
        chosen.append(width)
    return chosen


def _scaled(image: Image.Image, width: int) -> Image.Image:
    if width >= image.width:
        return image
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), _LANCZOS, reducing_gap=2.0)


def _encode(image: Image.Image, kind: str, fmt: str = "WEBP") -> Rendition:
    out = io.BytesIO()
    if fmt == "WEBP":
        quality = WEBP_QUALITY if image.width <= FALLBACK_WIDTH else WEBP_QUALITY_DENSE
        image.save(out, "WEBP", quality=quality, method=WEBP_METHOD)
        suffix = "webp"
    else:
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        suffix = "jpg"
    data = out.getvalue()
    return Rendition(kind, image.width, image.height, content_name(data, kind, image, suffix), data)


def content_name(data: bytes, kind: str, image: Image.Image, suffix: str) -> str:
    """images/<2 hex>/<20 hex>-<what>.<suffix>: the same bytes always get the same name."""
    digest = hashlib.sha256(data).hexdigest()
    label = str(image.width) if kind in ("webp", "jpeg") else kind
    return f"{FOLDER}/{digest[:2]}/{digest[:20]}-{label}.{suffix}"
