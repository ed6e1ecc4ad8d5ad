"""Two logged-in editors on one story (articles/desk/edits.py): a form saves only what its
editor changed; a change both made to the same field, differently, is refused with who and
when. On whichever database the suite runs on (CI runs SQLite and PostgreSQL)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib.admin.models import LogEntry

from articles.models import Article
from tests.helpers.admin_users import CHANGELIST, desk_user, logged_in, toggle_url
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db


class FormFields(HTMLParser):
    """What a browser submits of the page's change form, as it was shown."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._in_form = False
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "article_form":
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "file", "button"):
            checkable = a.get("type") in ("checkbox", "radio")
            if checkable and "checked" not in a:
                return
            default = "on" if checkable else ""
            self.values.setdefault(name, []).append(a.get("value") or default)
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = [""]
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.values.setdefault(self._select, []).append(a.get("value", ""))

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            text = self.values[self._textarea][0]
            self.values[self._textarea][0] = text.removeprefix("\n")  # as a browser reads it
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False


def opened_form(client, story: Article) -> dict[str, list[str]]:
    response = client.get(f"{CHANGELIST}{story.pk}/change/")
    assert response.status_code == 200
    parser = FormFields()
    parser.feed(response.content.decode())
    parser.values.pop("_save", None)
    assert "published" in parser.values or story.published is False
    return parser.values


def save(client, story: Article, form: dict[str, list[str]], **changes: str):
    data = {**form, **{name: [value] for name, value in changes.items()}}
    return client.post(f"{CHANGELIST}{story.pk}/change/", data)


def history(story: Article) -> list[tuple[str, str]]:
    entries = LogEntry.objects.filter(object_id=str(story.pk)).order_by("pk")
    return [(e.user.username, e.get_change_message()) for e in entries]


@pytest.fixture
def editors():
    return logged_in(desk_user("anna", "Editors")), logged_in(desk_user("ben", "Editors"))


@pytest.mark.slow
def test_a_takedown_made_while_a_form_was_open_survives_its_save(editors):
    anna, ben = editors
    story = make_article(title="Harbour reopens", published=True)
    form = opened_form(anna, story)

    assert ben.post(toggle_url(story), {"published": "0"}).status_code == 302  # a takedown
    response = save(anna, story, form, title_override="Harbour reopens at last")

    assert response.status_code == 302
    story.refresh_from_db()
    assert story.title_override == "Harbour reopens at last"
    assert story.published is False  # before: published again, as Anna's doing
    assert history(story) == [("ben", "Unpublished"), ("anna", "Changed Our headline.")]


@pytest.mark.slow
def test_a_lead_chosen_while_a_form_was_open_survives_its_save(editors):
    anna, ben = editors
    story = make_article(title="Harbour reopens", published=True)
    form = opened_form(anna, story)

    ben.post(f"{CHANGELIST}{story.pk}/featured/", {"featured": "1"})
    assert save(anna, story, form, title_override="New headline").status_code == 302

    story.refresh_from_db()
    assert story.featured is True and story.featured_at is not None
    assert [who for who, _ in history(story)] == ["ben", "anna"]


@pytest.mark.slow
def test_the_same_field_changed_by_both_is_refused_and_says_who_and_when(editors):
    anna, ben = editors
    story = make_article(title="Harbour reopens", published=True)
    form_a, form_b = opened_form(anna, story), opened_form(ben, story)

    assert save(ben, story, form_b, title_override="Ben's headline").status_code == 302
    response = save(
        anna, story, form_a, title_override="Anna's headline", excerpt_override="Anna's summary"
    )

    assert response.status_code == 200  # the form again, with the reason
    errors = response.context["adminform"].form.errors
    [message] = errors["title_override"]
    assert "was changed by ben at " in message
    assert "it is now “Ben's headline”" in message and "Nothing was saved" in message
    story.refresh_from_db()
    assert (story.title_override, story.excerpt_override) == ("Ben's headline", "")
    assert history(story) == [("ben", "Changed Our headline.")]


@pytest.mark.slow
def test_the_same_change_made_by_both_is_no_conflict(editors):
    anna, ben = editors
    story = make_article(title="Harbour reopens", published=True)
    form_a, form_b = opened_form(anna, story), opened_form(ben, story)
    save(ben, story, form_b, title_override="Same words")
    assert save(anna, story, form_a, title_override="Same words").status_code == 302


@pytest.mark.slow
def test_a_change_to_another_field_is_saved_beside_the_other_editors(editors):
    anna, ben = editors
    story = make_article(title="Harbour reopens", published=False)
    form_a, form_b = opened_form(anna, story), opened_form(ben, story)
    save(ben, story, form_b, title_override="Ben's headline")
    assert save(anna, story, form_a, excerpt_override="Anna's summary").status_code == 302
    story.refresh_from_db()
    assert (story.title_override, story.excerpt_override) == ("Ben's headline", "Anna's summary")
