"""Lighthouse on the home page and a story page with stored images (issue #12).

    LIGHTHOUSE=/path/to/node_modules/.bin/lighthouse .venv/bin/python bench/images_lighthouse.py

Lighthouse is not a project dependency (npm: ``npm install lighthouse`` anywhere). The script
builds a site of 30 published stories whose lead images (generated 1600x900 JPEGs, from a
local server) are stored by ``fetch_images``, serves it with gunicorn in production-like mode
(collected static files, no debug), and runs Lighthouse's mobile performance audit with
Debian's Chromium on both pages: the score and the image audits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]

from images_bench import MANAGE, prepare  # noqa: E402

from tests.helpers.images import ImageServer, photo  # noqa: E402
from tests.helpers.servers import gunicorn  # noqa: E402

AUDITS = (
    "uses-responsive-images",
    "modern-image-formats",
    "offscreen-images",
    "unsized-images",
    "uses-optimized-images",
    "prioritize-lcp-image",
    "lcp-lazy-loaded",
    "total-byte-weight",
)
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking"


def lighthouse(url: str, out: Path) -> dict:
    subprocess.run(
        [
            os.environ.get("LIGHTHOUSE", "lighthouse"),
            url,
            "--only-categories=performance",
            "--output=json",
            f"--output-path={out}",
            f"--chrome-flags={CHROME_FLAGS}",
            "--quiet",
        ],
        env={**os.environ, "CHROME_PATH": os.environ.get("CHROMIUM", "/usr/bin/chromium")},
        check=True,
    )
    return json.loads(out.read_text())


def main() -> None:
    with ImageServer() as server, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n in range(30):
            server.add(f"/{n}.jpg", photo((1600, 900), seed=n, quality=85))
        env = prepare(folder, 30, server.base)
        subprocess.run([*MANAGE, "fetch_images"], env=env, check=True)
        static = folder / "static"
        subprocess.run(
            [*MANAGE, "collectstatic", "--noinput", "-v", "0"],
            env={**env, "DJANGO_STATIC_ROOT": str(static)},
            check=True,
        )
        serving = {**env, "DJANGO_STATIC_ROOT": str(static)}
        with gunicorn(serving, folder / "gunicorn.log", workers=2) as base:
            for name, path in (("home", "/"), ("story", "/articles/1/s-0/")):
                report = lighthouse(base + path, folder / f"{name}.json")
                score = report["categories"]["performance"]["score"] * 100
                print(f"{name} ({path}): performance {score:.0f}")
                for audit in AUDITS:
                    found = report["audits"].get(audit)
                    if found:
                        shown = found.get("displayValue") or ""
                        print(f"  {audit}: score {found['score']} {shown}")


if __name__ == "__main__":
    main()
