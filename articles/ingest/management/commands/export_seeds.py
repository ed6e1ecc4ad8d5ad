"""``python manage.py export_seeds DIR``: write every story back as a seed file (the work is
:mod:`articles.ingest.exporter`'s)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from articles.ingest.exporter import ExportError, ExportSummary, export_seeds


def since_date(text: str) -> dt.datetime:
    """``--since``: an ISO 8601 date or time, in the site's time zone unless it says."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--since: not an ISO 8601 date: {text!r}", returncode=2) from None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class Command(BaseCommand):
    help = (
        "Write every story as a seed file into DIR, one per story, named after its identity: "
        "its source's fields as the import read them, and the editors' state (published, "
        "and the newsroom: mapping) where an import reads it. An import of DIR into an empty "
        "database, exported again, gives the same files byte for byte."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", metavar="DIR")
        parser.add_argument(
            "--published-only", action="store_true", help="only the stories readers see now"
        )
        parser.add_argument(
            "--since",
            metavar="DATE",
            help="only stories whose source date is on or after DATE (ISO 8601)",
        )
        parser.add_argument(
            "--overwrite", action="store_true", help="write into a folder that has files"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since = since_date(options["since"]) if options["since"] else None
        verbosity = options["verbosity"]
        shown = verbosity >= 1 and self.stderr.isatty()

        def progress(summary: ExportSummary) -> None:
            self.stderr.write(f"\r{summary.written:,}/{summary.stories:,} stories", ending="")
            self.stderr.flush()

        try:
            summary = export_seeds(
                options["folder"],
                published_only=options["published_only"],
                since=since,
                overwrite=options["overwrite"],
                on_progress=progress if shown else None,
            )
        except ExportError as exc:
            if shown:
                self.stderr.write("\r\033[K", ending="")
            raise CommandError(str(exc), returncode=1) from None
        if shown:
            self.stderr.write("\r\033[K", ending="")
        if verbosity >= 2:
            self.stdout.write(f"{summary.stories} stories in {summary.seconds:.2f}s")
        if verbosity >= 1:
            self.stdout.write(
                f"Exported: {summary} to {options['folder']}", style_func=self.style.SUCCESS
            )
