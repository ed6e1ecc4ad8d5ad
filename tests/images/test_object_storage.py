"""Stored images in S3-compatible object storage (django-storages), against moto's S3 server
started by the test on 127.0.0.1: fetch_images writes there, nothing of a refused image is
written, and readers get the files from this site, never from the storage."""

from __future__ import annotations

import io
import urllib.request

import boto3
import pytest
from django.core.management import call_command
from moto.server import ThreadedMotoServer

from articles.images.models import StoredImage
from articles.models import ArticleImage
from tests.helpers import images
from tests.helpers.factories import make_article
from tests.helpers.servers import free_port

pytestmark = pytest.mark.django_db
BUCKET = "newsroom-images"


@pytest.fixture
def s3(settings, monkeypatch):
    """moto's S3 server on a free local port, a private bucket, and the site's storage on it
    as newsroom/settings.py sets it from IMAGE_S3_* (the same options)."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "location": "media",
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": True,
                "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            },
        },
    }
    settings.IMAGE_FETCH_ALLOW_LOOPBACK = True
    settings.IMAGE_FETCH_TIMEOUT = 5.0
    yield client
    # moto keeps its buckets in this process: start the next test from none.
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
    server.stop()


def keys(client) -> set[str]:
    listed = client.list_objects_v2(Bucket=BUCKET)
    return {item["Key"] for item in listed.get("Contents", [])}


@pytest.mark.slow
def test_fetched_images_go_to_object_storage_and_readers_get_them_from_us(s3, client):
    with images.ImageServer() as publisher:
        good = make_article(title="Good", published=True)
        ArticleImage.objects.create(article=good, url=publisher.add("/a.jpg", images.photo()))
        bad = make_article(title="Bad")
        ArticleImage.objects.create(article=bad, url=publisher.add("/b.jpg", b"<html>"))
        out = io.StringIO()
        call_command("fetch_images", "--workers", "1", stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip() == "Images: 1 fetched, 0 unchanged, 1 failed"
    made = StoredImage.objects.get(article=good).renditions
    names = {entry[2] for entry in made["webp"]} | {made[k][2] for k in ("jpeg", "card", "thumb")}
    assert keys(s3) == {f"media/{name}" for name in names}  # nothing of the refused one
    head = s3.head_object(Bucket=BUCKET, Key=f"media/{made['webp'][0][2]}")
    assert head["CacheControl"] == "public, max-age=31536000, immutable"

    response = client.get(f"/media/{made['webp'][0][2]}")
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    body = b"".join(response.streaming_content)
    stored = s3.get_object(Bucket=BUCKET, Key=f"media/{made['webp'][0][2]}")["Body"].read()
    assert body == stored
    page = client.get(good.get_absolute_url()).content.decode()
    assert "127.0.0.1" not in page  # no address of the storage reaches a reader
    assert client.get("/media/images/00/00000000000000000000-400.webp").status_code == 404


@pytest.mark.slow
def test_a_file_left_half_written_is_written_again(s3):
    with images.ImageServer() as publisher:
        article = make_article()
        ArticleImage.objects.create(article=article, url=publisher.add("/a.jpg", images.photo()))
        call_command("fetch_images", "--workers", "1", stdout=io.StringIO())
        key = "media/" + StoredImage.objects.get().renditions["webp"][-1][2]
        whole = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        s3.put_object(Bucket=BUCKET, Key=key, Body=whole[:100])  # as a crash might leave it
        StoredImage.objects.update(source_hash="", etag="")  # the source's file changed
        out = io.StringIO()
        call_command("fetch_images", "--workers", "1", "--recheck-after", "0", stdout=out)
    assert out.getvalue().strip() == "Images: 1 fetched, 0 unchanged, 0 failed"
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == whole


def test_the_environment_chooses_object_storage():
    """newsroom/settings.py: IMAGE_S3_* select the S3 storage with the options above."""
    import json
    import subprocess
    import sys

    from tests.helpers.databases import ROOT

    code = (
        "import json, newsroom.settings as s;print(json.dumps(s.STORAGES['default'], default=str))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "IMAGE_S3_BUCKET": "pictures",
        "IMAGE_S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "IMAGE_S3_PREFIX": "media",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    chosen = json.loads(done.stdout)
    assert chosen["BACKEND"] == "storages.backends.s3.S3Storage"
    options = chosen["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"], options["location"]) == (
        "pictures",
        "http://127.0.0.1:9",
        "media",
    )
    assert options["default_acl"] is None


@pytest.mark.slow
def test_pruning_works_on_object_storage(s3):
    from articles.images.renditions import make_renditions
    from articles.images.storage import store

    kept = store(make_renditions(images.photo((600, 300), seed=1)))
    StoredImage.objects.create(article=make_article(), renditions=kept)
    store(make_renditions(images.photo((600, 300), seed=2)))  # named by no story
    out = io.StringIO()
    call_command("prune_images", "--grace-hours", "0", stdout=out)
    assert out.getvalue().strip() == "Stored files: 5 deleted, 5 kept, 0 too recent to judge"
    names = {e[2] for e in kept["webp"]} | {kept[k][2] for k in ("jpeg", "card", "thumb")}
    assert keys(s3) == {f"media/{name}" for name in names}
