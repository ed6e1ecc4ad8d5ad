"""The publishing service: one code path for every publish and unpublish."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied

from articles.models import Article
from articles.publishing import can_publish, set_publication
from pagecache.content_version import content_version
from tests.helpers.admin_users import desk_user
from tests.helpers.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return desk_user("editor", "Editors")


def history(article: Article) -> list[tuple[str, str]]:
    return [
        (entry.user.username, entry.get_change_message())
        for entry in LogEntry.objects.filter(object_id=str(article.pk)).order_by("pk")
    ]


def test_publishing_sets_the_flag_and_both_dates_and_records_who(editor):
    article = make_article(published=False)

    changed = set_publication([article], True, by=editor)

    article.refresh_from_db()
    assert [a.pk for a in changed] == [article.pk]
    assert article.published
    assert article.published_changed_at is not None
    assert article.first_published_at == article.published_changed_at
    assert history(article) == [("editor", "Published")]
    entry = LogEntry.objects.get()
    assert entry.action_flag == CHANGE and entry.object_repr == article.title


def test_unpublishing_keeps_the_first_publication_date(editor):
    article = make_article(published=False)
    set_publication([article], True, by=editor)
    article.refresh_from_db()
    first = article.first_published_at

    set_publication([article], False, by=editor)

    article.refresh_from_db()
    assert not article.published
    assert article.first_published_at == first
    assert article.published_changed_at > first
    assert history(article) == [("editor", "Published"), ("editor", "Unpublished")]


def test_stories_already_in_that_state_are_left_alone_and_not_recorded(editor):
    done = make_article(published=True)
    todo = make_article(published=False)

    changed = set_publication(Article.objects.all(), True, by=editor)

    assert [a.pk for a in changed] == [todo.pk]
    assert history(done) == []
    done.refresh_from_db()
    assert done.published_changed_at is None


def test_a_queryset_is_published_in_bulk_with_one_history_entry_each(
    editor, django_assert_max_num_queries
):
    for _ in range(30):
        make_article(published=False)

    with django_assert_max_num_queries(8):
        changed = set_publication(Article.objects.all(), True, by=editor)

    assert len(changed) == 30
    assert Article.objects.published().count() == 30
    assert LogEntry.objects.filter(change_message="Published").count() == 30


def test_readers_pages_are_invalidated_after_commit(editor, django_capture_on_commit_callbacks):
    article = make_article(published=False)
    before = content_version()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        set_publication([article], True, by=editor)

    assert callbacks
    assert content_version() != before


def test_nothing_to_change_bumps_nothing(editor, django_capture_on_commit_callbacks):
    article = make_article(published=True)

    with django_capture_on_commit_callbacks() as callbacks:
        assert set_publication([article], True, by=editor) == []

    assert callbacks == []


@pytest.mark.parametrize("group", ["Reviewers", None])
def test_without_the_publish_permission_nothing_changes(group):
    user = desk_user("someone", group)
    article = make_article(published=False)

    with pytest.raises(PermissionDenied):
        set_publication([article], True, by=user)

    article.refresh_from_db()
    assert not article.published
    assert LogEntry.objects.count() == 0


def test_change_permission_alone_does_not_allow_publishing(django_user_model):
    from django.contrib.auth.models import Permission

    user = desk_user("changer")
    user.user_permissions.add(Permission.objects.get(codename="change_article"))

    assert not can_publish(django_user_model.objects.get(pk=user.pk))


def test_inactive_or_non_staff_users_cannot_publish(editor):
    editor.is_active = False
    assert not can_publish(editor)
    editor.is_active, editor.is_staff = True, False
    assert not can_publish(editor)


def test_superusers_can_publish():
    boss = desk_user("boss", is_superuser=True)
    assert can_publish(boss)


def test_the_data_migration_makes_editors_and_reviewers():
    from django.contrib.auth.models import Group

    editors = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    reviewers = set(
        Group.objects.get(name="Reviewers").permissions.values_list("codename", flat=True)
    )
    assert {"publish_article", "change_article", "view_article"} <= editors
    assert "view_article" in reviewers
    assert all(codename.startswith("view_") for codename in reviewers)
