"""The admin's lists filter only by the controls they show (articles/desk/lookups.py).

Each attack is replayed with its exact input, as a Reviewer (who may only look), on whichever
database the suite runs on (CI runs it on SQLite and on PostgreSQL).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from tests.helpers.admin_users import CHANGELIST, desk_user, logged_in
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer():
    return logged_in(desk_user("rita", "Reviewers"))


@pytest.fixture
def sealed_story():
    return make_article(title="Sealed", secured="CIPHERTEXT;IV", source_path="/srv/feeds/x.txt")


@pytest.mark.parametrize(
    "query",
    [
        r"title__regex=^(\w+\s?)*!$",  # held both workers for 30 s on SQLite
        "secured__regex=^C[A-M]",  # the sealed field, a character at a time
        "front_matter__contains=secured",
        "source_path__startswith=/srv",
        "content_hash__startswith=a",
        "extra__contains=a",  # a 500 on SQLite
        "published__regex=.",  # a shown filter's field, but not its lookup
        "published_at__month=2",  # a drill-down part without its year
        "provider__name__regex=.",  # across a relation
        "body__icontains=x",
    ],
)
def test_a_lookup_no_control_sends_is_refused_with_400(reviewer, sealed_story, query):
    response = reviewer.get(f"{CHANGELIST}?id__exact={sealed_story.pk}&{query}")
    assert response.status_code == 400


def test_the_sealed_value_cannot_be_told_from_the_list(reviewer, sealed_story):
    """Before: ^C listed the story and ^D did not, so 7 requests read a character."""
    statuses = {
        prefix: reviewer.get(f"{CHANGELIST}?id__exact={sealed_story.pk}&secured__regex=^{prefix}")
        for prefix in ("C", "D")
    }
    assert {r.status_code for r in statuses.values()} == {400}
    assert statuses["C"].content == statuses["D"].content


@pytest.mark.parametrize(
    "query",
    [
        "published__exact=1",
        "published__exact=0&featured__exact=1",
        "schedule=scheduled",
        "type=article",
        "provider__id__exact=1",
        "topics__id__exact=1",
        "category__id__exact=1",
        "category__isnull=True",
        "published_at__gte=2021-01-01%2000%3A00%3A00%2B00%3A00&published_at__lt=2022-01-01%2000%3A00%3A00%2B00%3A00",
        "published_at__year=2021&published_at__month=2",
        "q=story&o=-8",
        "p=1",
        "_popup=1&_to_field=id",
    ],
)
def test_the_lists_own_controls_still_work(reviewer, sealed_story, query):
    assert reviewer.get(f"{CHANGELIST}?{query}").status_code == 200


def test_a_bad_value_for_a_real_filter_is_the_admins_error_page_not_a_500(reviewer):
    response = reviewer.get(f"{CHANGELIST}?published_at__gte=not-a-date")
    assert response.status_code == 302  # Django's ?e=1: "invalid lookup parameters"
    assert "e=1" in response["Location"]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/articles/provider/?domain__regex=.",
        "/admin/articles/topic/?slug__regex=.",
        "/admin/articles/category/?name__regex=.",
    ],
)
def test_every_list_of_ours_is_as_strict(reviewer, path):
    assert reviewer.get(path).status_code == 400


def test_the_users_list_does_not_leak_password_hashes():
    chief = desk_user("chief", "Editors")
    chief.user_permissions.add(*_perms("auth", "view_user"))
    client = logged_in(User.objects.get(pk=chief.pk))
    assert client.get("/admin/auth/user/?is_staff__exact=1").status_code == 200
    assert client.get("/admin/auth/user/?password__startswith=pbkdf2").status_code == 400


def _perms(app_label: str, codename: str):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label=app_label, codename=codename)
