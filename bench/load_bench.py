"""Serving benchmark (issue #5): load during an import, and cached-page throughput.

    .venv/bin/python bench/load_bench.py [--databases sqlite postgresql] [--duration 60]
        [--connections 64] [--rounds 3] [--only load|throughput] [--articles 100000]

Against 100,000 imported stories (generated once under bench/out/ops/, then reused), served by
gunicorn with the project's gunicorn.conf.py (SQLite with the local-memory cache; PostgreSQL
with Redis db 3):

1. load: wrk drives ``--connections`` connections for ``--duration`` seconds at random over
   home, topic, category, provider and article pages, while ``import_seeds`` imports 10,000
   changed files beside it (a new corpus each run, so every file is written and every batch
   bumps the content version). Reports requests, failures (non-2xx/3xx, socket errors, 5xx
   in the access log, "database is locked" anywhere), p50/p99 latency and the import's time.
2. throughput: requests/s of a Django hello-world view (the baseline: same gunicorn, same
   middleware), of the cached home page, and of the home page answered 304 to If-None-Match,
   ``--rounds`` times interleaved; prints the median of each and the ratios to the baseline.
   Targets: cached home >= 0.6x hello-world; the 304 path >= the cached page. On PostgreSQL
   + Redis a second server, started beside the first, reads the content version from the
   database on every request (``DJANGO_CONTENT_VERSION_IN_CACHE=false``, as before issue #11
   item 14): its cached home page is measured in the same rounds, for the before/after pair.
   A cached page touches no story, so ``--articles 2000`` measures throughput just as well.

Results are printed and written to bench/out/ops/load-<time>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "ops"
BIN = Path(sys.executable).parent
MANAGE = [sys.executable, str(ROOT / "manage.py")]
ARTICLES = 100_000
IMPORT_FILES = 10_000
DATABASES = {
    "sqlite": {"DATABASE_URL": f"sqlite:///{OUT / 'bench.sqlite3'}"},
    "postgresql": {
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/ops_bench",
        "REDIS_URL": "redis://127.0.0.1:6379/3",
        "DJANGO_CACHE_PREFIX": "ops-bench",
    },
}
PATHS_SCRIPT = """
import random
from articles.models import Article, Category, Provider, Topic
rng = random.Random(5)
ids = list(Article.objects.published().values_list("id", flat=True)[:20000])
paths = ["/"] * 50
paths += [t.get_absolute_url() for t in Topic.objects.all()[:40]]
paths += [c.get_absolute_url() for c in Category.objects.all()[:20]]
paths += [p.get_absolute_url() for p in Provider.objects.all()[:40]]
paths += [a.get_absolute_url() for a in Article.objects.filter(id__in=rng.sample(ids, 400))]
print("\\n".join(paths))
"""
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def env_for(database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_"))}
    env.update(
        DATABASES[database],
        DJANGO_SETTINGS_MODULE="serving_bench.settings",
        PYTHONPATH=str(ROOT / "bench"),
        DJANGO_STATIC_ROOT=str(OUT / "static"),
    )
    return env


def manage(env: dict[str, str], *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*MANAGE, *args], env=env, cwd=ROOT, capture_output=True, text=True, **kwargs
    )


def prepare(database: str, articles: int) -> Path:
    """Migrate, import the corpus if not there yet, collect static; the paths to load."""
    corpus = OUT / f"corpus{articles}"
    if not corpus.exists():
        print(f"generating {articles:,} seed files ...", flush=True)
        subprocess.run([*MANAGE, "generate_seeds", str(articles), str(corpus), "--seed", "7"])
    env = env_for(database)
    if database == "postgresql":
        # Fails harmlessly when the database is there from an earlier run.
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-U", "postgres", "ops_bench"], capture_output=True
        )
    manage(env, "migrate", "--noinput", "-v", "0", check=True)
    count = manage(
        env,
        "shell",
        "-v",
        "0",
        "-c",
        "from articles.models import Article; print(Article.objects.count())",
    )
    if int(count.stdout.strip() or 0) < articles:
        print(f"importing {articles:,} stories into {database} ...", flush=True)
        manage(env, "import_seeds", str(corpus), check=True)
    if not (OUT / "static" / "staticfiles.json").exists():
        manage(env, "collectstatic", "--noinput", "-v", "0", check=True)
    paths = OUT / f"paths-{database}.txt"
    paths.write_text(manage(env, "shell", "-v", "0", "-c", PATHS_SCRIPT, check=True).stdout)
    return paths


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


@contextmanager
def gunicorn(env: dict[str, str], log: Path, port: int = 18765) -> Iterator[str]:
    """The project's gunicorn.conf.py, as ``make run`` starts it."""
    with open(log, "w") as out:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "newsroom.wsgi"],
            env={**env, "PORT": str(port)},
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if fetch(url + "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"gunicorn did not start; see {log}")
        yield url
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def wrk_command(url: str, seconds: int, connections: int, *extra: str) -> list[str]:
    # A request fails when it errs, not when it is slow: wrk waits as long as gunicorn lets a
    # request run (30 s) instead of its default 2 s; the p99 latency shows the slowness.
    return [
        "wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency",
        *extra, url,
    ]  # fmt: skip


def parse_wrk(text: str) -> dict[str, float]:
    def number(pattern: str) -> float:
        found = re.search(pattern, text)
        return float(found.group(1)) if found else 0.0

    def latency(percent: str) -> float:
        found = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.MULTILINE)
        return round(float(found.group(1)) * UNITS_MS[found.group(2)], 2) if found else -1.0

    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    return {
        "requests": number(r"(\d+) requests in"),
        "rps": number(r"Requests/sec:\s+([\d.]+)"),
        "non_2xx_3xx": number(r"Non-2xx or 3xx responses: (\d+)"),
        "socket_errors": sum(int(n) for n in socket.groups()) if socket else 0,
        "socket_error_kinds": socket.group(0) if socket else "",
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
    }


def run_wrk(*command: str, env: dict[str, str] | None = None) -> dict[str, float]:
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return parse_wrk(result.stdout)


def load(database: str, paths: Path, seconds: int, connections: int) -> dict:
    """wrk over the public pages while an import of IMPORT_FILES changed files runs beside it."""
    env = env_for(database)
    fresh = OUT / f"fresh-{database}"
    shutil.rmtree(fresh, ignore_errors=True)
    seed = str(int(time.time()))  # new contents each run: every file is really written
    subprocess.run(
        [*MANAGE, "generate_seeds", str(IMPORT_FILES), str(fresh), "--seed", seed],
        env=env, cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    log = OUT / f"gunicorn-load-{database}.log"
    with gunicorn(env, log) as url:
        script = ["-s", str(ROOT / "bench" / "serving_bench" / "paths.lua")]
        traffic = subprocess.Popen(
            wrk_command(url, seconds, connections, *script),
            env={**os.environ, "PATHS_FILE": str(paths)},
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(min(5, seconds / 4))
        started = time.perf_counter()
        imported = manage(env, "import_seeds", str(fresh), "-v", "1")
        import_seconds = time.perf_counter() - started
        output, _ = traffic.communicate(timeout=seconds + 120)
    served = log.read_text(errors="replace")
    result = parse_wrk(output)
    result.update(
        server_errors=len(re.findall(r'" 5\d\d ', served)),
        database_locked=(served + imported.stderr).count("database is locked"),
        import_seconds=round(import_seconds, 1),
        import_summary=imported.stdout.strip().splitlines()[-1] if imported.stdout else "",
        import_exit=imported.returncode,
    )
    shutil.rmtree(fresh, ignore_errors=True)
    return result


def warm(url: str, connections: int) -> str:
    """Every worker holds the page (or finds it in Redis); returns its ETag."""
    run_wrk(*wrk_command(url + "/", 2, connections))
    answers = [fetch(url + "/")[1] for _ in range(20)]  # new connections: all workers
    headers = answers[-1]
    assert headers.get("X-Cache") == "HIT", headers
    assert fetch(url + "/", {"If-None-Match": headers["ETag"]})[0] == 304
    return headers["ETag"]


def throughput(database: str, rounds: int, connections: int, seconds: int = 10) -> dict:
    env = env_for(database)
    before = {**env, "DJANGO_CONTENT_VERSION_IN_CACHE": "false"}
    with (
        gunicorn(env, OUT / f"gunicorn-throughput-{database}.log") as url,
        gunicorn(before, OUT / f"gunicorn-before-{database}.log", port=18766)
        if database == "postgresql"
        else contextlib.nullcontext() as before_url,
    ):
        etag = warm(url, connections)
        conditional = ("-H", f"If-None-Match: {etag}")
        targets = {
            "hello": wrk_command(url + "/hello/", seconds, connections),
            "cached_home": wrk_command(url + "/", seconds, connections),
            "not_modified": wrk_command(url + "/", seconds, connections, *conditional),
        }
        if before_url:
            warm(before_url, connections)
            targets["cached_home_version_in_db"] = wrk_command(
                before_url + "/", seconds, connections
            )
        runs: dict[str, list[float]] = {name: [] for name in targets}
        failures = 0
        for _ in range(rounds):
            for name, command in targets.items():
                result = run_wrk(*command)
                failures += int(result["non_2xx_3xx"] + result["socket_errors"])
                runs[name].append(result["rps"])
    medians = {name: statistics.median(values) for name, values in runs.items()}
    paired = {  # each round's ratio to the hello-world run beside it, then the median
        f"{name}_vs_hello_paired": round(
            statistics.median(r / h for r, h in zip(values, runs["hello"], strict=True)), 2
        )
        for name, values in runs.items()
        if name != "hello"
    }
    return {
        "failed_requests": failures,
        "rps": runs,
        "median_rps": medians,
        "cached_home_vs_hello": round(medians["cached_home"] / medians["hello"], 2),
        "not_modified_vs_hello": round(medians["not_modified"] / medians["hello"], 2),
        "not_modified_vs_cached_home": round(medians["not_modified"] / medians["cached_home"], 2),
        **paired,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", nargs="+", choices=list(DATABASES), default=list(DATABASES))
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=["load", "throughput"])
    parser.add_argument("--articles", type=int, default=ARTICLES)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is required (apt-get install wrk)")
    OUT.mkdir(parents=True, exist_ok=True)
    report: dict[str, dict] = {}
    for database in args.databases:
        paths = prepare(database, args.articles)
        report[database] = {}
        if args.only != "throughput":
            report[database]["load"] = load(database, paths, args.duration, args.connections)
            print(database, "load", json.dumps(report[database]["load"]), flush=True)
        if args.only != "load":
            report[database]["throughput"] = throughput(database, args.rounds, args.connections)
            print(database, "throughput", json.dumps(report[database]["throughput"]), flush=True)
    target = OUT / f"load-{time.strftime('%Y%m%d-%H%M%S')}.json"
    target.write_text(json.dumps(report, indent=2))
    print(f"written to {target}")


if __name__ == "__main__":
    main()
