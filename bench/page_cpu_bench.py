"""CPU per uncached reader page in one process, without HTTP: the steadier companion of
``bench/reader_bench.py`` on a busy machine, for comparing two versions of the code.

    .venv/bin/python bench/page_cpu_bench.py [--requests 300] [--repeat 5]

Uses the reader benchmark's database (``bench/out/reader/db.sqlite3``, 100,000 stories; run
``make bench-reader`` once to build it) and its settings (no page cache, plus ``/hello/``).
Django's test client requests the hello-world view, the home page, 50 topic pages and 500
story pages in turn, ``--requests`` each; each figure is the best of ``--repeat`` runs of the
process's CPU time per request, and each page's is also given as a multiple of hello world's.
"""

from __future__ import annotations

import argparse
import json
import time

import in_process

in_process.setup("reader_settings")

from django.test import Client  # noqa: E402

from articles.models import Article, Topic  # noqa: E402


def cpu_per_request(client: Client, paths: list[str], count: int) -> float:
    started = time.process_time()
    for i in range(count):
        response = client.get(paths[i % len(paths)])
        assert response.status_code == 200, (paths[i % len(paths)], response.status_code)
    return (time.process_time() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    stories = Article.objects.published().order_by("-published_at", "-pk")
    topics = Topic.objects.filter(articletopic__published=True).distinct().order_by("pk")
    targets = {
        "hello world": ["/hello/"],
        "home": ["/"],
        "topic": [t.get_absolute_url() for t in topics[:50]],
        "article": [a.get_absolute_url() for a in stories[:5000:10]],
    }
    client = Client()
    for paths in targets.values():  # warm: compiled queries, URL caches, templates
        cpu_per_request(client, paths, 20)
    best = {
        name: min(cpu_per_request(client, paths, args.requests) for _ in range(args.repeat))
        for name, paths in targets.items()
    }
    hello = best["hello world"]
    result = {name: round(value * 1000, 3) for name, value in best.items()}
    print(json.dumps({"ms_per_request": result}))
    for name, value in best.items():
        print(f"{name:12} {value * 1000:6.2f} ms CPU a request = {value / hello:4.1f}x hello world")


if __name__ == "__main__":
    main()
