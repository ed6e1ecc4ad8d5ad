"""Two editors on one story: a form saves only what its editor changed, and refuses a change
that another editor made to the same field meanwhile.

Django's admin compares a submitted form with the row as it is when the form comes back, not
with what the editor was shown. So when editor B unpublished a story (a takedown) while
editor A had its form open, A's save of a new headline sent back "published: yes", which
differed from the row, and published the story again, recorded as A's doing.

:class:`ShownValuesForm` has each of the row's fields carry the value the editor was shown, as
a hidden input beside it (Django's own ``show_hidden_initial``), and then:

- a field the editor did not change keeps the row's value as it is now, whoever set it, and
  is not saved (``changed_data`` names what the editor changed, so the desk's ``save_model``
  writes and records only that);
- a field the editor changed, that someone else changed too since the form was shown, to
  another value, refuses the save: the field says who changed it, when, and what it is now
  (from the story's history), and nothing is saved.

A form posted without those hidden inputs (an old page, a script) is compared with the row,
as Django does.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator


class ShownValuesForm(forms.ModelForm):
    """A model form that tells the editor's own changes from the row's (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = {field.name for field in self.instance._meta.concrete_fields}
        for name, field in self.fields.items():
            if name not in own or isinstance(field, forms.FileField):
                continue  # an action of the form (an upload, a box to tick), not a value
            if not self.is_bound or self._shown_value_posted(name):
                field.show_hidden_initial = True

    def _shown_value_posted(self, name: str) -> bool:
        """Whether the form came back with the value its editor was shown (a split widget,
        such as a date and a time, sends it in parts: ``_0``, ``_1``)."""
        initial_name = self.add_initial_prefix(name)
        return initial_name in self.data or f"{initial_name}_0" in self.data

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        changed = set(self.changed_data)
        for name, field in self.fields.items():
            if not field.show_hidden_initial or name not in cleaned:
                continue
            if name not in changed:
                cleaned[name] = self.initial.get(name)  # the row's value, as it is now
            elif self._changed_meanwhile(name) and field.has_changed(
                self.initial.get(name), self[name].data
            ):
                self.add_error(name, self._conflict(name))
        return cleaned

    def _changed_meanwhile(self, name: str) -> bool:
        """Whether the row's value now differs from the one the editor was shown."""
        field, bound = self.fields[name], self[name]
        shown = field.hidden_widget().value_from_datadict(
            self.data, self.files, bound.html_initial_name
        )
        return field.has_changed(self.initial.get(name), shown)

    def _conflict(self, name: str) -> str:
        label = self.fields[name].label or name
        now = describe(self.initial.get(name))
        entry = last_entry(self.instance)
        if entry is None:
            by = "by someone else"
        else:
            who = entry.user.get_full_name() or entry.user.get_username()
            when = date_format(timezone.localtime(entry.action_time), "DATETIME_FORMAT")
            by = f"by {who} at {when} (“{entry.get_change_message() or 'changed'}”)"
        return (
            f"{label} was changed {by} after you opened this story; it is now {now}. "
            "Nothing was saved: reload the story to see it as it is, then make your change again."
        )


def describe(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value in (None, ""):
        return "blank"
    if hasattr(value, "tzinfo"):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    return f"“{Truncator(str(value)).chars(80)}”"


def last_entry(obj: Any) -> LogEntry | None:
    """The newest entry of the object's history, with its author."""
    return (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
        )
        .select_related("user")
        .order_by("-action_time", "-pk")
        .first()
    )
