"""Desk users for the admin tests: editors publish, reviewers only look."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission, User
from django.test import Client

CHANGELIST = "/admin/articles/article/"
PUBLISH_CODENAMES = (
    "view_article",
    "change_article",
    "publish_article",
    "view_articleimage",
    "view_relatedlink",
    "view_provider",
    "view_topic",
    "view_category",
)


def desk_user(username: str, group: str | None = None, **fields) -> User:
    """A staff user in the group the data migration made ("Editors" or "Reviewers")."""
    user = User.objects.create_user(username, password="a-long-test-password", is_staff=True)
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def editor_without_groups(username: str = "ed") -> User:
    """An editor given the permissions directly (transactional tests lose migration data)."""
    user = User.objects.create_user(username, password="a-long-test-password", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="articles", codename__in=PUBLISH_CODENAMES
        )
    )
    return user


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def toggle_url(article) -> str:
    return f"{CHANGELIST}{article.pk}/publication/"
