"""Reader pages show our own copies of the images (articles.reader with articles.images): a
<picture> with WebP widths and a JPEG, sizes without layout shift, lazy below the fold, a
placeholder where nothing is stored, our card for OpenGraph, Twitter and JSON-LD (else the
site's), and a policy that lets no other site's image in."""

from __future__ import annotations

import json
import re

import pytest
from django.utils import timezone

from articles.images.models import StoredImage
from articles.models import ArticleImage
from tests.helpers import images
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db


def story(title: str, minutes_ago: int = 0, **fields):
    when = timezone.now() - timezone.timedelta(minutes=minutes_ago)
    return make_article(title=title, published=True, published_at=when, **fields)


def source_image(article, url: str | None = None):
    url = url or f"https://img.example.com/{article.pk}.jpg"
    return ArticleImage.objects.create(article=article, position=0, url=url)


def stored(article):
    source = source_image(article)
    return StoredImage.objects.create(
        article=article, source_url=source.url, renditions=images.manifest(article.pk)
    )


def test_only_the_first_list_images_load_eagerly(client):
    for n in range(4):
        stored(story(f"Story {n}", minutes_ago=n))
    html = client.get("/").content.decode()
    tags = re.findall(r'<img src="/media/[^>]*>', html)
    assert len(tags) == 4
    assert ["fetchpriority" in tag for tag in tags] == [True, True, False, False]
    assert ['loading="lazy"' in tag for tag in tags] == [False, False, True, True]
    assert html.count('<source type="image/webp"') == 4
    assert 'sizes="(min-width: 40rem) 14rem, calc(100vw - 2rem)"' in html


def test_a_story_whose_image_is_not_stored_shows_a_placeholder_not_the_publishers(client):
    article = story("Waiting for its picture")
    source_image(article)
    html = client.get("/").content.decode()
    assert 'class="placeholder story__image"' in html
    assert "img.example.com" not in html and "<picture" not in html
    page = client.get(article.get_absolute_url()).content.decode()
    assert '<div class="placeholder"' in page and "<picture" not in page


def test_a_list_shows_no_box_for_a_story_without_any_image_or_one_an_editor_removed(client):
    story("No picture at all")
    removed = story("Picture removed", minutes_ago=1)
    source_image(removed)
    StoredImage.objects.create(article=removed, origin=StoredImage.Origin.REMOVED)
    html = client.get("/").content.decode()
    assert 'class="placeholder' not in html and "story--image" not in html


def test_a_story_without_an_image_shares_the_site_card(client):
    article = story("No picture")
    html = client.get(article.get_absolute_url()).content.decode()
    card = "http://testserver/static/articles/card.jpg"
    assert f'<meta property="og:image" content="{card}">' in html
    assert f'<meta name="twitter:image" content="{card}">' in html
    data = json.loads(re.search(r'ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["image"] == [card]


def test_the_content_policy_allows_images_from_this_site_only(client):
    article = story("Any")
    policy = client.get(article.get_absolute_url())["Content-Security-Policy"]
    directive = next(p.strip() for p in policy.split(";") if p.strip().startswith("img-src"))
    assert directive == "img-src 'self'"


@pytest.mark.parametrize("count", [2, 20])
def test_stored_images_cost_lists_no_query(client, django_assert_num_queries, count):
    for n in range(count):
        stored(story(f"Story {n}", minutes_ago=n))
    # content version + stories (provider, category, lead image, stored copy joined) + topics
    with django_assert_num_queries(3):
        html = client.get("/").content.decode()
    assert html.count("<picture") == count


def test_an_editors_upload_does_not_carry_the_sources_title_and_credit(client):
    fetched, uploaded = story("Fetched"), story("Uploaded", minutes_ago=1)
    for article in (fetched, uploaded):
        ArticleImage.objects.create(
            article=article,
            position=0,
            url=f"https://img.example.com/{article.pk}.jpg",
            title="Source caption",
            attribution="Photo: Reuters",
        )
    StoredImage.objects.create(article=fetched, renditions=images.manifest(1))
    StoredImage.objects.create(
        article=uploaded, origin=StoredImage.Origin.UPLOAD, renditions=images.manifest(2)
    )
    page = client.get(fetched.get_absolute_url()).content.decode()
    assert "<figcaption>Photo: Reuters</figcaption>" in page and 'alt="Source caption"' in page
    page = client.get(uploaded.get_absolute_url()).content.decode()
    assert "Reuters" not in page and "Source caption" not in page
    assert 'alt="Uploaded"' in page
