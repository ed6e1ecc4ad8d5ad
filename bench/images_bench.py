"""Image benchmark (issue #12): ``fetch_images`` against one process doing the bare Pillow work.

    .venv/bin/python bench/images_bench.py [--images 150] [--memory-images 1000] [--repeat 2]

Each round, on the same ``--images`` generated 1600x900 JPEGs served from a local HTTP server
(127.0.0.1, started here):

- the baseline: this process decodes every file and writes three WebP widths (400, 800, 1200,
  Pillow's default WebP settings) to a folder: no network, no database; run before and after
  the command, and averaged;
- ``manage.py fetch_images`` into a fresh SQLite database with one story per image: downloads,
  every rendition (three WebP widths, the JPEG, the card, the thumbnail), storage, rows.

Ratios are medians over the rounds (the machine is shared: both sides move together). Then
one run of ``--memory-images`` stories (the same files under distinct addresses) measures the
peak memory of the command and its rendition processes together: the sum of their PSS
(proportional set size: shared pages counted once), sampled every 20 ms. Last, the sizes of
what a 390 px phone loads (the 800 w WebP at 2x; the 1200 w one at 3x).

Targets: fetch_images <= 1.0x the baseline; 10,000 images <= 300 MB across all processes; the
phone's lead image < 60 KB.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from articles.images.renditions import make_renditions  # noqa: E402
from tests.helpers.images import ImageServer, photo  # noqa: E402

MANAGE = [sys.executable, str(ROOT / "manage.py")]
SETUP = """
from articles.models import Article, ArticleImage, Provider
from django.utils import timezone
provider = Provider.objects.create(name="Bench", domain="bench.test")
now = timezone.now()
stories = Article.objects.bulk_create(
    Article(url=f"https://bench.test/{n}", slug=f"s-{n}", title=f"Story {n}", published=True,
            published_at=now, provider=provider) for n in range(COUNT)
)
ArticleImage.objects.bulk_create(
    ArticleImage(article=story, position=0, url=f"BASE/PREFIX{n}.jpg")
    for n, story in enumerate(stories)
)
"""


def baseline(sources: list[bytes], folder: Path) -> float:
    started = time.perf_counter()
    for n, data in enumerate(sources):
        image = Image.open(io.BytesIO(data))
        image.load()
        for width in (400, 800, 1200):
            height = round(image.height * width / image.width)
            image.resize((width, height), Image.Resampling.LANCZOS).save(
                folder / f"{n}-{width}.webp", "WEBP"
            )
    return time.perf_counter() - started


def environment(database: Path, media: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL"))}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        DJANGO_MEDIA_ROOT=str(media),
        IMAGE_FETCH_ALLOW_LOOPBACK="1",
    )
    return env


def prepare(folder: Path, count: int, base: str, prefix: str = "") -> dict[str, str]:
    """A migrated database with ``count`` stories whose lead images are BASE/PREFIX<n>.jpg."""
    env = environment(folder / "db.sqlite3", folder / "media")
    subprocess.run([*MANAGE, "migrate", "-v", "0"], env=env, check=True)
    code = SETUP.replace("COUNT", str(count)).replace("BASE", base).replace("PREFIX", prefix)
    subprocess.run([*MANAGE, "shell", "-c", code], env=env, check=True)
    return env


def pss_of_tree(root: int) -> int:
    """The summed PSS (bytes) of ``root`` and all its descendants, now."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def fetch(env: dict[str, str], *extra: str) -> tuple[float, int, str]:
    """Run fetch_images; (seconds, peak PSS of its process tree, its summary line)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [*MANAGE, "fetch_images", *extra], env=env, stdout=subprocess.PIPE, text=True
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, pss_of_tree(process.pid))
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    out = process.stdout.read().strip() if process.stdout else ""
    if process.returncode != 0:
        raise SystemExit(f"fetch_images failed ({process.returncode}): {out}")
    return seconds, peak, out


def phone_sizes(media: Path) -> dict[str, list[int]]:
    sizes: dict[str, list[int]] = {"800": [], "1200": []}
    for path in media.rglob("*.webp"):
        label = path.stem.rsplit("-", 1)[-1]
        if label in sizes:
            sizes[label].append(path.stat().st_size)
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=150)
    parser.add_argument("--memory-images", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    sources = [photo((1600, 900), seed=n, quality=85) for n in range(args.images)]
    megabytes = sum(map(len, sources)) / 1e6
    print(f"{args.images} JPEGs of 1600x900, {megabytes:.1f} MB; {os.cpu_count()} cores")
    ratios, last_media = [], None
    with ImageServer() as server, tempfile.TemporaryDirectory() as tmp:
        for n, data in enumerate(sources):
            server.add(f"/{n}.jpg", data)
        for n in range(args.memory_images):
            server.add(f"/m{n}.jpg", sources[n % len(sources)])
        for round_ in range(args.repeat):
            folder = Path(tmp) / f"round{round_}"
            (folder / "base").mkdir(parents=True)
            env = prepare(folder, args.images, server.base)
            before = baseline(sources, folder / "base")
            seconds, peak, line = fetch(env)
            after = baseline(sources, folder / "base")
            base = (before + after) / 2
            ratios.append(seconds / base)
            print(
                f"round {round_ + 1}: baseline {before:.2f}s / {after:.2f}s, "
                f"fetch_images {seconds:.2f}s ({line}), ratio {seconds / base:.2f}x, "
                f"peak {peak / 1e6:.0f} MB"
            )
            last_media = folder / "media"
        print(f"fetch_images / baseline: median {statistics.median(ratios):.2f}x (target <= 1.0x)")

        sizes = phone_sizes(last_media)
        for label, at in (("800", "2x"), ("1200", "3x")):
            found = sizes[label]
            median, largest = statistics.median(found) / 1000, max(found) / 1000
            print(
                f"390 px phone at {at} ({label} w WebP): median {median:.1f} KB, "
                f"largest {largest:.1f} KB (target < 60 KB)"
            )

        detailed = make_renditions(photo((1600, 900), seed=1, grain=0.3, quality=90))
        for item in detailed.renditions:
            if item.kind == "webp" and item.width in (800, 1200):
                size = len(item.data) / 1000
                print(f"a detailed photo (grain 0.3), {item.width} w WebP: {size:.1f} KB")

        folder = Path(tmp) / "memory"
        folder.mkdir()
        env = prepare(folder, args.memory_images, server.base, prefix="m")
        seconds, peak, line = fetch(env)
        print(
            f"{args.memory_images} images: {seconds:.1f}s ({line}), peak PSS of fetch_images and "
            f"its rendition processes {peak / 1e6:.0f} MB (target <= 300 MB at 10,000)"
        )


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
