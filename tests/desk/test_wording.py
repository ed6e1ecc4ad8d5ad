"""Small things an editor meets (issue #11): the lockout page, the login records on the
admin's index, a bulk action that would change nothing, an empty field, a filter's entry."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client

from articles.desk.templatetags.desk_text import duration_in_words
from articles.models import Article, Category
from tests.helpers.admin_users import CHANGELIST, desk_user, logged_in
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
AXES_PAGES = (
    "/admin/axes/accessattempt/",
    "/admin/axes/accesslog/",
    "/admin/axes/accessfailurelog/",
)
AXES_NAMES = ("Access attempts", "Access logs", "Access failures")


@pytest.fixture
def editor():
    return logged_in(desk_user("editor", "Editors"))


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- The lockout page ------------------------------------------------------------------------


@pytest.mark.slow
def test_the_lockout_page_says_how_long_in_words_and_links_back_to_the_login(settings):
    desk_user("editor", "Editors")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            "/admin/login/?next=/admin/articles/article/",
            {"username": "editor", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
        )

    assert response.status_code == 429
    html = response.content.decode()
    assert "Wait 15 minutes, then try again." in html
    assert "hours:minutes:seconds" not in html and "0:15:00" not in html
    assert (
        '<a href="/admin/login/?next=/admin/articles/article/">Back to the login page</a>' in html
    )


@pytest.mark.parametrize(
    "delta, words",
    [
        (timedelta(minutes=15), "15 minutes"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(hours=1, minutes=30), "1 hour and 30 minutes"),
        (timedelta(hours=2, minutes=1, seconds=5), "2 hours, 1 minute and 5 seconds"),
        (timedelta(seconds=45), "45 seconds"),
        (timedelta(0), "a moment"),
    ],
)
def test_durations_in_words(delta, words):
    assert duration_in_words(delta) == words


# --- Login records: superusers only ----------------------------------------------------------


def test_staff_never_see_the_login_records_even_with_their_permissions():
    user = desk_user("editor", "Editors")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="axes"))
    client = logged_in(user)

    index = client.get("/admin/").content.decode()

    assert "Articles" in index
    for name in AXES_NAMES:
        assert name not in index
    for page in AXES_PAGES:
        assert client.get(page).status_code == 403, page
    assert client.get("/admin/axes/").status_code == 404  # an app with nothing to show


def test_superusers_see_the_login_records(django_user_model):
    admin = django_user_model.objects.create_superuser("root", password=PASSWORD)
    AccessAttempt.objects.create(username="x", ip_address="10.0.0.1", failures_since_start=1)
    AccessLog.objects.create(username="x", ip_address="10.0.0.1")
    AccessFailureLog.objects.create(username="x", ip_address="10.0.0.1")
    client = logged_in(admin)

    index = client.get("/admin/").content.decode()

    for name in AXES_NAMES:
        assert name in index
    for page in AXES_PAGES:
        assert client.get(page).status_code == 200, page


# --- A bulk action that would change nothing -------------------------------------------------


@pytest.mark.parametrize(
    "action, published, message",
    [
        (
            "publish_selected",
            True,
            "All 2 selected stories are already published: nothing changed.",
        ),
        (
            "unpublish_selected",
            False,
            "All 2 selected stories are already unpublished: nothing changed.",
        ),
    ],
)
def test_a_bulk_action_that_would_change_nothing_says_so_instead_of_asking(
    editor, action, published, message
):
    ids = [make_article(published=published).pk for _ in range(2)]

    response = editor.post(CHANGELIST, {"action": action, "_selected_action": ids, "index": "0"})

    assert response.status_code == 302  # back to the list, not "Publish 0 stories?"
    assert messages_of(response) == [message]
    assert Article.objects.filter(published=published).count() == 2


def test_one_story_already_published_is_named_in_the_singular(editor):
    story = make_article(published=True)

    response = editor.post(
        CHANGELIST, {"action": "publish_selected", "_selected_action": [story.pk], "index": "0"}
    )

    assert messages_of(response) == ["The selected story is already published: nothing changed."]


def test_a_confirmed_action_that_changed_nothing_says_so_too(editor):
    ids = [make_article(published=True).pk for _ in range(2)]

    response = editor.post(
        CHANGELIST, {"action": "publish_selected", "_selected_action": ids, "post": "yes"}
    )

    assert messages_of(response) == [
        "All 2 selected stories are already published: nothing changed."
    ]


# --- The form and the filters ----------------------------------------------------------------


def other_fields_of(html: str) -> str:
    field = re.search(r'field-other_fields.*?<div class="readonly">(.*?)</div>', html, re.S)
    assert field, "no other source fields row"
    return field.group(1).strip()


def test_a_story_without_other_source_fields_says_so_in_words(editor):
    article = make_article(extra={})

    html = editor.get(f"{CHANGELIST}{article.pk}/change/").content.decode()

    assert other_fields_of(html) == "None: the imported file has no fields beyond those above."


def test_a_story_with_other_source_fields_shows_them(editor):
    article = make_article(extra={"tags": ["x"]})

    html = editor.get(f"{CHANGELIST}{article.pk}/change/").content.decode()

    assert "&quot;tags&quot;" in other_fields_of(html)


def test_the_category_filter_names_stories_without_a_category(editor):
    local = Category.objects.create(name="Local", slug="local")
    make_article(title="Placed", category=local)
    make_article(title="Unplaced", category=None)

    html = editor.get(CHANGELIST).content.decode()
    filter_html = re.search(r"data-filter-title=\"category\".*?</details>", html, re.S).group(0)
    entries = re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', filter_html)

    assert [label for _, label in entries] == ["All", "Local", "No category"]
    empty = entries[-1][0].replace("&amp;", "&")
    listed = editor.get(CHANGELIST + empty).context["cl"].result_list
    assert [a.title for a in listed] == ["Unplaced"]
