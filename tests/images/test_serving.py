"""Stored images served by the site itself (articles.images.serving): the right type, cached
for a year under content-hashed names, nothing else (no listing, no other path, no
traversal); and the whole way under gunicorn: import a story, fetch_images, the page shows
our copy, gunicorn serves it."""

from __future__ import annotations

import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from articles.images.renditions import make_renditions
from articles.images.storage import store
from tests.helpers import images
from tests.helpers.databases import MANAGE, ROOT, project_env, subprocess_database
from tests.helpers.factories import seed_text
from tests.helpers.servers import collect_static, gunicorn, run_manage

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return store(make_renditions(images.photo((900, 500))))


def test_a_stored_file_is_served_with_its_type_and_a_years_caching(client, stored):
    name = stored["webp"][0][2]
    response = client.get(f"/media/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)
    assert body[:4] == b"RIFF" and int(response["Content-Length"]) == len(body)
    jpeg = client.get(f"/media/{stored['card'][2]}")
    assert jpeg["Content-Type"] == "image/jpeg"


def test_a_client_holding_it_gets_304(client, stored):
    name = stored["webp"][0][2]
    etag = client.get(f"/media/{name}")["ETag"]
    again = client.get(f"/media/{name}", headers={"If-None-Match": etag})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/media/",
        "/media/images/",
        "/media/images/ab/",
        "/media/images/00/00000000000000000000-400.webp",  # not stored
        "/media/images/ab/00000000000000000000-400.webp",  # folder is not the hash's
        "/media/../db.sqlite3",
        "/media/images/../../newsroom/settings.py",
        "/media/images%2F..%2F..%2Fsettings.py",
        "/media/images/ab/abcdef0123456789abcd-400.html",
    ],
)
def test_nothing_else_is_served(client, stored, path):
    assert client.get(path).status_code == 404


def test_posting_is_refused(client, stored):
    assert client.post(f"/media/{stored['webp'][0][2]}").status_code == 405


def get(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, method=method), timeout=15
        ) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.slow
def test_import_then_fetch_images_then_gunicorn_serves_our_copy(tmp_path):
    static_root, media_root = tmp_path / "static", tmp_path / "media"
    collect_static(static_root)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    with images.ImageServer() as publisher, subprocess_database(tmp_path, "media") as database:
        url = publisher.add("/lead.jpg", images.photo((1600, 900)))
        broken = publisher.url("/gone.jpg")
        for n, image in enumerate([url, broken]):
            doc = seed_text(title=f"Story {n}", published=True, images=[{"url": image}])
            (seeds / f"{n}.txt").write_text(doc)
        env = {"DJANGO_MEDIA_ROOT": str(media_root), "IMAGE_FETCH_ALLOW_LOOPBACK": "1"}
        run_manage(database, "import_seeds", str(seeds))
        done = run_manage(database, "fetch_images", **env)
        assert done.stdout.strip() == "Images: 1 fetched, 0 unchanged, 1 failed"
        [line] = done.stderr.strip().splitlines()
        assert line.endswith(f"(Story 1): {broken}: HTTP 404 Not Found")
        server_env = {**env, "DJANGO_STATIC_ROOT": str(static_root)}
        with gunicorn(project_env(database, **server_env), tmp_path / "server.log", 1) as server:
            status, _, page = get(server + "/")
            assert status == 200 and url.encode() not in page
            names = re.findall(rb'src="(/media/[^"]+\.jpg)"', page)
            assert len(names) == 1 and b'class="placeholder story__image"' in page
            status, headers, body = get(server + names[0].decode())
            assert (status, headers["Content-Type"]) == (200, "image/jpeg")
            assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert body[:2] == b"\xff\xd8"
            assert get(server + "/media/")[0] == 404
            # HEAD: a GET's headers, no body, and nothing in gunicorn's log for it
            for path in ("/", "/healthz", names[0].decode()):
                length = len(get(server + path)[2])
                status, headers, body = get(server + path, "HEAD")
                assert (status, body, headers["Content-Length"]) == (200, b"", str(length))
            # a search typed into the address, long past the form's 200 characters: the site's
            # friendly page, not gunicorn's bare 414 (gunicorn.conf.py: limit_request_line)
            status, _, page = get(server + "/search/?q=" + quote("ж" * 1200))  # 7,200 bytes
            assert status == 200 and b"shorten it to 200 or fewer" in page
            # a forged Host header: refused, and one line in the log, not a traceback
            request = urllib.request.Request(server + "/", headers={"Host": "evil.example"})
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=15)
            assert refused.value.code == 400
        log = (tmp_path / "server.log").read_text()
        assert "no-body response" not in log
        assert "Invalid HTTP_HOST header: 'evil.example'" in log and "Traceback" not in log
        again = run_manage(database, "fetch_images", "--recheck-after", "0", **env)
        assert (
            again.stdout.strip()
            == "Images: 0 fetched, 1 unchanged, 0 failed (1 waiting to be tried again)"
        )


@pytest.mark.slow
def test_fetch_images_exits_2_on_bad_usage(tmp_path):
    with subprocess_database(tmp_path, "media_usage") as database:
        with pytest.raises(subprocess.CalledProcessError) as failed:
            run_manage(database, "fetch_images", "--downloads", "0")
        assert failed.value.returncode == 2
        assert "must be positive" in failed.value.stderr


def descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
def test_killing_fetch_images_leaves_no_rendition_process_behind(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    with images.ImageServer() as publisher, subprocess_database(tmp_path, "kill") as database:
        for n in range(6):  # slow: the command is still at work when it is killed
            url = publisher.add(f"/{n}.jpg", images.photo((800, 450), seed=n), delay=1.0)
            (seeds / f"{n}.txt").write_text(seed_text(images=[{"url": url}]))
        run_manage(database, "import_seeds", str(seeds))
        env = project_env(
            database, DJANGO_MEDIA_ROOT=str(tmp_path / "media"), IMAGE_FETCH_ALLOW_LOOPBACK="1"
        )
        command = subprocess.Popen(
            [*MANAGE, "fetch_images", "--workers", "2"], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while len(descendants(command.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)  # the forkserver and two rendition processes
        started = descendants(command.pid)
        assert len(started) >= 3
        command.send_signal(signal.SIGKILL)
        command.wait()
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in started) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [pid for pid in started if alive(pid)]
