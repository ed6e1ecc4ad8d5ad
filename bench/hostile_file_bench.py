"""What one hostile provider file costs the site, against an ordinary story, in one process.

The attack of docs/SECURITY.md: a 1 MiB seed with about 180,000 topics and ``published:
true``, beside an ordinary story, imported into a fresh SQLite database. Each page that shows
the story is rendered (uncached: the page cache is off) with the hostile story on the site,
then again once it is deleted (the ordinary story's page in place of its own). Each line
prints the first time over the second: 1.0x means the file costs nothing more.

Run: ``.venv/bin/python bench/hostile_file_bench.py``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 5


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="hostile-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'db.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "newsroom.settings"
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ.pop("REDIS_URL", None)
    sys.path[:0] = [str(ROOT)]
    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic either
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from articles.ingest.importer import import_seeds
    from articles.models import Article
    from tests.helpers.factories import seed_text
    from tests.ingest.test_provider_caps import hostile_seed

    settings.PAGE_CACHE_EXCLUDED_PATHS = ["/"]  # every request renders
    settings.STORAGES = {  # no collectstatic needed
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)
    seeds = folder / "seeds"
    seeds.mkdir()
    (seeds / "hostile.txt").write_text(hostile_seed(180_000))
    (seeds / "ordinary.txt").write_text(seed_text(title="An ordinary story", published=True))
    started = time.perf_counter()
    import_seeds([seeds / "hostile.txt"], on_error=lambda *_: None)
    hostile_import = time.perf_counter() - started
    started = time.perf_counter()
    import_seeds([seeds / "ordinary.txt"], on_error=lambda *_: None)
    ordinary_import = time.perf_counter() - started
    print(f"import: hostile file {hostile_import:.2f} s, ordinary {ordinary_import:.3f} s")

    hostile = Article.objects.get(title="Many topics")
    ordinary = Article.objects.get(title="An ordinary story")
    client = Client()
    with_it = _pages(client, hostile.get_absolute_url(), "many")
    started = time.perf_counter()
    Article.objects.filter(pk=hostile.pk).delete()
    print(f"delete: the hostile story {(time.perf_counter() - started) * 1000:.1f} ms")
    without = _pages(client, ordinary.get_absolute_url(), "ordinary")
    print("page      with the hostile story   without it   ratio")
    for name, bad in with_it.items():
        print(f"{name:8} {bad * 1000:12.1f} ms {without[name] * 1000:12.1f} ms"
              f"   {bad / without[name]:5.2f}x")  # fmt: skip
    started = time.perf_counter()
    Article.objects.filter(pk=ordinary.pk).delete()
    print(f"delete: the ordinary story {(time.perf_counter() - started) * 1000:.1f} ms")


def _pages(client, story: str, word: str) -> dict[str, float]:
    """The median time of each page that shows the story (the story's own, as given)."""
    paths = {
        "home": "/",
        "story": story,
        "search": f"/search/?q={word}",
        "rss": "/feeds/rss/",
        "topics": "/topics/",
    }
    return {name: _median(client, path) for name, path in paths.items()}


def _median(client, path: str) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times)


if __name__ == "__main__":
    main()
