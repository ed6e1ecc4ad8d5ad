"""Test images made with Pillow, and a local HTTP server that serves them (started by a test,
on 127.0.0.1): the publishers of the image tests."""

from __future__ import annotations

import io
import struct
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image, ImageDraw


def photo(
    size: tuple[int, int] = (1600, 900),
    seed: int = 0,
    fmt: str = "JPEG",
    grain: float = 0.08,
    **save,
) -> bytes:
    """A photograph-like picture: gradients, shapes and ``grain`` of noise (0.3: as much
    fine detail as a busy street scene, the hardest to compress)."""
    width, height = size
    base = Image.merge(
        "RGB",
        [
            Image.linear_gradient("L").resize(size),
            Image.radial_gradient("L").resize(size),
            Image.linear_gradient("L").rotate(90 + seed).resize(size),
        ],
    )
    draw = ImageDraw.Draw(base)
    for n in range(12):
        x, y = (seed * 97 + n * 131) % width, (seed * 53 + n * 71) % height
        draw.ellipse(
            (x, y, x + width // 6, y + height // 5), fill=(n * 20, 255 - n * 15, seed % 255)
        )
    noise = Image.merge("RGB", [Image.effect_noise(size, 40 + 10 * c) for c in range(3)])
    image = Image.blend(base, noise, grain)
    return encode(image, fmt, **save)


def encode(image: Image.Image, fmt: str, **save) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def cmyk_jpeg() -> bytes:
    return encode(Image.new("CMYK", (640, 360), (0, 200, 200, 0)), "JPEG")


def animated_gif() -> bytes:
    frames = [Image.new("P", (300, 200), n * 40) for n in range(4)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def png16_alpha() -> bytes:
    """A 16-bit-per-channel RGBA PNG, written by hand (Pillow writes 8-bit RGBA)."""
    width, height = 64, 48
    row = b"\x00" + b"".join(struct.pack(">HHHH", 65535, 0, 32768, 20000) for _ in range(width))
    raw = zlib.compress(row * height)
    header = struct.pack(">IIBBBBB", width, height, 16, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", raw) + _chunk(b"IEND", b"")
    )


def bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    """A PNG header claiming 900 megapixels, with a few bytes of data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\x00" * 1000)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


def tall_png(width: int = 1, height: int = 20000) -> bytes:
    """An image taller than a WebP can be at any of its renditions' widths."""
    return encode(Image.new("RGB", (width, height), (10, 120, 200)), "PNG")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def exif_rotated_with_gps() -> bytes:
    """A landscape 400x200 JPEG whose EXIF says "rotate 90" (so upright it is 200x400), with a
    GPS position and a camera model."""
    image = Image.new("RGB", (400, 200), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 CW to display
    exif[0x0110] = "SecretCam 3000"  # model
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}  # GPS IFD
    return encode(image, "JPEG", exif=exif.tobytes())


def manifest(seed: int, width: int = 1600, height: int = 900) -> dict:
    """A StoredImage.renditions as articles.images.renditions makes it, with made-up names (pages
    never open the files)."""

    def name(label: str, ext: str) -> str:
        digest = f"{seed:04x}{label}".encode().hex()[:20].ljust(20, "0")
        return f"images/{digest[:2]}/{digest}-{label}.{ext}"

    widths = [w for w in (400, 800, 1200) if w <= width]
    return {
        "width": width,
        "height": height,
        "webp": [[w, w * height // width, name(str(w), "webp")] for w in widths],
        "jpeg": [800, 800 * height // width, name("800", "jpg")],
        "card": [1200, 630, name("card", "jpg")],
        "thumb": [160, 90, name("thumb", "webp")],
    }


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "image/jpeg"
    etag: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before each of a few chunks (a slow host)


class ImageServer:
    """A threaded HTTP server on 127.0.0.1 serving ``routes`` by path; counts requests and
    the conditional ones answered 304."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.active: Counter[str] = Counter()
        self.most_at_once = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.owner = self
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes = b"", **options) -> str:
        self.routes[path] = Route(body, **options)
        return self.url(path)

    def __enter__(self) -> ImageServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        owner = self.server.owner
        with owner.lock:
            owner.requests[self.path] += 1
            owner.active["all"] += 1
            owner.most_at_once = max(owner.most_at_once, owner.active["all"])
        self.finished = False
        try:
            self.answer(owner, owner.routes.get(self.path))
        finally:
            self.finish_one()

    def finish_one(self) -> None:
        """Counted as done before its last bytes go: the client may start its next request
        the moment it has them."""
        if not self.finished:
            self.finished = True
            with self.server.owner.lock:
                self.server.owner.active["all"] -= 1

    def answer(self, owner: ImageServer, route: Route | None) -> None:
        if route is None:
            self.send_error(404)
            return
        if route.etag and self.headers.get("If-None-Match") == route.etag:
            owner.not_modified[self.path] += 1
            self.send_response(304)
            self.send_header("ETag", route.etag)
            self.end_headers()
            return
        self.send_response(route.status)
        self.send_header("Content-Type", route.content_type)
        self.send_header("Content-Length", str(len(route.body)))
        if route.etag:
            self.send_header("ETag", route.etag)
        for name, value in route.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.body(route)

    def body(self, route: Route) -> None:
        if not route.delay:
            self.finish_one()
            self.wfile.write(route.body)
            return
        step = max(1, len(route.body) // 4)
        for start in range(0, len(route.body), step):
            time.sleep(route.delay)
            if start + step >= len(route.body):
                self.finish_one()
            try:
                self.wfile.write(route.body[start : start + step])
                self.wfile.flush()
            except OSError:
                return


def renditions_or_die(data: bytes, **options):
    """make_renditions, except that the bytes b"die" kill the worker process (as the kernel
    does to one that runs out of memory)."""
    import os

    from articles.images.renditions import make_renditions

    if data == b"die":
        os._exit(9)
    return make_renditions(data, **options)


def renditions_and_pid(data: bytes, **options):
    """make_renditions, and the id of the process that made them."""
    import os

    from articles.images.renditions import make_renditions

    return make_renditions(data, **options), os.getpid()
