"""The desk's schedule, lead and headline: the list's columns and filter, the lead's one-click
toggle and the home page it leads, the form, the bulk action, and the history of each."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import messages as levels
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.utils import timezone

from articles.models import Article
from articles.reader.queries import FEATURED_LIMIT
from tests.helpers.admin_users import CHANGELIST, desk_user, logged_in
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
ZONE = "Europe/Berlin"  # the site's zone in these tests: UTC+1 in winter


@pytest.fixture(autouse=True)
def _site_zone(settings):
    settings.TIME_ZONE = ZONE


@pytest.fixture
def editor():
    return logged_in(desk_user("editor", "Editors"))


@pytest.fixture
def reviewer():
    return logged_in(desk_user("reviewer", "Reviewers"))


def history(article: Article) -> list[tuple[str, str]]:
    entries = LogEntry.objects.filter(object_id=str(article.pk)).order_by("pk")
    return [(e.user.username, e.get_change_message()) for e in entries]


def form_data(**fields: str) -> dict[str, str]:
    inlines = {
        f"{prefix}-{counter}": "0"
        for prefix in ("images", "related_links")
        for counter in ("TOTAL_FORMS", "INITIAL_FORMS")
    }
    return {**inlines, **fields}


def change(client, article: Article, **fields: str):
    return client.post(f"{CHANGELIST}{article.pk}/change/", form_data(**fields))


def said(response) -> list[tuple[str, int]]:
    """The messages shown after a redirect, with their levels."""
    return [(str(m), m.level) for m in get_messages(response.wsgi_request)]


# --- The list --------------------------------------------------------------------------------


def test_the_list_shows_scheduled_and_expires_in_the_sites_zone(editor):
    make_article(
        title="Timed",
        publish_at=dt.datetime(2030, 1, 5, 8, 0, tzinfo=dt.UTC),
        unpublish_at=dt.datetime(2030, 1, 6, 8, 0, tzinfo=dt.UTC),
    )
    html = editor.get(CHANGELIST).content.decode()
    assert 'class="column-publish_at' in html and 'class="column-unpublish_at' in html
    assert ">scheduled<" in html.replace("</a>", "<") or "Scheduled" in html
    # 08:00 UTC is 09:00 in Berlin in January.
    assert "Jan. 5, 2030, 9 a.m." in html and "Jan. 6, 2030, 9 a.m." in html


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("scheduled", {"Later"}),
        ("expires", {"Expiring"}),
        ("expired", {"Expired"}),
        ("any", {"Later", "Expiring", "Expired"}),
    ],
)
def test_the_schedule_filter(editor, value, expected):
    now = timezone.now()
    make_article(title="Plain")
    make_article(title="Later", publish_at=now + HOUR)
    make_article(title="Expiring", unpublish_at=now + HOUR)
    make_article(title="Expired", unpublish_at=now - HOUR)
    response = editor.get(CHANGELIST, {"schedule": value})
    assert {a.title for a in response.context["cl"].result_list} == expected


# --- The lead --------------------------------------------------------------------------------


def test_one_click_features_a_story_and_again_clears_it_with_history(editor):
    article = make_article(title="Harbour reopens", published=True)
    url = f"{CHANGELIST}{article.pk}/featured/"
    response = editor.post(url, {"featured": "1", "next": f"{CHANGELIST}?q=harbour"})
    assert response.status_code == 302 and response["Location"] == f"{CHANGELIST}?q=harbour"
    article.refresh_from_db()
    assert article.featured and article.featured_at is not None
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == ["“Harbour reopens” leads the home page."]
    editor.post(url, {"featured": "0"})
    article.refresh_from_db()
    assert not article.featured and article.featured_at is None
    assert history(article) == [
        ("editor", "Featured on the home page"),
        ("editor", "No longer featured"),
    ]


@pytest.mark.slow
def test_the_list_has_the_lead_button_for_editors_and_the_state_for_reviewers(editor, reviewer):
    make_article(title="Led", featured=True)
    assert 'class="publication-toggle lead-toggle"' in editor.get(CHANGELIST).content.decode()
    html = reviewer.get(CHANGELIST).content.decode()
    assert "lead-toggle" not in html and "★ Lead" in html


def test_a_reviewer_cannot_feature(reviewer):
    article = make_article(title="Not yours")
    assert (
        reviewer.post(f"{CHANGELIST}{article.pk}/featured/", {"featured": "1"}).status_code == 403
    )
    article.refresh_from_db()
    assert not article.featured


def test_featured_public_stories_lead_the_home_page_most_recent_first(client):
    now = timezone.now()
    old_lead = make_article(title="First lead", published=True, featured=True,
                            featured_at=now - HOUR, published_at=now - 5 * HOUR)  # fmt: skip
    make_article(title="Second lead", published=True, featured=True, featured_at=now,
                 published_at=now - 6 * HOUR)  # fmt: skip
    make_article(title="Draft lead", published=False, featured=True, featured_at=now)
    make_article(title="Embargoed lead", published=True, featured=True, featured_at=now,
                 publish_at=now + HOUR)  # fmt: skip
    make_article(title="Latest news", published=True, published_at=now)
    html = client.get("/").content.decode()
    lead = html[html.index('class="lead-stories"') : html.index("</section>")]
    assert lead.index("Second lead") < lead.index("First lead")
    assert "Latest news" not in lead and "Draft lead" not in html and "Embargoed" not in html
    assert html.index("</section>") < html.index("Latest news")
    # Not on older pages.
    older = client.get("/", {"before": f"{int(old_lead.published_at.timestamp() * 1e6)}_1"})
    assert "lead-stories" not in older.content.decode()


def test_the_lead_is_a_small_set():
    from articles.reader.queries import featured_stories

    for n in range(FEATURED_LIMIT + 2):
        make_article(title=f"Lead {n}", published=True, featured=True, featured_at=timezone.now())
    assert len(featured_stories()) == FEATURED_LIMIT


# --- The form --------------------------------------------------------------------------------


def test_the_form_schedules_in_the_sites_zone_and_records_who_did(editor):
    article = make_article(title="Embargo", published=True)
    response = change(
        editor, article, published="on", publish_at_0="2030-01-05", publish_at_1="09:00:00",
        unpublish_at_0="2030-01-06", unpublish_at_1="09:30:00",
    )  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].form.errors
    article.refresh_from_db()
    assert article.publish_at == dt.datetime(2030, 1, 5, 8, 0, tzinfo=dt.UTC)
    assert article.unpublish_at == dt.datetime(2030, 1, 6, 8, 30, tzinfo=dt.UTC)
    assert history(article) == [
        ("editor", "Scheduled: appears 2030-01-05 09:00 CET, expires 2030-01-06 09:30 CET")
    ]


def test_the_form_refuses_an_expiry_before_the_start(editor):
    article = make_article(title="Backwards", published=True)
    response = change(
        editor, article, published="on", publish_at_0="2030-01-05", publish_at_1="09:00:00",
        unpublish_at_0="2030-01-05", unpublish_at_1="08:00:00",
    )  # fmt: skip
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["unpublish_at"] == ["A story must expire after it is scheduled."]
    article.refresh_from_db()
    assert article.publish_at is None and history(article) == []


def test_the_form_shows_the_sources_text_beside_our_headline_and_saves_blank_as_blank(editor):
    article = make_article(title="Wire headline", excerpt="Wire excerpt", published=True)
    html = editor.get(f"{CHANGELIST}{article.pk}/change/").content.decode()
    assert 'name="title_override"' in html and 'name="excerpt_override"' in html
    assert "Wire headline" in html and 'name="title"' not in html  # read-only
    change(editor, article, published="on", title_override="  Our headline ",
           excerpt_override="   ")  # fmt: skip
    article.refresh_from_db()
    assert (article.title_override, article.excerpt_override) == ("Our headline", "")
    assert article.title == "Wire headline"


def test_our_headline_dates_the_story_for_search_engines_and_a_plain_save_does_not(
    client, editor, django_capture_on_commit_callbacks
):
    article = make_article(title="Wire headline", published=True)
    long_ago = timezone.now() - dt.timedelta(days=30)
    Article.objects.filter(pk=article.pk).update(updated_at=long_ago)  # imported a month ago

    def lastmod() -> str:  # a date in the site's zone
        sitemap = client.get("/sitemap-articles.xml").content.decode()
        return sitemap.split("<lastmod>")[1].split("</lastmod>")[0]

    assert lastmod() == timezone.localdate(long_ago).isoformat()
    with django_capture_on_commit_callbacks(execute=True):  # the cached sitemap goes stale
        change(editor, article, published="on")  # nothing changed: nothing dated
    article.refresh_from_db()
    assert article.edited_at is None and lastmod() == timezone.localdate(long_ago).isoformat()
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        change(editor, article, published="on", title_override="Our headline")
    article.refresh_from_db()
    assert before <= article.edited_at <= timezone.now()
    assert lastmod() == timezone.localdate(article.edited_at).isoformat()
    assert article.updated_at == long_ago  # the import's date is the import's


def test_a_reviewer_cannot_schedule_or_feature_through_the_form(reviewer):
    article = make_article(title="Looked at", published=True)
    change(reviewer, article, published="on", publish_at_0="2030-01-05",
           publish_at_1="09:00:00", featured="on")  # fmt: skip
    article.refresh_from_db()
    assert article.publish_at is None and not article.featured


# --- What an editor is told readers get --------------------------------------------------------

LATER = dt.datetime(2030, 1, 5, 8, 0, tzinfo=dt.UTC)  # 09:00 in Berlin
LATER_SAID = "2030-01-05 09:00 CET"
PAST = dt.datetime(2020, 1, 1, 8, 0, tzinfo=dt.UTC)  # 09:00 in Berlin
PAST_SAID = "2020-01-01 09:00 CET"
AFTERWARDS = {"publish_at_0": "2030-01-05", "publish_at_1": "09:00:00"}
GONE = {"unpublish_at_0": "2020-01-01", "unpublish_at_1": "09:00:00"}


def expired_warning(title: str, state: str = "is published") -> tuple[str, int]:
    return (
        f"“{title}” {state} but expired on {PAST_SAID}: readers cannot see it."
        " Clear or move Expires to show it again.",
        levels.WARNING,
    )


def test_ticking_published_with_a_future_schedule_says_when_readers_will_see_it(editor):
    article = make_article(title="Embargo", published=False)
    response = change(editor, article, published="on", **AFTERWARDS)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.published and article.publish_at == LATER
    assert (f"“Embargo” is published: readers will see it from {LATER_SAID}.", levels.INFO) in (
        said(response)
    )
    assert not [text for text, _ in said(response) if "can see it now" in text]
    assert [message for _, message in history(article)] == [
        "Published",
        f"Scheduled: appears {LATER_SAID}, expires none",
    ]


def test_scheduling_a_published_story_later_says_when_readers_will_see_it(editor):
    article = make_article(title="Held back", published=True)
    response = change(editor, article, published="on", **AFTERWARDS)
    assert (f"“Held back” is published: readers will see it from {LATER_SAID}.", levels.INFO) in (
        said(response)
    )


def test_an_expiry_already_past_on_a_published_story_warns(editor):
    article = make_article(title="Gone quiet", published=True)
    response = change(editor, article, published="on", **GONE)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.unpublish_at == PAST and not Article.objects.published().exists()
    assert expired_warning("Gone quiet") in said(response)


def test_ticking_published_on_an_expired_story_warns(editor):
    article = make_article(title="Stale", published=False, unpublish_at=PAST)
    response = change(editor, article, published="on", **GONE)  # Expires as it was
    article.refresh_from_db()
    assert article.published and article.unpublish_at == PAST
    assert expired_warning("Stale") in said(response)
    assert not [text for text, _ in said(response) if "can see it now" in text]


def test_clearing_a_past_expiry_says_readers_can_see_it_again(editor):
    article = make_article(title="Back", published=True, unpublish_at=PAST)
    response = change(editor, article, published="on")  # Expires cleared
    article.refresh_from_db()
    assert article.unpublish_at is None and Article.objects.published().get() == article
    assert ("“Back” is published: readers can see it now.", levels.INFO) in said(response)


def test_scheduling_a_draft_says_nothing_about_readers(editor):
    article = make_article(title="Draft", published=False)
    response = change(editor, article, **AFTERWARDS)
    assert not [text for text, _ in said(response) if "readers" in text]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, ("“Clicked” is published: readers can see it now.", levels.INFO)),
        (
            {"publish_at": LATER},
            (f"“Clicked” is published: readers will see it from {LATER_SAID}.", levels.INFO),
        ),
        ({"unpublish_at": PAST}, expired_warning("Clicked")),
    ],
)
def test_one_click_publishing_says_what_readers_get(editor, fields, expected):
    article = make_article(title="Clicked", published=False, **fields)
    response = editor.post(f"{CHANGELIST}{article.pk}/publication/", {"published": "1"})
    assert said(response) == [expected]


def test_one_click_on_a_story_already_published_but_expired_warns(editor):
    article = make_article(title="Stale page", published=True, unpublish_at=PAST)
    response = editor.post(f"{CHANGELIST}{article.pk}/publication/", {"published": "1"})
    assert said(response) == [expired_warning("Stale page", "was already published")]


def publish_selected(client, stories: list[Article]):
    ids = [story.pk for story in stories]
    return client.post(
        CHANGELIST, {"action": "publish_selected", "_selected_action": ids, "post": "yes"}
    )


def test_bulk_publishing_says_which_stories_readers_cannot_see_yet_or_any_more(editor):
    stories = [
        make_article(title="Plain", published=False),
        make_article(title="Soon", published=False, publish_at=LATER),
        make_article(title="Sooner", published=False, publish_at=LATER - 24 * HOUR),
        make_article(title="Expired", published=False, unpublish_at=PAST),
        make_article(title="Live", published=True),
    ]
    response = publish_selected(editor, stories)
    assert said(response) == [
        (
            "4 stories published. 1 story already published, left as it was."
            " 2 of the selected stories are scheduled: readers will see them from their"
            " Scheduled times, the first at 2030-01-04 09:00 CET.",
            levels.SUCCESS,
        ),
        expired_warning("Expired"),
    ]


def test_bulk_publishing_from_the_review_queue_still_speaks_of_every_story(editor):
    # Publishing takes the stories out of the list's filter (published: no): the message
    # still names what readers cannot see.
    stories = [
        make_article(title="Soon", published=False, publish_at=LATER),
        make_article(title="Expired", published=False, unpublish_at=PAST),
    ]
    selected = {"action": "publish_selected", "post": "yes"}
    selected["_selected_action"] = [story.pk for story in stories]
    response = editor.post(f"{CHANGELIST}?published__exact=0", selected)
    assert said(response) == [
        (f"2 stories published. “Soon” is scheduled: readers will see it from {LATER_SAID}.",
         levels.SUCCESS),
        expired_warning("Expired"),
    ]  # fmt: skip


def test_bulk_publishing_one_scheduled_story_says_when(editor):
    response = publish_selected(
        editor, [make_article(title="Soon", published=False, publish_at=LATER)]
    )
    assert said(response) == [
        (f"1 story published. “Soon” is scheduled: readers will see it from {LATER_SAID}.",
         levels.SUCCESS),
    ]  # fmt: skip


def test_bulk_publishing_stories_already_published_but_expired_warns(editor):
    stories = [make_article(published=True, unpublish_at=PAST) for _ in range(2)]
    response = publish_selected(editor, stories)
    assert said(response) == [
        ("All 2 selected stories are already published: nothing changed.", levels.INFO),
        (
            "2 of the selected stories have expired: readers cannot see them."
            " Clear or move Expires to show them again.",
            levels.WARNING,
        ),
    ]


# --- The bulk action -------------------------------------------------------------------------


def test_the_bulk_action_asks_for_the_times_then_schedules_every_story(editor):
    stories = [make_article(title=f"Bulk {n}", published=True) for n in range(3)]
    selected = {"action": "schedule_selected", "_selected_action": [s.pk for s in stories]}
    form_page = editor.post(CHANGELIST, selected)
    assert form_page.status_code == 200
    assert 'type="datetime-local"' in form_page.content.decode()
    assert Article.objects.filter(publish_at__isnull=False).count() == 0

    done = editor.post(
        CHANGELIST,
        {**selected, "post": "yes", "publish_at": "2030-01-05T09:00", "unpublish_at": ""},
        follow=True,
    )
    messages = [str(m) for m in get_messages(done.wsgi_request)]
    assert messages == ["3 stories scheduled: appears 2030-01-05 09:00 CET, expires none."]
    moments = set(Article.objects.values_list("publish_at", flat=True))
    assert moments == {dt.datetime(2030, 1, 5, 8, tzinfo=dt.UTC)}
    assert history(stories[0]) == [
        ("editor", "Scheduled: appears 2030-01-05 09:00 CET, expires none")
    ]


def test_the_bulk_action_refuses_an_expiry_before_the_start(editor):
    article = make_article(title="Bulk backwards", published=True)
    response = editor.post(
        CHANGELIST,
        {"action": "schedule_selected", "_selected_action": [article.pk], "post": "yes",
         "publish_at": "2030-01-05T09:00", "unpublish_at": "2030-01-05T08:00"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "A story must expire after it appears." in response.content.decode()
    article.refresh_from_db()
    assert article.publish_at is None


def test_reviewers_have_no_schedule_action(reviewer):
    response = reviewer.get(CHANGELIST)
    assert "schedule_selected" not in response.content.decode()
