"""Publishing from the admin: the one-click toggle, the form, bulk actions, permissions."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.test import Client

from articles.models import Article
from tests.helpers.admin_users import CHANGELIST, desk_user, logged_in, toggle_url
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return logged_in(desk_user("editor", "Editors"))


@pytest.fixture
def reviewer():
    return logged_in(desk_user("reviewer", "Reviewers"))


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_data(**fields: str) -> dict[str, str]:
    """The article form's POST: its fields plus the (empty) inline formsets' counters."""
    inlines = {
        f"{prefix}-{counter}": "0"
        for prefix in ("images", "related_links")
        for counter in ("TOTAL_FORMS", "INITIAL_FORMS")
    }
    return {**inlines, **fields}


def change_messages(article: Article) -> list[str]:
    entries = LogEntry.objects.filter(object_id=str(article.pk)).order_by("pk")
    return [e.get_change_message() for e in entries]


# --- One click in the list -------------------------------------------------------------------


def test_one_click_publishes_and_confirms(editor):
    article = make_article(title="Harbour reopens", published=False)

    response = editor.post(toggle_url(article), {"published": "1"}, follow=True)

    article.refresh_from_db()
    assert article.published and article.first_published_at
    assert response.redirect_chain[-1][0] == CHANGELIST
    assert messages_of(response) == ["“Harbour reopens” is published: readers can see it now."]
    assert change_messages(article) == ["Published"]


def test_one_click_unpublishes_and_returns_to_the_same_filtered_page(editor):
    article = make_article(title="Storm warning", published=True)
    back = f"{CHANGELIST}?published__exact=1&q=storm"

    response = editor.post(toggle_url(article), {"published": "0", "next": back})

    article.refresh_from_db()
    assert not article.published
    assert response.status_code == 302 and response["Location"] == back
    assert change_messages(article) == ["Unpublished"]


def test_the_toggle_never_redirects_off_the_article_list(editor):
    article = make_article(published=False)

    response = editor.post(toggle_url(article), {"published": "1", "next": "https://evil.test/"})

    assert response["Location"] == CHANGELIST


def test_a_second_click_on_a_stale_page_changes_and_records_nothing(editor):
    article = make_article(title="Old news", published=True)

    response = editor.post(toggle_url(article), {"published": "1"}, follow=True)

    assert messages_of(response) == ["“Old news” was already published."]
    assert change_messages(article) == []


def test_the_toggle_refuses_get_and_bad_values(editor):
    article = make_article(published=False)

    assert editor.get(toggle_url(article)).status_code == 405
    assert editor.post(toggle_url(article), {"published": "yes"}).status_code == 400
    article.refresh_from_db()
    assert not article.published


def test_the_toggle_needs_a_csrf_token():
    article = make_article(published=False)
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk_user("editor", "Editors"))

    response = client.post(toggle_url(article), {"published": "1"})

    assert response.status_code == 403
    article.refresh_from_db()
    assert not article.published


def test_the_list_shows_the_toggle_buttons_inside_its_csrf_protected_form(editor):
    draft = make_article(title="Draft", published=False)
    live = make_article(title="Live", published=True)

    html = editor.get(CHANGELIST).content.decode()

    assert f'formaction="{toggle_url(draft)}" name="published" value="1"' in html
    assert f'formaction="{toggle_url(live)}" name="published" value="0"' in html
    form = html[
        html.index('<form id="changelist-form"') : html.index(
            "</form>", html.index('<form id="changelist-form"')
        )
    ]
    assert "csrfmiddlewaretoken" in form and toggle_url(draft) in form


# --- Permissions -----------------------------------------------------------------------------


def test_a_reviewer_sees_no_toggle_and_no_publish_actions(reviewer):
    make_article(published=False)

    response = reviewer.get(CHANGELIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert "publication-toggle" not in html
    assert "publish_selected" not in html
    assert 'alt="Not published"' in html


def test_a_reviewer_is_refused_by_a_crafted_toggle_post(reviewer):
    article = make_article(published=False)

    response = reviewer.post(toggle_url(article), {"published": "1"})

    assert response.status_code == 403
    article.refresh_from_db()
    assert not article.published
    assert LogEntry.objects.count() == 0


def test_a_reviewer_is_refused_by_a_crafted_bulk_action_post(reviewer):
    article = make_article(published=False)

    response = reviewer.post(
        CHANGELIST,
        {"action": "publish_selected", "_selected_action": [article.pk], "post": "yes"},
    )

    article.refresh_from_db()
    assert not article.published
    # A reviewer has no actions: Django ignores the post and shows the list, without them.
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert "publish_selected" not in response.content.decode()
    assert LogEntry.objects.count() == 0


def test_a_reviewer_cannot_publish_through_the_form(reviewer):
    article = make_article(published=False)

    response = reviewer.post(f"{CHANGELIST}{article.pk}/change/", form_data(published="on"))

    assert response.status_code == 403
    article.refresh_from_db()
    assert not article.published


def test_change_permission_without_publish_permission_leaves_published_read_only():
    from django.contrib.auth.models import Permission

    user = desk_user("changer")
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_article", "change_article"])
    )
    client = logged_in(user)
    article = make_article(published=False)

    page = client.get(f"{CHANGELIST}{article.pk}/change/").content.decode()
    client.post(f"{CHANGELIST}{article.pk}/change/", form_data(published="on"))

    assert 'name="published"' not in page
    article.refresh_from_db()
    assert not article.published
    assert client.post(toggle_url(article), {"published": "1"}).status_code == 403


# --- Bulk actions ----------------------------------------------------------------------------


def test_bulk_publish_asks_first_stating_how_many_stories_change(editor):
    drafts = [make_article(title=f"Draft {i}", published=False) for i in range(3)]
    live = make_article(title="Already live", published=True)
    ids = [a.pk for a in [*drafts, live]]

    response = editor.post(
        CHANGELIST, {"action": "publish_selected", "_selected_action": ids, "index": "0"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Publish <strong>3 stories</strong>?" in html
    assert "1 of the selected stories is already published" in html
    assert 'name="post" value="yes"' in html
    assert Article.objects.published().count() == 1  # nothing changed yet


def test_bulk_publish_after_confirming_changes_counts_and_records_each(editor):
    drafts = [make_article(published=False) for _ in range(3)]
    live = make_article(published=True)
    ids = [a.pk for a in [*drafts, live]]

    response = editor.post(
        CHANGELIST,
        {"action": "publish_selected", "_selected_action": ids, "post": "yes"},
        follow=True,
    )

    assert Article.objects.published().count() == 4
    assert messages_of(response) == [
        "3 stories published. 1 story already published, left as it was."
    ]
    assert [change_messages(a) for a in drafts] == [["Published"]] * 3
    assert change_messages(live) == []


def test_the_desk_names_a_story_by_our_headline_where_set(editor):
    ours = make_article(title="Wire headline", title_override="Our headline", published=False)
    make_article(title="Plain wire", published=False)

    html = editor.get(CHANGELIST).content.decode()
    assert 'Our headline<br><span class="source-title">Source: Wire headline</span>' in html
    assert ">Plain wire</a>" in html

    response = editor.post(toggle_url(ours), {"published": "1"}, follow=True)
    assert messages_of(response) == ["“Our headline” is published: readers can see it now."]
    assert LogEntry.objects.get(object_id=str(ours.pk)).object_repr == "Our headline"


def test_bulk_unpublish_after_confirming(editor):
    stories = [make_article(published=True) for _ in range(2)]

    response = editor.post(
        CHANGELIST,
        {
            "action": "unpublish_selected",
            "_selected_action": [a.pk for a in stories],
            "post": "yes",
        },
        follow=True,
    )

    assert Article.objects.published().count() == 0
    assert messages_of(response) == ["2 stories unpublished."]
    assert all(change_messages(a) == ["Unpublished"] for a in stories)


def test_bulk_publish_across_every_page_of_a_filtered_list(editor):
    for _ in range(3):
        make_article(published=False, type="video")
    other = make_article(published=False, type="article")
    on_page = Article.objects.filter(type="video").first()

    confirm = editor.post(
        f"{CHANGELIST}?type=video",
        {
            "action": "publish_selected",
            "_selected_action": [on_page.pk],
            "select_across": "1",
            "index": "0",
        },
    )
    assert "Publish <strong>3 stories</strong>?" in confirm.content.decode()
    assert 'name="select_across" value="1"' in confirm.content.decode()

    editor.post(
        f"{CHANGELIST}?type=video",
        {
            "action": "publish_selected",
            "_selected_action": [on_page.pk],
            "select_across": "1",
            "post": "yes",
        },
    )
    assert Article.objects.published().count() == 3
    other.refresh_from_db()
    assert not other.published


# --- The form --------------------------------------------------------------------------------


def test_the_form_shows_source_fields_read_only_and_published_editable(editor):
    article = make_article(
        title="Read me", excerpt="What happened.", secured="c2VjcmV0;aXY=", extra={"tags": ["x"]}
    )

    html = editor.get(f"{CHANGELIST}{article.pk}/change/").content.decode()

    assert 'name="published"' in html
    for field in ("title", "excerpt", "url", "published_at", "quality", "provider"):
        assert f'name="{field}"' not in html
    assert "Read me" in html and "What happened." in html
    assert "Present (13 characters, never shown)" in html
    assert "c2VjcmV0" not in html
    assert "&quot;tags&quot;" in html and "collapse" in html


def test_publishing_through_the_form_goes_through_the_service(editor):
    article = make_article(title="Form story", published=False)

    response = editor.post(
        f"{CHANGELIST}{article.pk}/change/", form_data(published="on"), follow=True
    )

    article.refresh_from_db()
    assert article.published and article.first_published_at
    assert change_messages(article) == ["Published"]  # once, not also "Changed Published."
    assert "“Form story” is published: readers can see it now." in messages_of(response)


def test_saving_the_form_unchanged_records_nothing(editor):
    article = make_article(published=True)

    editor.post(f"{CHANGELIST}{article.pk}/change/", form_data(published="on"))

    assert change_messages(article) == []


def test_unpublishing_through_the_form(editor):
    article = make_article(published=True)

    response = editor.post(f"{CHANGELIST}{article.pk}/change/", form_data())

    assert response.status_code == 302
    article.refresh_from_db()
    assert not article.published
    assert change_messages(article) == ["Unpublished"]


def test_every_publication_appears_in_the_story_history_page(editor):
    article = make_article(published=False)
    editor.post(toggle_url(article), {"published": "1"})
    editor.post(toggle_url(article), {"published": "0"})

    html = editor.get(f"{CHANGELIST}{article.pk}/history/").content.decode()

    assert html.count("editor") >= 2
    assert "Published" in html and "Unpublished" in html


def test_stories_cannot_be_added_in_the_admin(editor):
    assert editor.get(f"{CHANGELIST}add/").status_code == 403
