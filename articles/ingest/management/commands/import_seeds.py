"""``python manage.py import_seeds [PATH ...]``: import seed files (the work is
:mod:`articles.ingest.importer`'s)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.ingest.files import UsageError
from articles.ingest.importer import import_seeds
from articles.ingest.parsers import ParserDied
from articles.ingest.seedfile import DEFAULT_MAX_BYTES
from articles.ingest.writer import ImportSummary


class Command(BaseCommand):
    help = (
        "Import seed files (YAML front matter) from files or folders; folders are searched "
        "recursively for *.txt and *.md. Safe to run again: unchanged files are skipped and "
        "editors' publishing decisions are never overwritten."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", metavar="PATH", help="default: seeds/")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report, write nothing"
        )
        parser.add_argument(
            "--max-bytes",
            type=int,
            default=DEFAULT_MAX_BYTES,
            help=f"reject files larger than this (default {DEFAULT_MAX_BYTES:,})",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="cores to parse on: this process and N-1 parser processes (default: all)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths = options["paths"] or [settings.SEEDS_DIR]
        if options["max_bytes"] < 1 or (options["workers"] is not None and options["workers"] < 1):
            raise CommandError("--max-bytes and --workers must be positive", returncode=2)
        verbosity = options["verbosity"]
        # A progress bar on a terminal only; clear() is safe either way.
        progress = _Progress(self.stderr)
        shown = verbosity >= 1 and self.stderr.isatty()

        def on_error(path: str, reason: str) -> None:
            progress.clear()
            self.stderr.write(f"{path}: {reason}", style_func=self.style.ERROR)

        try:
            summary = import_seeds(
                paths,
                dry_run=options["dry_run"],
                max_bytes=options["max_bytes"],
                workers=options["workers"],
                on_error=on_error,
                on_progress=progress if shown else None,
            )
        except UsageError as exc:
            raise CommandError(str(exc), returncode=2) from None
        except ParserDied as exc:
            progress.clear()
            raise CommandError(
                f"import stopped: {exc}; the stories written so far are kept, "
                "run the import again to go on",
                returncode=1,
            ) from None
        progress.clear()
        self._report(summary, verbosity, options["dry_run"])
        if summary.failed:
            raise CommandError(
                f"{summary.failed} of {summary.files} files could not be imported", returncode=1
            )

    def _report(self, summary: ImportSummary, verbosity: int, dry_run: bool) -> None:
        if verbosity >= 2:
            self.stdout.write(f"{summary.files} files in {summary.seconds:.2f}s")
        if verbosity >= 1:
            prefix = "Dry run, nothing written: " if dry_run else "Imported: "
            style = self.style.WARNING if summary.failed else self.style.SUCCESS
            self.stdout.write(prefix + str(summary), style_func=style)


class _Progress:
    """A one-line progress bar on a terminal, redrawn in place."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.shown = False

    def __call__(self, summary: ImportSummary) -> None:
        if not summary.files:
            return
        width = 30
        filled = width * summary.done // summary.files
        bar = "#" * filled + "-" * (width - filled)
        line = f"\r[{bar}] {summary.done:,}/{summary.files:,} files, {summary.failed:,} failed"
        self.stream.write(line, ending="")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K", ending="")
            self.shown = False
