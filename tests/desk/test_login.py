"""Who reaches the admin, and login throttling (django-axes)."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.test import Client

from tests.helpers.admin_users import CHANGELIST, desk_user

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "a-long-test-password"


def attempt(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        f"{LOGIN}?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def test_staff_log_in_with_the_form():
    desk_user("editor", "Editors")
    response = attempt(Client(), "editor", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"


@pytest.mark.slow
def test_repeated_failures_lock_that_user_name_out_even_with_the_right_password(settings):
    desk_user("editor", "Editors")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "editor", "wrong").status_code == 200  # the form again

    locked = attempt(client, "editor", "wrong")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()

    again = attempt(client, "editor", PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.slow
def test_a_lockout_holds_one_user_name_from_one_address_only(settings):
    desk_user("editor", "Editors")
    desk_user("other", "Editors")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "editor", "wrong")

    assert attempt(Client(), "other", PASSWORD).status_code == 302
    assert attempt(Client(), "editor", PASSWORD, ip="10.0.0.2").status_code == 302


@pytest.mark.slow
def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(settings):
    desk_user("editor", "Editors")
    client = Client()
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": "editor", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}",
        )
    response = client.post(
        LOGIN,
        {"username": "editor", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert response.status_code == 429


def test_lockout_defaults_five_failures_for_fifteen_minutes(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60


@pytest.mark.slow
def test_logins_without_a_request_still_work_for_commands_and_the_test_client():
    desk_user("editor", "Editors")
    assert authenticate(username="editor", password=PASSWORD) is not None
    client = Client()
    assert client.login(username="editor", password=PASSWORD)
    assert client.get(CHANGELIST).status_code == 200


@pytest.mark.slow
def test_only_staff_reach_the_admin(django_user_model):
    django_user_model.objects.create_user("reader", password=PASSWORD)
    client = Client()
    assert client.get(CHANGELIST).status_code == 302  # to the login page

    response = attempt(client, "reader", PASSWORD)
    assert response.status_code == 200  # the form again: not a staff account
    assert client.get(CHANGELIST)["Location"].startswith(LOGIN)
