"""Editors' admin benchmark: server time of the article list, its filters and searches.

    .venv/bin/python bench/admin_bench.py [--rounds 7]

Needs a database with many stories, made once (see docs/PERFORMANCE.md):

    .venv/bin/python manage.py generate_seeds 100000 bench/out/editor/corpus
    DATABASE_URL=sqlite:////work/main/bench/out/editor/db.sqlite3 \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////work/main/bench/out/editor/db.sqlite3 \\
        .venv/bin/python manage.py import_seeds bench/out/editor/corpus

DATABASE_URL picks the database (default: bench/out/editor/db.sqlite3); it is migrated
first. Each request runs in this process through Django's test client, as an editor (the
"Editors" group, not a superuser), so the time is the server's: middleware, queries,
rendering. Each round requests the admin's index page (the baseline: session, user,
permissions, a rendered admin page) and every target once; the table gives the median
over the rounds, in milliseconds and as a ratio to the baseline of the same round.
Target (issue #4): median <= 150 ms for the list, each filter and a search.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ.setdefault(
    "DATABASE_URL", f"sqlite:///{ROOT / 'bench' / 'out' / 'editor' / 'db.sqlite3'}"
)
os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from articles.models import Article, ArticleTopic, Provider  # noqa: E402

CHANGELIST = "/admin/articles/article/"
BASELINE = "/admin/"


def targets() -> dict[str, str]:
    """The pages to time, with real ids: the biggest provider, topic and category."""

    def biggest(model, field: str) -> int:
        return model.objects.values(field).annotate(n=Count("*")).order_by("-n").first()[field]

    provider = biggest(Article, "provider")
    category = biggest(Article, "category")
    topic = biggest(ArticleTopic, "topic")
    year = Article.objects.order_by("-published_at").first().published_at.year
    return {
        "list": CHANGELIST,
        "page 50": f"{CHANGELIST}?p=50",
        "unpublished": f"{CHANGELIST}?published__exact=0",
        "published": f"{CHANGELIST}?published__exact=1",
        "category": f"{CHANGELIST}?category__id__exact={category}",
        "provider": f"{CHANGELIST}?provider__id__exact={provider}",
        "topic": f"{CHANGELIST}?topics__id__exact={topic}",
        "type": f"{CHANGELIST}?type__exact=video",
        "date: year": f"{CHANGELIST}?published_at__year={year}",
        "date: month": f"{CHANGELIST}?published_at__year={year}&published_at__month=1",
        "date: 7 days": (  # as the "Past 7 days" link writes it
            f"{CHANGELIST}?published_at__gte={year}-01-01+00%3A00%3A00%2B00%3A00"
            f"&published_at__lt={year}-01-08+00%3A00%3A00%2B00%3A00"
        ),
        "sort: quality": f"{CHANGELIST}?o=-6",
        "sort: heat": f"{CHANGELIST}?o=-7",
        "search: common word": f"{CHANGELIST}?q=storm",
        "search: rare word": f"{CHANGELIST}?q=zqxjv",
        "search: provider": f"{CHANGELIST}?q={Provider.objects.get(pk=provider).domain}",
        "search + unpublished": f"{CHANGELIST}?q=storm&published__exact=0",
        "providers page": "/admin/articles/provider/",
        "topics page": "/admin/articles/topic/",
        "categories page": "/admin/articles/category/",
        "provider autocomplete": (
            "/admin/autocomplete/?term=ne&app_label=articles&model_name=article&field_name=provider"
        ),
        "article form": f"{CHANGELIST}{Article.objects.order_by('-pk').first().pk}/change/",
        "bulk confirm (50)": "POST",
    }


def editor_client() -> Client:
    user, created = User.objects.get_or_create(username="bench-editor", defaults={"is_staff": True})
    if created:
        user.groups.add(Group.objects.get(name="Editors"))
    client = Client()
    client.force_login(user)
    return client


def timed(client: Client, url: str) -> float:
    started = time.perf_counter()
    if url == "POST":  # the bulk action's confirmation page for a page of 50 stories
        ids = list(Article.objects.values_list("pk", flat=True)[:50])
        data = {"action": "publish_selected", "_selected_action": ids, "index": "0"}
        started = time.perf_counter()
        response = client.post(CHANGELIST, data)
    else:
        response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    return elapsed * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    total = Article.objects.count()
    if total < 1000:
        raise SystemExit(f"only {total} stories in {connection.settings_dict['NAME']}: see --help")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # What autovacuum keeps up to date on a live database: planner statistics, and
            # the visibility map that lets counts read an index alone.
            cursor.execute("VACUUM ANALYZE")
    # Templates name static files; the benchmark does not need collectstatic's manifest.
    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()

    pages = targets()
    client = editor_client()
    for url in [BASELINE, *pages.values()]:  # warm up caches and connections
        timed(client, url)
    baseline: list[float] = []
    times: dict[str, list[float]] = {name: [] for name in pages}
    ratios: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(args.rounds):
        base = timed(client, BASELINE)
        baseline.append(base)
        for name, url in pages.items():
            ms = timed(client, url)
            times[name].append(ms)
            ratios[name].append(ms / base)

    print(f"{connection.vendor}, {total:,} stories, {args.rounds} rounds (medians)")
    print(f"{'baseline (admin index)':28} {statistics.median(baseline):7.1f} ms")
    for name in pages:
        ms, ratio = statistics.median(times[name]), statistics.median(ratios[name])
        flag = "" if ms <= 150 else "  > 150 ms"
        print(f"{name:28} {ms:7.1f} ms  {ratio:5.1f}x{flag}")


if __name__ == "__main__":
    main()
