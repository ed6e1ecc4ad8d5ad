"""Django set up in this process on the reader benchmark's database (``bench/out/reader/``,
100,000 stories, built by ``make bench-reader``), for benchmarks that use the test client."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(settings_module: str) -> None:
    sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'bench' / 'out' / 'reader' / 'db.sqlite3'}"
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ.pop("REDIS_URL", None)
    # Whitenoise warns of the collectstatic folder that the benchmark does not need.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
