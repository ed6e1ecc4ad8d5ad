"""``python manage.py prune_images``: delete stored files no story names any more (the work is
:mod:`articles.images.prune`'s)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.images.prune import prune


class Command(BaseCommand):
    help = (
        "Delete stored image files that no story names any more (an image that changed or "
        "was replaced), once they are older than the grace period."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--grace-hours",
            type=float,
            default=24.0,
            help="keep unnamed files younger than this (24): a running fetch names them soon",
        )
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["grace_hours"] < 0:
            raise CommandError("--grace-hours must not be negative", returncode=2)
        summary = prune(dt.timedelta(hours=options["grace_hours"]), dry_run=options["dry_run"])
        if options["verbosity"] >= 1:
            prefix = "Dry run, nothing deleted: " if options["dry_run"] else "Stored files: "
            self.stdout.write(prefix + str(summary), style_func=self.style.SUCCESS)
