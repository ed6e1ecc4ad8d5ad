"""Editorial actions, one code path each, whatever screen they start from.

The admin's one-click toggle, the article form and the bulk actions all publish through
:func:`set_publication`, so every change is checked, dated, recorded in the story's history
and followed by a cache bump in the same way (the ORM write makes it: :mod:`articles.content`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Article

PUBLISH_PERMISSION = "articles.publish_article"
PUBLISHED_MESSAGE = "Published"
UNPUBLISHED_MESSAGE = "Unpublished"


def can_publish(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether this person may put stories on the site or take them off."""
    return user.is_active and user.is_staff and user.has_perm(PUBLISH_PERMISSION)


def set_publication(
    articles: QuerySet[Article] | Iterable[Article],
    published: bool,
    *,
    by: AbstractBaseUser,
) -> list[Article]:
    """Publish (or unpublish) the given stories; returns the ones that changed.

    Stories already in the wanted state are left alone and not recorded. Each change is
    dated (``published_changed_at``, and ``first_published_at`` the first time), logged in
    the admin history as "Published" or "Unpublished" under the user's name, and readers'
    cached pages are invalidated once the transaction commits.

    Raises PermissionDenied unless the user holds the publish permission.
    """
    if not can_publish(by):
        raise PermissionDenied("You may not publish or unpublish stories.")
    # A queryset (e.g. a filtered admin list) becomes a subquery, so any number of rows works.
    if isinstance(articles, QuerySet):
        ids = articles.values("pk")
    else:
        ids = [article.pk for article in articles]
    with transaction.atomic():
        # Lock the rows so two editors clicking at once record one change, not two.
        to_change = list(
            Article.objects.filter(pk__in=ids)
            .exclude(published=published)
            .select_for_update()
            .only("pk", "title", "published", "published_changed_at", "first_published_at")
            .order_by("pk")
        )
        if not to_change:
            return []
        when = timezone.now()
        for article in to_change:
            article.set_published(published, when=when)
        Article.objects.bulk_update(
            to_change, ["published", "published_changed_at", "first_published_at"], batch_size=500
        )
        LogEntry.objects.log_actions(
            user_id=by.pk,
            queryset=to_change,
            action_flag=CHANGE,
            change_message=PUBLISHED_MESSAGE if published else UNPUBLISHED_MESSAGE,
            single_object=len(to_change) == 1,
        )  # the bulk update moved the content version on (articles.content)
    return to_change
