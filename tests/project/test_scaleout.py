"""Scale-out for real: gunicorn servers in subprocesses, sharing a database (and Redis).

- Two servers on different ports share one PostgreSQL and one Redis, as behind a load
  balancer: a publish through one is visible through the other on the next request. This
  runs on PostgreSQL whatever database the rest of the suite uses.
- One server with several workers and the default local-memory cache (one per worker): an
  import in another process is visible on the next request, whichever worker answers.
- Static files as gunicorn serves them (whitenoise): hashed names, cached for ever, gzipped.
"""

from __future__ import annotations

import gzip
import re
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis

from tests.helpers.databases import (
    TEST_REDIS,
    migrate,
    postgres_database,
    project_env,
    require_redis,
    subprocess_database,
)
from tests.helpers.factories import seed_text
from tests.helpers.servers import collect_static, fetch, gunicorn, run_manage

REDIS_URL = TEST_REDIS
PASSWORD = "scale-out password 7"
SETUP = f"""
from django.contrib.auth import get_user_model
from articles.models import Article, Provider
from django.utils import timezone
get_user_model().objects.create_superuser("chief", password="{PASSWORD}")
provider = Provider.objects.create(name="Example News", domain="example.com")
for n, (title, published) in enumerate([("Harbour reopens", True), ("Ferry strike ends", False)]):
    article = Article(url=f"https://example.com/{{n}}", slug=f"story-{{n}}", title=title,
                      published_at=timezone.now(), provider=provider)
    article.set_published(published)
    article.save()
print(Article.objects.get(title="Ferry strike ends").pk)
"""


# The scale-out set-up: PostgreSQL and Redis, whatever the suite's own database.
pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def static_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("static")
    collect_static(root)
    return root


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix of this test's own in Redis db 3, deleted afterwards."""
    require_redis()
    prefix = f"ops-scaleout-{uuid.uuid4().hex[:8]}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"*{prefix}*"))
    if keys:
        client.delete(*keys)


def get(server: str, path: str):
    """A reader's request as the load balancer passes it on: the site's one host name."""
    return fetch(server + path, headers={"Host": "localhost"})


def publish_in_admin(page, base: str, article_id: str, published: bool) -> None:
    """An editor's publish: log in through the admin form, tick Published, save."""
    if "/admin/login/" in page.goto(f"{base}/admin/articles/article/{article_id}/change/").url:
        page.fill("#id_username", "chief")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"**/admin/articles/article/{article_id}/change/")
    page.set_checked("#id_published", published)
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/articles/article/")
    assert page.locator(".messagelist .success").count() >= 1


@pytest.mark.slow
def test_a_publish_through_one_server_is_visible_through_the_other(
    tmp_path, page, static_root, redis_prefix
):
    with postgres_database("ops_scaleout") as database:
        migrate(database)
        article_id = run_manage(database, "shell", "-c", SETUP).stdout.strip().splitlines()[-1]
        env = project_env(
            database,
            REDIS_URL=REDIS_URL,
            DJANGO_CACHE_PREFIX=redis_prefix,
            DJANGO_STATIC_ROOT=str(static_root),
        )
        with (
            gunicorn(env, tmp_path / "a.log") as server_a,
            gunicorn(env, tmp_path / "b.log") as server_b,
        ):
            story = f"/articles/{article_id}/story-1/"
            assert get(server_b, "/").headers["X-Cache"] == "MISS"
            home = get(server_a, "/")  # the page server B stored, from the shared Redis
            assert home.headers["X-Cache"] == "HIT"
            assert "Harbour reopens" in home.body
            assert "Ferry strike ends" not in home.body
            assert get(server_b, story).status == 404

            publish_in_admin(page, server_a, article_id, True)
            home = get(server_b, "/")
            assert "Ferry strike ends" in home.body
            assert home.headers["X-Cache"] == "MISS"
            assert get(server_b, story).status == 200

            publish_in_admin(page, server_b, article_id, False)
            assert "Ferry strike ends" not in get(server_a, "/").body
            assert get(server_a, story).status == 404
        assert "database is locked" not in (tmp_path / "a.log").read_text()


@pytest.mark.slow
def test_every_worker_of_a_server_sees_an_import_at_once(tmp_path, static_root):
    """No Redis: each worker has its own local-memory cache, and all follow the version."""
    with subprocess_database(tmp_path, "ops_workers") as database:
        run_manage(database, "shell", "-c", SETUP)
        env = project_env(database, DJANGO_STATIC_ROOT=str(static_root))
        env.pop("REDIS_URL", None)
        with gunicorn(env, tmp_path / "server.log", workers=3) as server:
            answers = [fetch(server + "/") for _ in range(30)]  # new connections, all workers
            assert sum(a.headers["X-Cache"] == "HIT" for a in answers) >= 20
            assert all("Tugboat race won" not in a.body for a in answers)

            (tmp_path / "seeds").mkdir()
            (tmp_path / "seeds" / "new.txt").write_text(
                seed_text(title="Tugboat race won", published=True)
            )
            run_manage(database, "import_seeds", str(tmp_path / "seeds"))
            answers = [fetch(server + "/") for _ in range(30)]
            assert all("Tugboat race won" in a.body for a in answers)


@pytest.mark.slow
def test_static_files_have_hashed_names_far_future_caching_and_compression(tmp_path, static_root):
    with subprocess_database(tmp_path, "ops_static") as database:
        env = project_env(database, DJANGO_STATIC_ROOT=str(static_root))
        with gunicorn(env, tmp_path / "server.log", workers=1) as server:
            login = fetch(server + "/admin/login/").body
            stylesheet = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', login)
            assert stylesheet, "the admin's stylesheet is not under a hashed name"
            request = urllib.request.Request(
                server + stylesheet.group(1), headers={"Accept-Encoding": "gzip"}
            )
            with urllib.request.urlopen(request, timeout=15) as response:
                assert response.headers["Cache-Control"] == "max-age=315360000, public, immutable"
                assert response.headers["Content-Encoding"] == "gzip"
                assert b"body" in gzip.decompress(response.read())


@pytest.mark.slow
def test_two_servers_of_one_user_leave_each_other_alone(tmp_path):
    """gunicorn's control socket would be one per user (~/.gunicorn/gunicorn.ctl): the second
    server would take the first one's over and delete it when it stops. The project's servers
    make none unless given a path of their own (GUNICORN_CONTROL_SOCKET)."""
    home = tmp_path / "home"
    home.mkdir()
    own = tmp_path / "site-b.ctl"
    with subprocess_database(tmp_path, "ctl") as url:
        env = project_env(url, HOME=str(home), DJANGO_DEBUG="true")
        env.pop("XDG_RUNTIME_DIR", None)
        with (
            gunicorn(env, tmp_path / "a.log", workers=1) as first,
            gunicorn({**env, "GUNICORN_CONTROL_SOCKET": str(own)}, tmp_path / "b.log", workers=1),
        ):
            assert fetch(first + "/healthz").status == 200
            assert own.is_socket()  # asked for: its own path
        assert not (home / ".gunicorn").exists()  # not asked for: none at all
