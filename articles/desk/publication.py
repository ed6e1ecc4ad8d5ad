"""The publication workflow of the editors' article list and form.

Publishing (one click in the list, the form, or the bulk actions) always goes through
:func:`articles.publishing.set_publication`, which checks the permission, records the change in
the story's history and refreshes readers' pages. This module is the admin's side of it: the
button and its view, the bulk actions with their confirmation page, the messages, and what an
editor without the publish permission sees instead.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from articles import publishing
from articles.models import HEADLINE_FIELDS, Article
from articles.scheduling import hidden_from_readers

from .columns import published_state

CONFIRM_TEMPLATE = "admin/articles/article/publication_confirm.html"


EXPIRED_HINT = "Clear or move Expires to show {} again."


def scheduled_text(story: Article) -> str:
    return f"readers will see it from {publishing.site_time(story.publish_at)}."


def expired_text(story: Article, state: str = "is published") -> str:
    when = publishing.site_time(story.unpublish_at)
    hint = EXPIRED_HINT.format("it")
    return f"“{story}” {state} but expired on {when}: readers cannot see it. {hint}"


def publication_message(
    article: Article, published: bool, *, already: bool = False
) -> tuple[str, int]:
    """What the desk tells an editor who published (or unpublished) a story, or found it
    already so, and at which level: for a published story, what readers get now."""
    title = f"“{article}”"
    if not published:
        return f"{title} is unpublished: readers no longer see it.", messages.INFO
    state = "was already published" if already else "is published"
    scheduled, expired = hidden_from_readers([article.pk], timezone.now())
    if scheduled:
        return f"{title} {state}: {scheduled_text(scheduled[0])}", messages.INFO
    if expired:
        return expired_text(expired[0], state), messages.WARNING
    if already:
        return f"{title} was already published.", messages.INFO
    return f"{title} is published: readers can see it now.", messages.INFO


def hidden_messages(selection: QuerySet[Article] | list[int]) -> tuple[str, str]:
    """After a bulk publish: a sentence on the selected stories still to appear, and a
    warning on those that expired ("" when there are none)."""
    scheduled, expired = hidden_from_readers(selection, timezone.now())
    note = warning = ""
    if len(scheduled) == 1:
        note = f"“{scheduled[0]}” is scheduled: {scheduled_text(scheduled[0])}"
    elif scheduled:
        first = publishing.site_time(scheduled[0].publish_at)
        if scheduled[0].publish_at == scheduled[-1].publish_at:
            when = f"from {first}"
        else:
            when = f"from their Scheduled times, the first at {first}"
        note = (
            f"{len(scheduled)} of the selected stories are scheduled: readers will see them {when}."
        )
    if len(expired) == 1:
        warning = expired_text(expired[0])
    elif expired:
        warning = (
            f"{len(expired)} of the selected stories have expired: readers cannot see them."
            f" {EXPIRED_HINT.format('them')}"
        )
    return note, warning


def n_stories(count: int) -> str:
    return f"{count} {'story' if count == 1 else 'stories'}"


def nothing_to_change_message(selected: int, verb: str) -> str:
    if selected == 1:
        return f"The selected story is already {verb}ed: nothing changed."
    return f"All {selected} selected stories are already {verb}ed: nothing changed."


def back_to_list(request: HttpRequest, changelist: str) -> str:
    """Where a one-click button sends the editor back: the list's page, filters and search
    they clicked from (the form's "next"), else the list."""
    back = request.POST.get("next", "")
    if back.startswith(changelist) and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return changelist


class PublicationAdmin(admin.ModelAdmin):
    """A ModelAdmin of articles whose ``publication`` column, form and actions publish and
    unpublish through the publishing service."""

    actions = ("publish_selected", "unpublish_selected")
    # Fields the form changes through the publishing service, not as plain edits.
    service_fields: tuple[str, ...] = ("published",)

    # Who sees what

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return publishing.can_publish(request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Article | None = None):
        fields = super().get_readonly_fields(request, obj)
        return fields if self.has_publish_permission(request) else ("published", *fields)

    def get_list_display(self, request: HttpRequest):
        # Without the publish permission: the state only, no button.
        if self.has_publish_permission(request):
            return self.list_display
        return tuple("published_state" if f == "publication" else f for f in self.list_display)

    published_state = staticmethod(published_state)

    @admin.display(description="published")
    def publication(self, article: Article) -> str:
        """The state, and a button that flips it.

        The button submits the list's own form (so the CSRF token goes with it) to the
        publication URL, which accepts only POST and checks the permission again.
        """
        verb = "Unpublish" if article.published else "Publish"
        return format_html(
            '{} <button type="submit" class="publication-toggle" formaction="{}" name="published"'
            ' value="{}" aria-label="{} “{}”">{}</button>',
            published_state(article),
            reverse(self._url_name("publication"), args=[article.pk]),
            "0" if article.published else "1",
            verb,
            Truncator(article.headline).chars(60),
            verb,
        )

    def _url_name(self, view: str) -> str:
        return f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}"

    # The one-click toggle

    def get_urls(self):
        name = self._url_name("publication").removeprefix("admin:")
        view = self.admin_site.admin_view(require_POST(self.publication_view))
        return [path("<path:object_id>/publication/", view, name=name), *super().get_urls()]

    def publication_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The list's one-click toggle: POST published=1 or 0."""
        if not self.has_publish_permission(request):
            raise PermissionDenied
        article = self.get_object(request, unquote(object_id))
        if article is None:
            # As Django's own change view answers a missing object (through a private helper
            # of ModelAdmin's, which this module does not call).
            missing = f"{self.opts.verbose_name} with ID “{unquote(object_id)}” doesn’t exist."
            self.message_user(request, f"{missing} Perhaps it was deleted?", messages.WARNING)
            return HttpResponseRedirect(reverse("admin:index", current_app=self.admin_site.name))
        wanted = request.POST.get("published")
        if wanted not in ("0", "1"):
            return HttpResponseBadRequest("published must be 1 or 0")
        if publishing.set_publication([article], wanted == "1", by=request.user):
            self.message_user(request, *publication_message(article, wanted == "1"))
        elif wanted == "1":
            self.message_user(request, *publication_message(article, True, already=True))
        else:
            self.message_user(request, f"“{article}” was already unpublished.", messages.INFO)
        return HttpResponseRedirect(self._back_to_list(request))

    def _back_to_list(self, request: HttpRequest) -> str:
        return back_to_list(request, reverse(self._url_name("changelist")))

    # The form

    def save_model(self, request, obj: Article, form, change: bool) -> None:
        """Publication goes through the service; any other edited field is saved as usual.

        Once everything is saved, an editor who (un)published the story, or changed when a
        published story shows, is told what readers now get."""
        changed = [name for name in form.changed_data if name not in self.service_fields]
        if changed:
            obj.edited_at = timezone.now()  # the story's page changed: its sitemap entry says so
            # Saving moves the content version on (articles.content).
            obj.save(update_fields=[*changed, "edited_at"])
        published = "published" in form.changed_data and publishing.set_publication(
            [obj], obj.published, by=request.user
        )
        rescheduled = self.save_other_service_fields(request, obj, form)
        if published or (rescheduled and obj.published):
            self.message_user(request, *publication_message(obj, obj.published))

    def save_other_service_fields(self, request, obj: Article, form) -> bool:
        """Save the form's service fields other than Published; returns whether one that
        decides when readers see a published story changed. None here."""
        return False

    def construct_change_message(self, request, form, formsets, add=False):
        # "Published"/"Unpublished" (and the schedule, the lead) is recorded by the service,
        # not as a changed field.
        labels = {form.fields[name].label for name in self.service_fields if name in form.fields}
        message = super().construct_change_message(request, form, formsets, add)
        for part in message:
            fields = part.get("changed", {}).get("fields")
            if fields:
                fields[:] = [field for field in fields if field not in labels]
        return [p for p in message if "changed" not in p or p["changed"].get("fields")]

    def log_change(self, request, obj, message):
        if message:  # a save that only (un)published is already in the history
            return super().log_change(request, obj, message)
        return None

    # The bulk actions

    @admin.action(description="Publish selected stories", permissions=["publish"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Article]):
        return self._bulk_publication(request, queryset, True)

    @admin.action(description="Unpublish selected stories", permissions=["publish"])
    def unpublish_selected(self, request: HttpRequest, queryset: QuerySet[Article]):
        return self._bulk_publication(request, queryset, False)

    def _bulk_publication(self, request: HttpRequest, queryset: QuerySet[Article], value: bool):
        """Ask first (how many stories change), then publish or unpublish and say so; when
        none would change, say so at once instead of asking."""
        verb = "publish" if value else "unpublish"
        if request.POST.get("post") != "yes":
            to_change = queryset.exclude(published=value)
            count = to_change.count()
            if count:
                return self._confirm(request, queryset, to_change, count, verb)
            text = nothing_to_change_message(queryset.count(), verb)
            self._bulk_message(request, queryset, value, text, messages.INFO)
            return None
        # The selection as it is now: publishing may take stories out of the list's filter
        # (published: no), and the message speaks of every one selected.
        selection = list(queryset.values_list("pk", flat=True))
        selected = len(selection)
        changed = len(publishing.set_publication(queryset, value, by=request.user))
        if not changed:
            text = nothing_to_change_message(selected, verb)
            self._bulk_message(request, selection, value, text, messages.INFO)
            return None
        text = f"{n_stories(changed)} {verb}ed."
        if selected > changed:
            left = selected - changed
            as_they_were = "it was" if left == 1 else "they were"
            text += f" {n_stories(left)} already {verb}ed, left as {as_they_were}."
        self._bulk_message(request, selection, value, text, messages.SUCCESS)
        return None

    def _bulk_message(
        self,
        request: HttpRequest,
        selection: QuerySet[Article] | list[int],
        published: bool,
        text: str,
        level: int,
    ) -> None:
        """The bulk action's message; after publishing, with what readers cannot see yet
        (in the same message) or any more (a warning of its own)."""
        note, warning = hidden_messages(selection) if published else ("", "")
        self.message_user(request, f"{text} {note}" if note else text, level)
        if warning:
            self.message_user(request, warning, messages.WARNING)

    def _confirm(
        self,
        request: HttpRequest,
        queryset: QuerySet[Article],
        to_change: QuerySet[Article],
        count: int,
        verb: str,
    ) -> TemplateResponse:
        return self.action_page(
            request,
            CONFIRM_TEMPLATE,
            to_change,
            title=f"{verb.capitalize()} {n_stories(count)}?",
            verb=verb,
            count=count,
            unchanged=queryset.count() - count,
        )

    def action_page(
        self,
        request: HttpRequest,
        template: str,
        examples: QuerySet[Article],
        **context: object,
    ) -> TemplateResponse:
        """A bulk action's intermediate page (a confirmation, a form): the admin's frame, the
        first 20 stories it concerns, and the selection posted again when it is submitted."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "examples": examples.select_related(None)
            .prefetch_related(None)
            .only(*HEADLINE_FIELDS)[:20],
            "action": request.POST.get("action", ""),
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across") == "1",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            **context,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, template, context)
