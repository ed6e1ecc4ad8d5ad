"""What the README promises a newcomer, checked against the real commands."""

from __future__ import annotations

import subprocess

import pytest

from tests.helpers.databases import MANAGE, ROOT, project_env, subprocess_database
from tests.helpers.factories import seed_text


@pytest.mark.slow
def test_the_import_summary_ends_stdout_and_the_failure_count_ends_stderr(tmp_path):
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "good.txt").write_text(seed_text())
    (folder / "bad.txt").write_text("no front matter here\n")
    with subprocess_database(tmp_path, "readme") as url:
        done = subprocess.run(
            [*MANAGE, "import_seeds", str(folder)],
            env=project_env(url),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 1
    out, err = done.stdout.strip().splitlines(), done.stderr.strip().splitlines()
    assert out[-1] == "Imported: 1 created, 0 updated, 0 unchanged, 1 failed"
    assert err[0].startswith(f"{folder / 'bad.txt'}: no front matter")
    assert err[-1] == "CommandError: 1 of 2 files could not be imported"


@pytest.mark.services
def test_tests_needing_a_server_skip_without_it_and_fail_under_ci(monkeypatch):
    """`make test` on a laptop without PostgreSQL or Redis: those tests skip, saying why;
    CI (NEWSROOM_REQUIRE_SERVICES=1) has both, and fails instead of skipping."""

    from tests.helpers.databases import require

    nowhere = "redis://127.0.0.1:1/0"
    monkeypatch.delenv("NEWSROOM_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Redis is not running at 127.0.0.1:1"):
        require("Redis", nowhere)
    monkeypatch.setenv("NEWSROOM_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="Redis is not running"):
        require("Redis", nowhere)
    require("Redis", "redis://127.0.0.1:6379/0")  # this machine's answers: no skip
