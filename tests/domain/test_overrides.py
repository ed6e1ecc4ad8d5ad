"""Our own headline and summary: where set, readers see them everywhere; blank is the source's;
an import never touches them once a story exists, and gives them to a new story from its
file's ``newsroom:`` mapping."""

from __future__ import annotations

import datetime as dt
import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.models import HEADLINE, SUMMARY, Article, clean_override
from tests.helpers.factories import make_article, seed_text

pytestmark = pytest.mark.django_db


def edited(**fields) -> Article:
    fields.setdefault("published", True)
    return make_article(
        title="Source title from the wire",
        excerpt="Source excerpt from the wire.",
        title_override="Our sharper headline",
        excerpt_override="Our own summary, written at the desk.",
        published_at=timezone.now() - dt.timedelta(minutes=5),
        topics=["Harbour"],
        **fields,
    )


def import_seeds(folder) -> str:
    out, err = StringIO(), StringIO()
    call_command("import_seeds", str(folder), stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


@pytest.mark.parametrize(
    "url",
    [
        "/", "/top/", "/topics/harbour/", "/providers/example.com/", "/feeds/rss/",
        "/feeds/atom/", "/feeds/json/", "/topics/harbour/rss/", "/news-sitemap.xml",
    ],
)  # fmt: skip
def test_readers_see_our_headline_everywhere(client, url):
    edited()
    body = client.get(url).content.decode()
    assert "Our sharper headline" in body
    assert "Source title from the wire" not in body


def test_the_story_page_shows_ours_in_title_meta_and_json_ld(client):
    article = edited()
    body = client.get(article.get_absolute_url()).content.decode()
    assert "<title>Our sharper headline – Newsroom</title>" in body
    assert '<meta property="og:title" content="Our sharper headline">' in body
    assert '<meta name="twitter:title" content="Our sharper headline">' in body
    assert 'content="Our own summary, written at the desk."' in body
    ld = json.loads(re.search(r'application/ld\+json">(.*?)</script>', body, re.S)[1])
    assert ld["headline"] == "Our sharper headline"
    assert ld["description"] == "Our own summary, written at the desk."
    assert "Source title from the wire" not in body and "Source excerpt" not in body


def test_a_blank_override_is_the_sources(client):
    make_article(title="Only the wire's", excerpt="Wire summary.", published=True)
    body = client.get("/").content.decode()
    assert "Only the wire&#39;s" in body or "Only the wire's" in body
    assert "Wire summary." in body


def test_the_one_expression_and_the_properties_agree():
    ours, theirs = edited(), make_article(title="Plain", excerpt="Plain summary.")
    rows = dict(
        Article.objects.annotate(h=HEADLINE, s=SUMMARY).values_list("pk", "h").order_by("pk")
    )
    assert rows == {ours.pk: ours.headline, theirs.pk: theirs.headline}
    assert (ours.headline, ours.summary) == (
        "Our sharper headline",
        "Our own summary, written at the desk.",
    )
    assert (theirs.headline, theirs.summary) == ("Plain", "Plain summary.")


@pytest.mark.parametrize("text", ["   ", "\t \n", "", None])
def test_an_override_of_only_spaces_is_stored_blank(text):
    article = make_article(title="Wire")
    article.title_override = text
    article.excerpt_override = text
    article.full_clean()
    article.save()
    article.refresh_from_db()
    assert (article.title_override, article.excerpt_override) == ("", "")
    assert article.headline == "Wire"
    assert clean_override("  Ours  ") == "Ours"


def test_a_reimport_updates_the_source_and_never_the_override(write_seed, tmp_path):
    path = write_seed("a.txt", seed_text(title="First wire title", originalUrl="https://e.com/1"))
    import_seeds(tmp_path / "seeds")
    Article.objects.update(title_override="Ours", excerpt_override="Our summary")
    path.write_text(seed_text(title="Corrected wire title", originalUrl="https://e.com/1"))
    assert "1 updated" in import_seeds(tmp_path / "seeds")
    article = Article.objects.get()
    assert article.title == "Corrected wire title"
    assert (article.title_override, article.excerpt_override) == ("Ours", "Our summary")


def test_a_new_story_takes_the_editorial_mapping_and_an_existing_one_keeps_its_own(
    write_seed, tmp_path
):
    mapping = {
        "title": "  Desk headline ",
        "excerpt": "Desk summary",
        "publishAt": "2030-01-01T08:00:00+01:00",
        "unpublishAt": "2030-02-01T08:00:00Z",
        "featured": True,
    }
    path = write_seed("a.txt", seed_text(published=True, newsroom=mapping))
    import_seeds(tmp_path / "seeds")
    article = Article.objects.get()
    assert (article.title_override, article.excerpt_override) == ("Desk headline", "Desk summary")
    assert article.publish_at == dt.datetime(2030, 1, 1, 7, tzinfo=dt.UTC)
    assert article.unpublish_at == dt.datetime(2030, 2, 1, 8, tzinfo=dt.UTC)
    assert article.featured and article.featured_at is not None
    assert "newsroom" not in article.extra
    # The file changes its mapping: the story exists, its editors' fields stay.
    path.write_text(seed_text(published=True, newsroom={"title": "Another"}, **{
        "originalUrl": article.original_url, "webUrl": article.web_url}))  # fmt: skip
    import_seeds(tmp_path / "seeds")
    assert Article.objects.get().title_override == "Desk headline"


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"headline": "x"}, "newsroom: unknown field 'headline'"),
        ("yes", "newsroom: expected a mapping, got a string"),
        (
            {"publishAt": "2030-01-02T00:00:00Z", "unpublishAt": "2030-01-01T00:00:00Z"},
            "newsroom.unpublishAt: not after publishAt",
        ),
        ({"publishAt": "soon"}, "newsroom.publishAt: not an ISO 8601 date: 'soon'"),
    ],
)
def test_a_bad_editorial_mapping_is_one_line_naming_the_field(
    write_seed, tmp_path, mapping, message
):
    path = write_seed("bad.txt", seed_text(newsroom=mapping))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_seeds", str(tmp_path / "seeds"), stdout=StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [f"{path}: {message}"]
    assert not Article.objects.exists()


def test_a_row_the_previous_release_writes_gets_the_new_columns_defaults():
    """During a rolling deploy the previous release inserts stories without the new columns."""
    from django.db import connection

    columns = {
        "url": "https://example.com/old-release", "slug": "old", "title": "Old release",
        "excerpt": "", "body": "", "original_url": "", "web_url": "", "amp_url": "",
        "cdn_amp_url": "", "published_at": timezone.now(), "type": "article", "locale": "",
        "secured": "", "extra": "{}", "published": True, "source_path": "",
        "content_hash": "", "created_at": timezone.now(), "updated_at": timezone.now(),
    }  # fmt: skip
    names = ", ".join(connection.ops.quote_name(name) for name in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO articles_article ({names}) VALUES ({marks})", [
            connection.ops.adapt_datetimefield_value(v) if isinstance(v, dt.datetime) else v
            for v in columns.values()
        ])  # fmt: skip
    article = Article.objects.get(url="https://example.com/old-release")
    assert (article.title_override, article.excerpt_override, article.featured) == ("", "", False)
    assert (article.front_matter, article.front_matter_state) == ("", "")
    assert article.headline == "Old release"
