"""The desk's schedule and lead: when a story appears and expires, and which stories lead the
home page.

:class:`ScheduleAdmin` extends :class:`.publication.PublicationAdmin`. Every change goes
through :mod:`articles.publishing` (``set_schedule``, ``set_featured``),
which checks the permission, records who changed what in the story's history and refreshes
readers' pages. This module is the admin's side: the list's "scheduled", "expires" and
"lead" columns (the lead a one-click toggle, as the publication button), the schedule filter,
and the "Schedule selected stories" action with its form page.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from articles import publishing
from articles.models import Article

from .publication import PublicationAdmin, back_to_list, n_stories

SCHEDULE_TEMPLATE = "admin/articles/article/schedule_form.html"
EDITORIAL_FIELDS = ("publish_at", "unpublish_at", "featured")


class ScheduleForm(forms.Form):
    """The bulk action's times, in the site's time zone; blank: no such moment."""

    publish_at = forms.DateTimeField(
        label="Appears at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Blank: as soon as it is published.",
    )
    unpublish_at = forms.DateTimeField(
        label="Expires at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Blank: never.",
    )

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("publish_at"), data.get("unpublish_at")
        if start and end and end <= start:
            self.add_error("unpublish_at", "A story must expire after it appears.")
        return data


class ScheduleFilter(admin.SimpleListFilter):
    """Stories by where they stand in their schedule, at the time the list is asked."""

    title = "schedule"
    parameter_name = "schedule"

    def lookups(self, request, model_admin):
        return [
            ("scheduled", "Scheduled: not yet on the site"),
            ("expires", "Expires later"),
            ("expired", "Expired"),
            ("any", "Has a schedule"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        rules = {
            "scheduled": Q(publish_at__gt=now),
            "expires": Q(unpublish_at__gt=now),
            "expired": Q(unpublish_at__lte=now),
            "any": Q(publish_at__isnull=False) | Q(unpublish_at__isnull=False),
        }
        rule = rules.get(self.value())
        return queryset if rule is None else queryset.filter(rule)


@admin.display(description="lead", ordering="-featured_at")
def lead_state(article: Article) -> str:
    return "★ Lead" if article.featured else ""


class ScheduleAdmin(PublicationAdmin):
    """The publication workflow's ModelAdmin of articles, with the schedule's and the lead's
    columns, toggle and action."""

    service_fields = ("published", *EDITORIAL_FIELDS)

    def get_readonly_fields(self, request: HttpRequest, obj: Article | None = None):
        fields = super().get_readonly_fields(request, obj)
        return fields if self.has_publish_permission(request) else (*EDITORIAL_FIELDS, *fields)

    def get_list_display(self, request: HttpRequest):
        # Without the publish permission: the lead's state only, no button.
        fields = super().get_list_display(request)
        if self.has_publish_permission(request):
            return fields
        return tuple("lead_state" if f == "lead" else f for f in fields)

    lead_state = staticmethod(lead_state)

    # The list's lead column: state and one-click toggle

    @admin.display(description="lead", ordering="-featured_at")
    def lead(self, article: Article) -> str:
        verb = "Unfeature" if article.featured else "Feature"
        return format_html(
            '<button type="submit" class="publication-toggle lead-toggle" formaction="{}"'
            ' name="featured" value="{}" aria-label="{} “{}”" title="{}">{}</button>',
            reverse(self.featured_url_name(), args=[article.pk]),
            "0" if article.featured else "1",
            verb,
            Truncator(article.headline).chars(60),
            "Leads the home page: click to stop" if article.featured else "Lead the home page",
            "★ Lead" if article.featured else "☆",
        )

    def get_urls(self):
        name = self.featured_url_name().removeprefix("admin:")
        view = self.admin_site.admin_view(require_POST(self.featured_view))
        return [path("<path:object_id>/featured/", view, name=name), *super().get_urls()]

    def featured_url_name(self) -> str:
        return f"admin:{self.opts.app_label}_{self.opts.model_name}_featured"

    def featured_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The list's one-click lead toggle: POST featured=1 or 0."""
        if not self.has_publish_permission(request):
            raise PermissionDenied
        article = self.get_object(request, unquote(object_id))
        wanted = request.POST.get("featured")
        if article is None or wanted not in ("0", "1"):
            return HttpResponseBadRequest("featured must be 1 or 0, for a story that exists")
        if publishing.set_featured([article], wanted == "1", by=request.user):
            text = "leads the home page" if wanted == "1" else "no longer leads the home page"
            self.message_user(request, f"“{article}” {text}.")
        changelist = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        return HttpResponseRedirect(back_to_list(request, changelist))

    # The form: the schedule and the lead through the service, with their history

    def save_other_service_fields(self, request, obj: Article, form) -> bool:
        """The schedule and the lead, through the service, once the story is (un)published
        (PublicationAdmin.save_model, which then says what readers get); returns whether the
        schedule changed."""
        changed = set(form.changed_data)
        rescheduled = False
        if {"publish_at", "unpublish_at"} & changed:
            rescheduled = bool(
                publishing.set_schedule([obj], obj.publish_at, obj.unpublish_at, by=request.user)
            )
        if "featured" in changed:
            publishing.set_featured([obj], obj.featured, by=request.user)
        return rescheduled

    # The bulk action

    @admin.action(description="Schedule selected stories", permissions=["publish"])
    def schedule_selected(self, request: HttpRequest, queryset: QuerySet[Article]):
        """Ask for the times (a form page), then set them on every selected story."""
        form = ScheduleForm(request.POST if request.POST.get("post") == "yes" else None)
        if not form.is_valid():
            return self._schedule_form(request, queryset, form)
        start, end = form.cleaned_data["publish_at"], form.cleaned_data["unpublish_at"]
        changed = publishing.set_schedule(queryset, start, end, by=request.user)
        count = len(changed)
        self.message_user(
            request,
            f"{n_stories(count)} scheduled: "
            f"{publishing.schedule_message(start, end).removeprefix('Scheduled: ')}.",
            messages.SUCCESS if changed else messages.INFO,
        )
        return None

    def _schedule_form(
        self, request: HttpRequest, queryset: QuerySet[Article], form: ScheduleForm
    ) -> TemplateResponse:
        count = queryset.count()
        return self.action_page(
            request,
            SCHEDULE_TEMPLATE,
            queryset,
            title=f"Schedule {n_stories(count)}",
            form=form,
            count=count,
            zone=timezone.get_current_timezone_name(),
        )
