from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

REAL_SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_ac1f49c5bdf6f9f1.txt"


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render pages without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def real_seed() -> Path:
    return REAL_SEED


@pytest.fixture
def write_seed(tmp_path: Path) -> Callable[..., Path]:
    """Write a seed file under tmp_path/seeds; text is str (UTF-8) or bytes as given."""
    folder = tmp_path / "seeds"
    folder.mkdir(exist_ok=True)

    def write(name: str, content: str | bytes) -> Path:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", newline="")
        else:
            path.write_bytes(content)
        return path

    return write
