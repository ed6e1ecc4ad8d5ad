from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

REAL_SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_ac1f49c5bdf6f9f1.txt"


# Fixtures that make a test need a server of its own (make test-fast leaves such tests out).
SERVICE_FIXTURES = {"redis_server", "shared_cache", "redis_prefix"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark what drives Chromium ``browser`` and what needs PostgreSQL or Redis whatever the
    suite's database ``services``, by the fixtures they use (``slow`` is marked by hand)."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if "browser" in names:
            item.add_marker(pytest.mark.browser)
        if names & SERVICE_FIXTURES:
            item.add_marker(pytest.mark.services)


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render pages without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the page cache must not carry one test's pages
    into the next (the content version starts again when a test's rows are rolled back)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


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


# --- Browser tests: Debian's Chromium driven by Playwright -----------------------------------

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def _missing(what: str) -> None:
    """Without the browser or axe-core, fail under CI (NEWSROOM_REQUIRE_BROWSER=1), else skip."""
    if os.environ.get("NEWSROOM_REQUIRE_BROWSER"):
        pytest.fail(f"{what} is required for browser tests")
    pytest.skip(f"{what} is not installed (see README, Development)")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium ({CHROMIUM}; apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between page actions are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """Run axe-core in the page; the violations of the given impacts, one line each."""
    if not AXE.exists():
        _missing("axe-core (npm install)")
    # Evaluated, not added as a <script> tag: the site's CSP forbids inline scripts.
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in impacts
    ]
