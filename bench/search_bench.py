"""Search benchmark: the median uncached search request against the median uncached story
page, in one process, for the kinds of query readers type; and the index's share of the
SQLite file.

    .venv/bin/python bench/search_bench.py [--stories 100000] [--requests 60] [--rebuild]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_search_bench \\
        .venv/bin/python bench/search_bench.py

The stories are written straight to the database (``bench/out/search/db.sqlite3``, or the
PostgreSQL database named, created if missing), once, with text drawn from a vocabulary
shaped like a newsroom's: a Zipf-distributed vocabulary of 20,000 words, 1,000 names in
about 0.3% of stories each, 10 places and 10 subjects in a tenth each, and one word in 95%
of them. The page cache is off (``bench/reader_settings.py``); Django's test client asks for
story pages and searches in turn, so a noisy machine slows both alike; each request is
timed in CPU seconds of this process on SQLite (the database runs in it), in wall seconds
on PostgreSQL (whose server does the searching). Target (issue #14):
every kind's median at most 10x the story page's; the common word well under a second; the
index at most 40% of the SQLite file without it.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "search"
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]
os.environ["DJANGO_SETTINGS_MODULE"] = "reader_settings"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{OUT / 'db.sqlite3'}")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.pop("REDIS_URL", None)
warnings.filterwarnings("ignore", message="No directory at")

PLACES = ["Lisbon", "Nairobi", "Osaka", "Quito", "Tromsø", "Zürich", "Kraków", "Montréal",
          "Reykjavík", "Valparaíso"]  # fmt: skip
SUBJECTS = ["election", "wildfire", "vaccine", "tariff", "drought", "strike", "satellite",
            "earthquake", "merger", "lawsuit"]  # fmt: skip
COMMON = "report"  # in 95% of stories
BATCH = 5000
CLOCK = "wall" if os.environ["DATABASE_URL"].startswith("postgres") else "cpu"


def pseudo_word(rng: random.Random, syllables: int) -> str:
    consonants, vowels = "bcdfghjklmnprstvwz", "aeiou"
    return "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(syllables))


class Text:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        words = sorted({pseudo_word(rng, rng.randint(2, 4)) for _ in range(30_000)})
        rng.shuffle(words)
        self.vocabulary = words[:20_000]
        self.weights = list(itertools.accumulate(1 / (r + 1) for r in range(len(self.vocabulary))))
        self.names = sorted({pseudo_word(rng, 3).capitalize() + "son" for _ in range(1_100)})[:1000]

    def words(self, count: int) -> list[str]:
        return self.rng.choices(self.vocabulary, cum_weights=self.weights, k=count)

    def story(self) -> tuple[str, str, str]:
        rng = self.rng
        planted = [rng.choice(PLACES), rng.choice(SUBJECTS), *rng.sample(self.names, 3)]
        if rng.random() < 0.95:
            planted.append(COMMON)
        title, excerpt = self.words(rng.randint(7, 13)), self.words(rng.randint(20, 60))
        body = self.words(rng.randint(100, 300)) if rng.random() < 0.6 else []
        places = [title, excerpt, body] if body else [title, excerpt]
        for word in planted:
            target = rng.choice(places)
            target.insert(rng.randrange(len(target) + 1), word)
        return " ".join(title).capitalize(), " ".join(excerpt) + ".", " ".join(body)


def build(count: int) -> Text:
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection, transaction

    from articles.models import Article, ArticleTopic, Provider, Topic
    from articles.search import index as search_index

    text = Text(random.Random(1))
    call_command("migrate", verbosity=0)
    if Article.objects.count() >= count:
        return text
    Article.objects.all().delete()
    providers = Provider.objects.bulk_create(
        Provider(name=f"Provider {n} News", domain=f"provider{n}.example.com") for n in range(200)
    )
    topics = Topic.objects.bulk_create(
        Topic(name=f"Topic {n}", slug=f"topic-{n}") for n in range(300)
    )
    start = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    rng = text.rng
    for first in range(0, count, BATCH):
        stories = []
        for n in range(first, min(first + BATCH, count)):
            title, excerpt, body = text.story()
            stories.append(
                Article(
                    url=f"https://e.test/{n}", slug=f"story-{n}", title=title, excerpt=excerpt,
                    body=body, published_at=start + dt.timedelta(minutes=9 * n),
                    published=rng.random() < 0.7, provider=rng.choice(providers),
                )
            )  # fmt: skip
        with transaction.atomic(), search_index.paused():
            created = Article.objects.bulk_create(stories)
            ArticleTopic.objects.bulk_create(
                ArticleTopic(article=a, topic=t, published=a.published, published_at=a.published_at)
                for a in created
                for t in rng.sample(topics, rng.randint(1, 4))
            )
            search_index.index([a.pk for a in created])
        print(f"  {first + len(stories):,} stories", flush=True)
    if connection.vendor == "postgresql":  # the planner's statistics, as after an import
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return text


def timed(client, path: str) -> float:
    """The request's cost: this process's CPU time (the database is in-process on SQLite;
    on PostgreSQL the server's time is waited for, so wall time is taken)."""
    clock = time.perf_counter if CLOCK == "wall" else time.process_time
    started = clock()
    response = client.get(path)
    elapsed = clock() - started
    assert response.status_code == 200, (path, response.status_code)
    return elapsed


def measure(text: Text, requests: int) -> dict[str, float]:
    from django.test import Client

    from articles.models import Article

    rng = random.Random(2)
    ids = list(Article.objects.published().values_list("pk", "slug")[::97])
    kinds = {
        "story page": lambda: "/articles/{}/{}/".format(*rng.choice(ids)),
        "name": lambda: search(rng.choice(text.names)),
        "place or subject": lambda: search(rng.choice(PLACES + SUBJECTS)),
        "two words": lambda: search(f"{rng.choice(PLACES)} {rng.choice(SUBJECTS)}"),
        "name and place": lambda: search(f"{rng.choice(text.names)} {rng.choice(PLACES)}"),
        "common word": lambda: search(COMMON),
    }
    client = Client()
    for make in kinds.values():  # warm: templates, URL caches, the database's pages
        for _ in range(5):
            timed(client, make())
    times: dict[str, list[float]] = {name: [] for name in kinds}
    for _ in range(requests):
        for name, make in kinds.items():
            times[name].append(timed(client, make()))
    return {name: statistics.median(values) for name, values in times.items()}


def search(words: str) -> str:
    return "/search/?" + urlencode({"q": words})


def index_share(database: Path) -> tuple[int, int]:
    """The SQLite file's size, and its size without the search index (both vacuumed)."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "copy.sqlite3"
        shutil.copy(database, copy)
        connection = sqlite3.connect(copy)
        connection.execute("VACUUM")
        whole = copy.stat().st_size
        connection.execute("DROP TABLE articles_search")
        connection.commit()
        connection.execute("VACUUM")
        connection.close()
        return whole, copy.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    url = os.environ["DATABASE_URL"]
    if url.startswith("postgres"):
        create_postgres_database(url, args.rebuild)
    elif args.rebuild:
        (OUT / "db.sqlite3").unlink(missing_ok=True)
    import django

    django.setup()
    from django.db import connection

    started = time.perf_counter()
    text = build(args.stories)
    print(
        f"{args.stories:,} stories on {connection.vendor} "
        f"({time.perf_counter() - started:.0f}s to build or open)"
    )
    medians = measure(text, args.requests)
    page = medians["story page"]
    for name, value in medians.items():
        print(
            f"  {name:17} {value * 1000:7.1f} ms median ({CLOCK}) = {value / page:5.1f}x story page"
        )
    if connection.vendor == "sqlite":
        whole, without = index_share(Path(connection.settings_dict["NAME"]))
        print(
            f"  SQLite file {whole / 1e6:.0f} MB, {without / 1e6:.0f} MB without the index: "
            f"the index adds {(whole - without) / without:.0%}"
        )
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_total_relation_size('articles_search'), "
                "pg_database_size(current_database())"
            )
            index, database = cursor.fetchone()
        print(f"  PostgreSQL: the index {index / 1e6:.0f} MB of {database / 1e6:.0f} MB")


def create_postgres_database(url: str, rebuild: bool) -> None:
    import subprocess

    base, _, name = url.rpartition("/")
    if rebuild:
        subprocess.run(
            ["psql", f"{base}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True
        )
    exists = subprocess.run(
        ["psql", f"{base}/postgres", "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    if not exists:
        subprocess.run(["psql", f"{base}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)


if __name__ == "__main__":
    main()
