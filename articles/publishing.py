"""Editorial actions, one code path each, whatever screen they start from: publishing
(:func:`set_publication`), the schedule (:func:`set_schedule`), the home page's lead
(:func:`set_featured`).

The admin's one-click toggle, the article form and the bulk actions all publish through
:func:`set_publication`, so every change is checked, dated, recorded in the story's history
and followed by a cache bump in the same way (the ORM write makes it: :mod:`articles.content`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import HEADLINE_FIELDS, Article

PUBLISH_PERMISSION = "articles.publish_article"
PUBLISHED_MESSAGE = "Published"
UNPUBLISHED_MESSAGE = "Unpublished"
FEATURED_MESSAGE = "Featured on the home page"
UNFEATURED_MESSAGE = "No longer featured"


def can_publish(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether this person may put stories on the site or take them off."""
    return user.is_active and user.is_staff and user.has_perm(PUBLISH_PERMISSION)


def can_preview(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether this person may open a story readers cannot see at its public address: only
    staff who may view stories in the admin (view, or change, which includes it), not every
    staff account."""
    return (
        user.is_active
        and user.is_staff
        and (user.has_perm("articles.view_article") or user.has_perm("articles.change_article"))
    )


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
            .only("pk", *HEADLINE_FIELDS, "published", "published_changed_at", "first_published_at")
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


def site_time(value: dt.datetime) -> str:
    """A moment as the history and the desk's messages write it: in the site's time zone,
    e.g. "2030-01-05 09:00 CET"."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z")


def schedule_message(publish_at: dt.datetime | None, unpublish_at: dt.datetime | None) -> str:
    """The history's words for a schedule, in the site's time zone."""

    def when(value: dt.datetime | None) -> str:
        return site_time(value) if value else "none"

    return f"Scheduled: appears {when(publish_at)}, expires {when(unpublish_at)}"


def set_schedule(
    articles: QuerySet[Article] | Iterable[Article],
    publish_at: dt.datetime | None,
    unpublish_at: dt.datetime | None,
    *,
    by: AbstractBaseUser,
) -> list[Article]:
    """Set when the given stories appear and expire (None: no such moment); returns the ones
    that changed, each recorded in its history under the user's name with both times.

    Raises PermissionDenied unless the user may publish, ValueError when the story would
    expire before it appears.
    """
    if not can_publish(by):
        raise PermissionDenied("You may not schedule stories.")
    if publish_at and unpublish_at and unpublish_at <= publish_at:
        raise ValueError("A story must expire after it is scheduled.")
    changed = _changed(articles, ("publish_at", "unpublish_at"), (publish_at, unpublish_at))
    values = {"publish_at": publish_at, "unpublish_at": unpublish_at}
    return _write(changed, values, by, schedule_message(publish_at, unpublish_at))


def set_featured(
    articles: QuerySet[Article] | Iterable[Article], featured: bool, *, by: AbstractBaseUser
) -> list[Article]:
    """Feature the given stories on the home page's lead (or stop); returns the ones that
    changed, each recorded in its history. The most recently featured lead first."""
    if not can_publish(by):
        raise PermissionDenied("You may not feature stories.")
    changed = _changed(articles, ("featured",), (featured,))
    values = {"featured": featured, "featured_at": timezone.now() if featured else None}
    return _write(changed, values, by, FEATURED_MESSAGE if featured else UNFEATURED_MESSAGE)


def _changed(
    articles: QuerySet[Article] | Iterable[Article], fields: tuple[str, ...], values: tuple
) -> QuerySet[Article]:
    """The given stories whose ``fields`` differ from ``values``, locked, in id order."""
    ids = articles.values("pk") if isinstance(articles, QuerySet) else [a.pk for a in articles]
    unchanged = Q()
    for field, value in zip(fields, values, strict=True):
        unchanged &= Q(**{f"{field}__isnull": True}) if value is None else Q(**{field: value})
    return (
        Article.objects.filter(pk__in=ids)
        .exclude(unchanged)
        .select_for_update()
        .only("pk", *HEADLINE_FIELDS, *fields)
        .order_by("pk")
    )


def _write(
    to_change: QuerySet[Article], values: dict, by: AbstractBaseUser, message: str
) -> list[Article]:
    with transaction.atomic():
        changed = list(to_change)
        if changed:
            Article.objects.filter(pk__in=[a.pk for a in changed]).update(**values)
            LogEntry.objects.log_actions(
                user_id=by.pk,
                queryset=changed,
                action_flag=CHANGE,
                change_message=message,
                single_object=len(changed) == 1,
            )  # the update moved the content version on (articles.content)
    for article in changed:
        for name, value in values.items():
            setattr(article, name, value)
    return changed
