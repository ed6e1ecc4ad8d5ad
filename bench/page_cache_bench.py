"""Cached pages in one process, without HTTP: the bytes a reader is sent with and without gzip,
and the CPU a cache hit costs.

    .venv/bin/python bench/page_cache_bench.py [--requests 500] [--repeat 5]

Uses the reader benchmark's database (``bench/out/reader/db.sqlite3``, 100,000 stories; run
``make bench-reader`` once to build it) and the project's settings with its page cache (the
local-memory cache). Django's test client fills the cache for the home page, the topic index
and the RSS feed, then requests each ``--requests`` times, without and with
``Accept-Encoding: gzip``; each CPU figure is the best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import time

import in_process

in_process.setup("page_cache_settings")

from django.test import Client  # noqa: E402

PATHS = ("/", "/topics/", "/feeds/rss/")
ENCODINGS = {"identity": {}, "gzip": {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    client = Client()
    print(f"{'page':12} {'sent as':9} {'bytes':>7} {'hit CPU':>9}")
    for path in PATHS:
        for name, headers in ENCODINGS.items():
            client.get(path, **headers)
            response = client.get(path, **headers)
            assert response.get("X-Cache") == "HIT", (path, response.status_code)
            best = float("inf")
            for _ in range(args.repeat):
                started = time.process_time()
                for _ in range(args.requests):
                    client.get(path, **headers)
                best = min(best, (time.process_time() - started) / args.requests)
            print(f"{path:12} {name:9} {len(response.content):7,} {best * 1000:6.3f} ms")


if __name__ == "__main__":
    main()
