"""The publishing service's schedule and lead: permission, refusals, history, nothing
recorded when nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied

from articles import publishing
from articles.models import Article
from tests.helpers.admin_users import desk_user
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2030, 1, 5, 8, tzinfo=dt.UTC)


def test_set_schedule_changes_only_what_differs_and_records_it():
    editor = desk_user("editor", "Editors")
    same = make_article(title="Same", publish_at=WHEN)
    other = make_article(title="Other")
    changed = publishing.set_schedule(Article.objects.all(), WHEN, None, by=editor)
    assert [a.pk for a in changed] == [other.pk]
    assert Article.objects.get(pk=other.pk).publish_at == WHEN
    assert LogEntry.objects.filter(object_id=str(same.pk)).count() == 0
    assert LogEntry.objects.get(object_id=str(other.pk)).user == editor
    assert publishing.set_schedule([other], WHEN, None, by=editor) == []


def test_set_schedule_refuses_an_expiry_before_the_start_and_a_reviewer():
    article = make_article(title="Refused")
    with pytest.raises(ValueError, match="expire after"):
        publishing.set_schedule([article], WHEN, WHEN, by=desk_user("editor", "Editors"))
    with pytest.raises(PermissionDenied):
        publishing.set_schedule([article], WHEN, None, by=desk_user("reviewer", "Reviewers"))
    assert Article.objects.get(pk=article.pk).publish_at is None


@pytest.mark.slow
def test_set_featured_dates_the_lead_and_clearing_forgets_it():
    editor = desk_user("editor", "Editors")
    article = make_article(title="Lead")
    assert publishing.set_featured([article], True, by=editor)
    article.refresh_from_db()
    assert article.featured and article.featured_at is not None
    assert publishing.set_featured([article], True, by=editor) == []
    publishing.set_featured(Article.objects.filter(pk=article.pk), False, by=editor)
    article.refresh_from_db()
    assert not article.featured and article.featured_at is None
    with pytest.raises(PermissionDenied):
        publishing.set_featured([article], True, by=desk_user("reviewer", "Reviewers"))
