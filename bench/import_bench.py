"""Import benchmark: parse-only baseline vs first import vs re-import, and peak memory.

    .venv/bin/python bench/import_bench.py [--files 10000] [--repeat 3] [--memory-files 100000]
        [--against DIR]

Each round measures, back to back on the same generated corpus: the time to merely parse
every file with python-frontmatter in one process (the baseline, run before and after each
import), a first import into an empty database, and a re-import of the unchanged files.
Each import is compared with the mean of the baselines around it; ratios are medians over
the rounds, so a noisy shared machine moves all of them together. Set DATABASE_URL to a PostgreSQL
database to measure there (it is dropped and re-created each round).
Targets (issue #2): first import <= 1.0x baseline, re-import <= 0.2x, 100k files <= 300 MB.

``--against DIR`` also imports with the code of another checkout (``git worktree add DIR REV``)
in every round, before or after this one's by turns, against the same baselines: a
before/after pair that the machine's drift moves together.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import frontmatter  # noqa: E402

from articles.ingest.corpus import generate_corpus  # noqa: E402

OUT = ROOT / "bench" / "out"

# Runs in a child process against a fresh database: migrate, import twice, report.
CHILD = """
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
os.chdir({root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
import django
django.setup()
from django.core.management import call_command
from articles.ingest.importer import import_seeds
call_command("migrate", verbosity=0)
first = import_seeds([{corpus!r}])
again = import_seeds([{corpus!r}]) if {reimport} else first
usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({{"first": first.seconds, "again": again.seconds, "created": first.created,
    "unchanged": again.unchanged, "failed": first.failed, "rss_kb": usage,
    "worker_rss_kb": workers}}))
"""


def corpus(count: int) -> Path:
    folder = OUT / f"corpus-{count}"
    marker = folder / ".complete"
    if not marker.exists():
        print(f"generating {count:,} seed files in {folder} ...", flush=True)
        for _ in generate_corpus(folder, count):
            pass
        marker.touch()
    return folder


def parse_only(folder: Path) -> float:
    files = sorted(str(p) for p in folder.rglob("*.txt"))
    started = time.perf_counter()
    for path in files:
        frontmatter.load(path)
    return time.perf_counter() - started


def fresh_database(tmp: Path, label: str) -> dict[str, str]:
    env = dict(os.environ)
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        base, _, _ = url.rpartition("/")
        subprocess.run(["psql", url, "-qc", "DROP DATABASE IF EXISTS newsroom_bench"], check=True)
        subprocess.run(["psql", url, "-qc", "CREATE DATABASE newsroom_bench"], check=True)
        env["DATABASE_URL"] = f"{base}/newsroom_bench"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / f'{label}.sqlite3'}"
    return env


def run_import(folder: Path, env: dict[str, str], reimport: bool = True, root: Path = ROOT) -> dict:
    code = CHILD.format(root=str(root), corpus=str(folder), reimport=reimport)
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_against(folder: Path, tmp: Path, round_: int, root: Path, files: int) -> dict:
    """A first import with another checkout's code (``--against``) into a database of its own."""
    other = run_import(folder, fresh_database(tmp, f"o{round_}"), False, root)
    assert other["created"] == files and not other["failed"], other
    return other


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-files", type=int, default=100_000, help="0 to skip")
    parser.add_argument("--against", type=Path, help="a checkout of other code to compare")
    args = parser.parse_args()

    folder = corpus(args.files)
    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    database = "PostgreSQL" if on_postgres else "SQLite"
    print(f"{args.files:,} files, {database}, {os.cpu_count()} cores, {args.repeat} rounds")
    base, first, again, first_ratio, again_ratio, other_ratio = [], [], [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        before = parse_only(folder)
        for round_ in range(args.repeat):
            # With --against, the two go in turns: this code first in even rounds, the other
            # first in odd ones.
            other = None
            if args.against and round_ % 2:
                other = run_against(folder, Path(tmp), round_, args.against, args.files)
            result = run_import(folder, fresh_database(Path(tmp), f"r{round_}"))
            assert result["created"] == args.files and result["unchanged"] == args.files, result
            if args.against and other is None:
                other = run_against(folder, Path(tmp), round_, args.against, args.files)
            # The baseline runs before and after the imports and they are compared with the
            # mean of the two: this machine's speed drifts within a minute.
            after = parse_only(folder)
            baseline = (before + after) / 2
            if other:
                other_ratio.append(other["first"] / baseline)
            base.append(baseline)
            first.append(result["first"])
            again.append(result["again"])
            first_ratio.append(result["first"] / baseline)
            again_ratio.append(result["again"] / baseline)
            print(
                f"  round {round_ + 1}: parse-only {before:.2f}s / {after:.2f}s, first import "
                f"{first[-1]:.2f}s ({first_ratio[-1]:.2f}x), re-import {again[-1]:.2f}s "
                f"({again_ratio[-1]:.2f}x)"
            )
            before = after
        b, f, a = (statistics.median(x) for x in (base, first, again))
        fr, ar = statistics.median(first_ratio), statistics.median(again_ratio)
        print(f"median: parse-only {b:.2f}s")
        print(f"  first import  {f:.2f}s = {fr:.2f}x parse-only (target <= 1.0x)")
        print(f"  re-import     {a:.2f}s = {ar:.2f}x parse-only (target <= 0.2x)")
        if args.against:
            rounds = " ".join(f"{x:.2f}" for x in other_ratio)
            mine = " ".join(f"{x:.2f}" for x in first_ratio)
            print(f"  first import with {args.against}: {statistics.median(other_ratio):.2f}x")
            print(f"    by round, this code: {mine}; {args.against}: {rounds}")

        if args.memory_files:
            big = corpus(args.memory_files)
            result = run_import(big, fresh_database(Path(tmp), "memory"), reimport=False)
            assert result["created"] == args.memory_files, result
            main_mb, worker_mb = result["rss_kb"] / 1024, result["worker_rss_kb"] / 1024
            print(
                f"{args.memory_files:,} files: imported in {result['first']:.1f}s, peak RSS "
                f"{main_mb:.0f} MB (importer), {worker_mb:.0f} MB (largest parser worker) "
                "(target <= 300 MB)"
            )


if __name__ == "__main__":
    main()
