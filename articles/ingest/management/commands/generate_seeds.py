"""``python manage.py generate_seeds COUNT FOLDER``: write a realistic demo corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from articles.ingest.corpus import generate_corpus


class Command(BaseCommand):
    help = "Write COUNT generated seed files under FOLDER (for demos, tests and benchmarks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int)
        parser.add_argument("folder", type=Path)
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed (same seed, same files)"
        )

    def handle(self, *args: Any, count: int, folder: Path, seed: int, **options: Any) -> None:
        written = sum(1 for _ in generate_corpus(folder, count, seed=seed))
        self.stdout.write(self.style.SUCCESS(f"Wrote {written} seed files under {folder}"))
