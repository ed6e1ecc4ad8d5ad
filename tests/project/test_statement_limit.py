"""No statement of a web request runs past REQUEST_STATEMENT_TIMEOUT; commands have no limit
(newsroom/http/statement_limit.py). On whichever database the suite runs on: CI runs both."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import path

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

LIMIT = 0.2  # seconds, for these tests


def slow_statement(seconds: float) -> str:
    """A statement that keeps the database busy for about ``seconds``."""
    if connection.vendor == "postgresql":
        return f"SELECT pg_sleep({seconds})"
    rows = int(seconds * 8_000_000)  # SQLite counts a few million rows a second here
    return (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
        f"LIMIT {rows}) SELECT count(*) FROM c"
    )


def run(sql: str):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def slow_page(request):
    # A worker held for 30 s, gunicorn's timeout, without the limit. (In a savepoint: the
    # test's transaction goes on after PostgreSQL cancels the statement.)
    with transaction.atomic():
        run(slow_statement(30))
    return HttpResponse("done")


def quick_page(request):
    return HttpResponse(str(run("SELECT 1")[0][0]))


urlpatterns = [path("slow/", slow_page), path("quick/", quick_page)]


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.REQUEST_STATEMENT_TIMEOUT = LIMIT


def test_a_statement_past_the_limit_is_stopped_and_answered_503(client):
    response = client.get("/slow/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"took too long" in response.content


def test_the_database_serves_the_next_request_as_ever(client):
    assert client.get("/slow/").status_code == 503
    response = client.get("/quick/")
    assert response.status_code == 200 and response.content == b"1"


@pytest.mark.slow
def test_statements_outside_requests_have_no_limit(client):
    """A management command runs in no request: after one, a statement longer than the
    limit still runs to its end, on the same connection."""
    assert client.get("/quick/").status_code == 200
    assert run(slow_statement(4 * LIMIT))


def test_no_limit_when_set_to_zero(client, settings):
    settings.REQUEST_STATEMENT_TIMEOUT = 0
    response = client.get("/quick/")
    assert response.status_code == 200
