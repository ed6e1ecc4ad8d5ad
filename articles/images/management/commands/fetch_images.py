"""``python manage.py fetch_images``: store the stories' lead images and their renditions (the
work is :mod:`articles.images.fetcher`'s)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.images.fetcher import FetchSummary, Options, fetch_images
from articles.images.jobs import Job
from articles.images.safehttp import Policy


class Command(BaseCommand):
    help = (
        "Download each story's lead image, make its renditions and store them. Safe to run "
        "as often as you like (e.g. from cron, or after import_seeds): images it has are "
        "asked for conditionally, failures are tried again later with a back-off."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--downloads", type=int, default=8, help="downloads at once (8)")
        parser.add_argument("--per-host", type=int, default=2, help="at once per host (2)")
        parser.add_argument(
            "--workers", type=int, default=0, help="rendition processes (default: one per core)"
        )
        parser.add_argument(
            "--recheck-after",
            type=float,
            default=24.0,
            metavar="HOURS",
            help="ask again for a stored image checked longer ago than this (24)",
        )
        parser.add_argument("--limit", type=int, default=None, help="at most this many images")

    def handle(self, *args: Any, **options: Any) -> None:
        _check_usage(options)
        verbosity = options["verbosity"]
        progress = _Progress(self.stderr)
        shown = verbosity >= 1 and self.stderr.isatty()

        def on_failure(job: Job, reason: str) -> None:
            progress.clear()
            title = " ".join(job.title.split())[:60]  # one line, whatever the title holds
            line = f"story {job.article_id} ({title}): {job.url[:200]}: {reason}"
            self.stderr.write(line, style_func=self.style.ERROR)

        summary = fetch_images(
            Options(
                policy=Policy(
                    timeout=settings.IMAGE_FETCH_TIMEOUT,
                    max_bytes=settings.IMAGE_FETCH_MAX_BYTES,
                    allow_loopback=settings.IMAGE_FETCH_ALLOW_LOOPBACK,
                ),
                max_pixels=settings.IMAGE_MAX_PIXELS,
                downloads=options["downloads"],
                per_host=options["per_host"],
                workers=options["workers"],
                recheck_after=dt.timedelta(hours=options["recheck_after"]),
                limit=options["limit"],
            ),
            on_failure=on_failure,
            on_progress=progress if shown else None,
        )
        progress.clear()
        if verbosity >= 1:
            style = self.style.WARNING if summary.failed else self.style.SUCCESS
            self.stdout.write(f"Images: {summary}", style_func=style)
        if verbosity >= 2:
            self.stdout.write(f"{summary.due} images due, done in {summary.seconds:.2f}s")


def _check_usage(options: dict[str, Any]) -> None:
    """A usage error exits with status 2, naming the option."""
    wrong = [
        f"--{name.replace('_', '-')}" for name in ("downloads", "per_host") if options[name] < 1
    ]
    if options["limit"] is not None and options["limit"] < 1:
        wrong.append("--limit")
    if wrong:
        raise CommandError(f"{' and '.join(wrong)} must be positive", returncode=2)
    if options["workers"] < 0 or options["recheck_after"] < 0:
        raise CommandError("--workers and --recheck-after must not be negative", returncode=2)


class _Progress:
    """A one-line progress bar on a terminal, redrawn in place."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.shown = False

    def __call__(self, summary: FetchSummary) -> None:
        done, total = summary.done, max(summary.total, 1)
        width = 30
        bar = "#" * (width * done // total) + "-" * (width - width * done // total)
        line = f"\r[{bar}] {done:,}/{total:,} images, {summary.failed:,} failed"
        self.stream.write(line, ending="")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K", ending="")
            self.shown = False
