"""Reader-site benchmark: public pages served by gunicorn over 100,000 stories, uncached,
against a Django hello-world view served by the same gunicorn in the same run.

    .venv/bin/python bench/reader_bench.py [--articles 100000] [--rounds 3] [--duration 10]
                                           [--connections 16] [--against DIR]

The first run generates the corpus and imports it into bench/out/reader/db.sqlite3 (a few
minutes); later runs reuse it. gunicorn starts once with the project's gunicorn.conf.py and
``bench/reader_settings.py`` (the project's settings without the page cache, plus /hello/).
Each round drives every target with ``wrk`` on 127.0.0.1, with the hello-world baseline run
before and after each target; the article and topic targets rotate over 500 stories and 50
topics. A target's ratio is its throughput over the mean of the two baseline runs around it
(these machines are shared: a neighbour's burst of load then skews one pair, not a round); the
table shows medians over the rounds. Each run also reads the CPU time gunicorn's processes
used, per request: a figure the neighbours' load moves much less than throughput.
With ``--against DIR`` a second gunicorn serves another checkout's code on the same database,
and each round measures the two by turns: a before/after pair from the same run.
Target (issue #3): home, topic and article pages each >= 0.15x hello-world.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "reader"
PYTHON = sys.executable
TARGET = 0.15

# Runs in a child process on the benchmark database: the URLs the targets request.
SAMPLE = """
import json
import django
django.setup()
from articles.reader import queries
from articles.models import Article, Topic
from articles.reader.pagination import Cursor
stories = Article.objects.published().order_by("-published_at", "-pk")
deep = stories[500 * 20 - 1]  # the last story of what page 500 would be
print(json.dumps({
    "articles": [a.get_absolute_url() for a in stories[:5000:10]],
    "topics": [t.get_absolute_url() for t in queries.browsable(Topic).order_by("?")[:50]],
    "deep": f"/?before={Cursor.of(deep)}",
}))
"""


def environment(root: Path = ROOT) -> dict[str, str]:
    """The benchmark's environment for the code in ``root`` (this checkout, or --against)."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{OUT / 'db.sqlite3'}",
        DJANGO_SETTINGS_MODULE="reader_settings",
        PYTHONPATH=f"{root / 'bench'}:{root}",
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        # No worker replacement mid-run: hello world's volume would trigger it, and the cold
        # worker's first requests would be charged to whichever target runs next.
        GUNICORN_MAX_REQUESTS="0",
    )
    env.pop("REDIS_URL", None)
    return env


def ensure_database(count: int, env: dict[str, str]) -> None:
    marker = OUT / f".imported-{count}"
    if marker.exists():
        return
    corpus = OUT / "corpus"
    manage = [PYTHON, str(ROOT / "manage.py")]
    if not (corpus / ".complete").exists():
        print(f"generating {count:,} seed files in {corpus} ...", flush=True)
        subprocess.run([*manage, "generate_seeds", str(count), str(corpus)], check=True)
        (corpus / ".complete").touch()
    (OUT / "db.sqlite3").unlink(missing_ok=True)
    print("importing ...", flush=True)
    subprocess.run([*manage, "migrate", "-v0"], check=True, env=env)
    subprocess.run([*manage, "import_seeds", str(corpus), "-v0"], check=True, env=env)
    marker.touch()


def sample_urls(env: dict[str, str]) -> dict:
    done = subprocess.run(
        [PYTHON, "-c", SAMPLE], check=True, env=env, capture_output=True, text=True, cwd=ROOT
    )
    return json.loads(done.stdout)


def serve(env: dict[str, str], port: int, root: Path = ROOT) -> subprocess.Popen:
    log = (OUT / f"gunicorn-{port}.log").open("w")
    server = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "-c", "gunicorn.conf.py", "newsroom.wsgi"],
        env={**env, "PORT": str(port)},
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/hello/", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"gunicorn did not start; see {OUT / f'gunicorn-{port}.log'}")


def rotating_script(name: str, paths: list[str]) -> Path:
    script = OUT / f"{name}.lua"
    quoted = ", ".join(json.dumps(p) for p in paths)
    script.write_text(
        f"local paths = {{{quoted}}}\nlocal n = 0\n"
        "request = function()\n  n = n + 1\n"
        "  return wrk.format('GET', paths[(n % #paths) + 1])\nend\n"
    )
    return script


def wrk(base: str, target: str | Path, duration: int, connections: int) -> tuple[float, float]:
    """(requests per second, p99 latency in ms) for one target: a path or a Lua script."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency"]
    if isinstance(target, Path):
        command += ["-s", str(target), base + "/"]
    else:
        command.append(base + target)
    text = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in text:
        raise SystemExit(f"errors from {target}:\n{text}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text)[1])
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", text).groups()
    return rps, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def server_cpu_seconds(master: int) -> float:
    """CPU time (user + system) used so far by gunicorn's workers and master."""
    pids = [master]
    children = Path(f"/proc/{master}/task/{master}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per target")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=8931)
    parser.add_argument(
        "--against", type=Path, help="another checkout's code, served beside, in the same rounds"
    )
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    env = environment()
    ensure_database(args.articles, env)
    urls = sample_urls(env)
    targets: dict[str, str | Path] = {
        "home": "/",
        "home, page 500": urls["deep"],
        "topic": rotating_script("topics", urls["topics"]),
        "article": rotating_script("articles", urls["articles"]),
    }
    codes = [("this code", ROOT)] + ([(str(args.against), args.against)] if args.against else [])
    servers = [
        Server(name, serve(environment(root), args.port + n, root), args.port + n)
        for n, (name, root) in enumerate(codes)
    ]
    try:
        for server in servers:
            for target in ("/hello/", *targets.values()):  # warm every worker up
                wrk(server.base, target, 2, args.connections)
        for round_no in range(1, args.rounds + 1):
            for server in servers:  # the codes by turns, each round, on the same machine
                server.round(round_no, targets, args.duration, args.connections)
    finally:
        for server in servers:
            os.killpg(server.process.pid, signal.SIGTERM)
            server.process.wait(timeout=30)
    for server in servers:
        server.report(args, targets)


class Server:
    """One gunicorn and its figures: each target against the hello-world runs around it."""

    def __init__(self, name: str, process: subprocess.Popen, port: int) -> None:
        self.name, self.process, self.base = name, process, f"http://127.0.0.1:{port}"
        self.results: dict[str, list[tuple[float, float, float, float]]] = {"hello world": []}

    def measure(self, target: str | Path, duration: int, connections: int):
        """req/s, p99 ms, and the server's CPU milliseconds per request."""
        cpu = server_cpu_seconds(self.process.pid)
        rps, p99 = wrk(self.base, target, duration, connections)
        used = server_cpu_seconds(self.process.pid) - cpu
        return rps, p99, used * 1000 / (rps * duration)

    def round(self, number: int, targets: dict, duration: int, connections: int) -> None:
        # Hello world runs before and after each target; the target is compared with the
        # mean of the two, so a neighbour's burst of load skews one pair, not the round.
        before = self.measure("/hello/", duration, connections)
        self.results["hello world"].append((*before, 1.0))
        for name, target in targets.items():
            rps, p99, cpu = self.measure(target, duration, connections)
            after = self.measure("/hello/", duration, connections)
            hello = (before[0] + after[0]) / 2
            self.results.setdefault(name, []).append((rps, p99, cpu, rps / hello))
            print(
                f"round {number}, {self.name}: {name:15} {rps:8.0f} req/s  p99 {p99:7.1f} ms  "
                f"{cpu:5.2f} CPU ms/req  hello {before[0]:.0f}/{after[0]:.0f} req/s",
                flush=True,
            )
            before = after

    def report(self, args: argparse.Namespace, targets: dict) -> None:
        print(f"\n{self.name}: {args.articles:,} stories, {args.rounds} rounds of "
              f"{args.duration}s per target, {args.connections} connections; medians:")  # fmt: skip
        print(f"{'target':15} {'req/s':>8} {'p99 ms':>8} {'CPU ms':>7} {'ratio':>7}")
        summary = {}
        for name, rows in self.results.items():
            rps, p99, cpu, ratio = (statistics.median(c) for c in zip(*rows, strict=True))
            summary[name] = {"rps": rps, "p99_ms": p99, "cpu_ms_per_request": cpu, "ratio": ratio}
            verdict = "" if name == "hello world" else ("  ok" if ratio >= TARGET else "  BELOW")
            print(f"{name:15} {rps:8.0f} {p99:8.1f} {cpu:7.2f} {ratio:6.2f}x{verdict}")
        hello_cpu = summary["hello world"]["cpu_ms_per_request"]
        each = (f"{n} {summary[n]['cpu_ms_per_request'] / hello_cpu:.1f}x" for n in targets)
        print(
            f"(server CPU per request against hello world's {hello_cpu:.2f} ms: {', '.join(each)})"
        )
        if self.name == "this code":
            (OUT / "results.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
