"""What python-frontmatter's splitting and Django's ``slugify`` cost an import, against the
hand-written fast paths they replaced (issue #10: keep the libraries unless either costs more
than 3% of a 10,000-file import).

    .venv/bin/python bench/library_bench.py [--files 10000] [--rounds 5]

On the import benchmark's corpus (``bench/out/corpus-10000``, made by ``bench/import_bench.py``),
each round times, back to back in this process: splitting every file with python-frontmatter's
stock YAML handler, with the project's handler (``seedfile.SeedHandler``: the library's split,
with its boundary pattern written to start with ``---``), and with the earlier hand-written
splitter; and making every title's slug with ``articles.models.make_slug`` (``slugify``) and
with the earlier hand-written one. Then it times one first import of
the corpus in a child process (as ``bench/import_bench.py`` does), and prints each library's
extra cost, summed over the corpus (medians of the rounds), as a share of that import.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import django  # noqa: E402
import frontmatter  # noqa: E402
import import_bench  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
django.setup()

from articles.ingest.seedfile import SeedHandler  # noqa: E402
from articles.models import make_slug  # noqa: E402

STOCK, OURS = frontmatter.YAMLHandler(), SeedHandler()
_BOUNDARY = STOCK.FM_BOUNDARY
_SLUG_DROPPED = re.compile(r"[^\w\s-]")
_SLUG_DASHES = re.compile(r"[-\s]+")


def stock_split(text: str) -> tuple[str, str]:
    """python-frontmatter's YAML handler as it ships."""
    if not STOCK.detect(text):
        raise ValueError("no front matter")
    return STOCK.split(text)


def our_split(text: str) -> tuple[str, str]:
    """What articles/ingest/seedfile.py does now."""
    if not OURS.detect(text):
        raise ValueError("no front matter")
    return OURS.split(text)


def hand_split(text: str) -> tuple[str, str]:
    """The splitter the project had before (looked only at lines starting with ---)."""
    first = _BOUNDARY.match(text)
    if first is None:
        raise ValueError("no front matter")
    at = first.end()
    while (at := text.find("\n---", at)) >= 0:
        second = _BOUNDARY.match(text, at + 1)
        if second:
            return text[first.end() : second.start()], text[second.end() :]
        at += 1
    raise ValueError("no closing line")


def hand_slug(text: str) -> str:
    """The slug maker the project had before (patterns compiled once, ASCII not normalised)."""
    value = text if text.isascii() else unicodedata.normalize("NFKC", text)
    slug = _SLUG_DASHES.sub("-", _SLUG_DROPPED.sub("", value.lower())).strip("-_")
    slug = slug[:80].strip("-_")
    return slug or "x-" + hashlib.sha1(text.encode()).hexdigest()[:10]


def timed(function, values) -> float:
    started = time.perf_counter()
    for value in values:
        function(value)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    folder = import_bench.corpus(args.files)
    texts = [p.read_text(encoding="utf-8-sig").strip() for p in sorted(folder.rglob("*.txt"))]
    titles = [frontmatter.loads(text).get("title", "") for text in texts]
    for split in (stock_split, our_split):
        assert all(split(t) == hand_split(t) for t in texts), "the splitters disagree"
    assert all(make_slug(t) == hand_slug(t) for t in titles), "the slug makers disagree"

    extra = {"stock python-frontmatter split": [], "project's handler split": [], "slugify": []}
    for _ in range(args.rounds):
        hand = timed(hand_split, texts)
        extra["stock python-frontmatter split"].append(timed(stock_split, texts) - hand)
        extra["project's handler split"].append(timed(our_split, texts) - hand)
        extra["slugify"].append(timed(make_slug, titles) - timed(hand_slug, titles))
    with tempfile.TemporaryDirectory() as tmp:
        env = import_bench.fresh_database(Path(tmp), "library")
        seconds = import_bench.run_import(folder, env, reimport=False)["first"]
    print(f"{len(texts):,} files; first import {seconds:.2f} s")
    for name, values in extra.items():
        cost = statistics.median(values)
        print(
            f"  {name}: library's extra cost {cost * 1000:+.1f} ms "
            f"({cost / len(texts) * 1e6:+.2f} µs a file) = {cost / seconds:+.1%} of the import "
            f"(rounds: {', '.join(f'{v * 1000:+.0f}' for v in values)} ms; limit 3%)"
        )


if __name__ == "__main__":
    main()
