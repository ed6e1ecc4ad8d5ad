"""Export benchmark: ``export_seeds`` against the import of the same files, and its peak memory.

    .venv/bin/python bench/export_bench.py [--files 20000] [--repeat 3]

Each round, back to back on the same generated corpus: a first import into an empty database
(every core, as ``import_seeds`` runs by default), then an export of every story into an
empty folder, each in a process of its own (so each one's peak memory is its own), each
after ``sync`` (so neither pays for the other's writes still on their way to the disk). The ratio
is export time / import time, the median over the rounds, so that a noisy shared machine
moves both together. Set DATABASE_URL to a PostgreSQL database to measure there (it is
emptied each round). Targets (issue #13): export <= 1.0x the import, 100,000 stories <= 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from articles.ingest.corpus import generate_corpus  # noqa: E402

OUT = ROOT / "bench" / "out" / "export"

SETUP = """
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
import django
django.setup()
"""
IMPORT = (
    SETUP
    + """
from django.core.management import call_command
call_command("flush", "--no-input", verbosity=0)
from articles.ingest.importer import import_seeds
done = import_seeds([{corpus!r}])
print(json.dumps({{"seconds": done.seconds, "stories": done.created,
    "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""
)
EXPORT = (
    SETUP
    + """
from articles.ingest.exporter import export_seeds
done = export_seeds({folder!r})
print(json.dumps({{"seconds": done.seconds, "stories": done.written,
    "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""
)


def corpus(count: int) -> Path:
    folder = OUT / f"corpus-{count}"
    marker = folder / ".complete"
    if not marker.exists():
        print(f"generating {count:,} seed files in {folder} ...", flush=True)
        for _ in generate_corpus(folder, count):
            pass
        marker.touch()
    return folder


def child(script: str, env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, check=True, capture_output=True,
        text=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = corpus(args.files)
    env = dict(os.environ)
    if "DATABASE_URL" not in env:
        (OUT / "db.sqlite3").unlink(missing_ok=True)  # a fresh database each run
        env["DATABASE_URL"] = f"sqlite:///{OUT / 'db.sqlite3'}"
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    ratios, rows = [], []
    target = OUT / "exported"
    for round_ in range(args.repeat):
        # The last round's files go first, and the disk settles before each timed step, so
        # that neither pays for the other's writes.
        shutil.rmtree(target, ignore_errors=True)
        os.sync()
        imported = child(IMPORT.format(root=str(ROOT), corpus=str(folder)), env)
        os.sync()
        exported = child(EXPORT.format(root=str(ROOT), folder=str(target)), env)
        ratio = exported["seconds"] / imported["seconds"]
        ratios.append(ratio)
        rows.append((imported, exported))
        print(
            f"round {round_ + 1}: import {imported['stories']:,} stories "
            f"{imported['seconds']:.1f}s ({imported['rss_kb'] / 1024:.0f} MB); export "
            f"{exported['stories']:,} {exported['seconds']:.1f}s "
            f"({exported['rss_kb'] / 1024:.0f} MB): {ratio:.2f}x",
            flush=True,
        )
    peak = max(exported["rss_kb"] for _, exported in rows) / 1024
    print(
        f"{args.files:,} files, {os.environ.get('DATABASE_URL', 'SQLite')[:10]}...: export / "
        f"import = {statistics.median(ratios):.2f}x (median of {args.repeat}); export peak "
        f"{peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
