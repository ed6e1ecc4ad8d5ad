"""Requests refused before any view sees them (newsroom/http/guards.py)."""

from __future__ import annotations

import pytest

from tests.helpers.admin_users import CHANGELIST, desk_user, logged_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/topics/%00/",
        "/providers/%00/",
        "/categories/a%00b/rss/",
        "/articles/1/x%00/",
        "/?before=%00",
        "/sitemap-%00.xml",
    ],
)
def test_a_nul_in_a_public_address_is_a_bad_request(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "X-Cache" not in response  # refused before the page cache


@pytest.mark.parametrize("query", ["?type=%00", "?q=%00", "?provider__id__exact=%00"])
def test_a_nul_in_an_admin_query_is_a_bad_request(query):
    editor = logged_in(desk_user("editor", "Editors"))
    assert editor.get(CHANGELIST + query).status_code == 400
    autocomplete = "/admin/autocomplete/?app_label=articles&model_name=article"
    response = editor.get(autocomplete + "&field_name=provider&term=%00")
    assert response.status_code == 400


def test_ordinary_addresses_pass(client):
    assert client.get("/topics/").status_code == 200
    assert client.get("/?before=1_1").status_code == 200
