"""``manage.py import_seeds``: output, exit codes, options."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import OutputWrapper

from articles.ingest.corpus import generate_corpus
from articles.ingest.management.commands.import_seeds import _Progress
from articles.ingest.writer import ImportSummary
from articles.models import Article
from tests.helpers.databases import MANAGE, project_env, subprocess_database
from tests.helpers.factories import seed_text

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def import_seeds(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_seeds", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_summary_is_the_last_line_and_a_rerun_changes_nothing(write_seed, tmp_path):
    write_seed("a.txt", seed_text())
    out, err = import_seeds(str(tmp_path / "seeds"))
    assert out.strip().splitlines()[-1] == ("Imported: 1 created, 0 updated, 0 unchanged, 0 failed")
    assert err == ""
    out, _ = import_seeds(str(tmp_path / "seeds"))
    assert out.strip().splitlines()[-1].endswith("0 created, 0 updated, 1 unchanged, 0 failed")


def test_default_path_is_the_projects_seeds_folder():
    out, _ = import_seeds()
    assert "1 created" in out
    assert Article.objects.get().provider.name == "KSTP"


def test_broken_file_prints_one_line_naming_it_and_exits_1(write_seed, tmp_path):
    write_seed("good.txt", seed_text())
    bad = write_seed("bad.txt", seed_text(publishedDateTime="not a date"))
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_seeds", str(tmp_path / "seeds"), stdout=out, stderr=err)
    assert caught.value.returncode == 1
    assert err.getvalue().splitlines() == [
        f"{bad}: publishedDateTime: not an ISO 8601 date: 'not a date'"
    ]
    assert out.getvalue().strip().endswith("1 created, 0 updated, 0 unchanged, 1 failed")
    assert Article.objects.count() == 1


def test_missing_path_is_a_usage_error():
    with pytest.raises(CommandError) as caught:
        import_seeds("/no/such/folder")
    assert caught.value.returncode == 2
    assert "/no/such/folder: no such file or folder" in str(caught.value)


def test_dry_run_says_so_and_writes_nothing(write_seed, tmp_path):
    write_seed("a.txt", seed_text())
    out, _ = import_seeds("--dry-run", str(tmp_path / "seeds"))
    assert out.startswith("Dry run, nothing written: 1 created")
    assert Article.objects.count() == 0


def test_max_bytes_option(write_seed, tmp_path):
    write_seed("a.txt", seed_text(excerpt="x" * 2000))
    with pytest.raises(CommandError):
        import_seeds("--max-bytes", "1000", str(tmp_path / "seeds"))
    out, _ = import_seeds("--max-bytes", "5000", str(tmp_path / "seeds"))
    assert "1 created" in out


def test_quiet_and_verbose(write_seed, tmp_path):
    write_seed("a.txt", seed_text())
    out, _ = import_seeds("-v", "0", str(tmp_path / "seeds"))
    assert out == ""
    out, _ = import_seeds("-v", "2", str(tmp_path / "seeds"))
    assert "1 files in" in out


@pytest.mark.slow
def test_exit_codes_from_the_shell(tmp_path):
    """The real process: 0 when all files import, 1 when any fails, 2 on a usage error."""
    db = tmp_path / "db.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{db}", "PATH": "/usr/bin:/bin"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "ok.txt").write_text(seed_text())
    ok = subprocess.run([*manage, "import_seeds", str(folder)], env=env, capture_output=True)
    assert ok.returncode == 0, ok.stderr
    (folder / "bad.txt").write_text("no front matter")
    bad = subprocess.run([*manage, "import_seeds", str(folder)], env=env, capture_output=True)
    assert bad.returncode == 1
    assert bad.stderr.decode().splitlines()[0] == (
        f"{folder / 'bad.txt'}: no front matter: the file must start with a '---' line"
    )
    usage = subprocess.run([*manage, "import_seeds", "/nope"], env=env, capture_output=True)
    assert usage.returncode == 2


def test_progress_bar_redraws_one_line():
    stream = StringIO()
    progress = _Progress(OutputWrapper(stream))
    progress(ImportSummary(files=10, created=5, failed=1))
    progress(ImportSummary(files=10, created=9, failed=1))
    progress.clear()
    text = stream.getvalue()
    assert "\r[" + "#" * 18 + "-" * 12 + "] 6/10 files, 1 failed" in text
    assert "10/10 files" in text and text.endswith("\r\033[K")
    assert "\n" not in text


@pytest.mark.slow
def test_two_imports_of_one_folder_at_once_agree(tmp_path):
    """SQLite serialises the writers; on PostgreSQL the loser of a race retries its batch."""
    list(generate_corpus(tmp_path / "corpus", 600))
    with subprocess_database(tmp_path, "concurrent") as url:
        env = project_env(url)
        command = [*MANAGE, "import_seeds", str(tmp_path / "corpus"), "--workers", "1"]
        runs = [
            subprocess.Popen(
                command,
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [run.communicate(timeout=300) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        created = sum(int(out.split(" created")[0].rsplit(" ", 1)[-1]) for out, _ in outputs)
        assert created == 600
        check = subprocess.run(
            [*MANAGE, "import_seeds", str(tmp_path / "corpus")],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        assert "0 created, 0 updated, 600 unchanged, 0 failed" in check.stdout
