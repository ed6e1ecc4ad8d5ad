"""The admin lists accept only the query parameters their own controls send.

Django's admin lets a list's query string filter on any lookup of the model's own fields
(``ModelAdmin.lookup_allowed`` allows every local field), not only the filters the list shows.
That let any staff member run ``?title__regex=^(\\w+\\s?)*!$`` (on SQLite a Python regular
expression per row, holding a worker for as long as it takes) and read, one yes-or-no at a
time, columns the desk never shows: ``?id__exact=7&secured__regex=^C[A-M]`` tells by whether
the row is listed (docs/SECURITY.md).

:class:`StrictChangeList` lets Django's filters take the parameters they read (each filter
removes its own from the query string: ``published__exact``, ``provider__id__exact``, a
``SimpleListFilter``'s ``parameter_name``, the date filter's bounds), and the date drill-down
its year, month and day; any parameter left over is refused with Django's 400
(``DisallowedModelAdminLookup``), before any query runs. Search (``q``), ordering (``o``), the
page (``p``) and the admin's own flags (``_popup``, ``_to_field``, ``e``) are Django's ignored
parameters and never reach the filters. Every ModelAdmin of ours uses it through
:class:`StrictLookupsAdmin`.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.views.main import ChangeList
from django.http import HttpRequest


class StrictChangeList(ChangeList):
    """A change list that refuses any filter parameter its filters and drill-down leave."""

    def get_filters(self, request: HttpRequest):
        specs, has_filters, remaining, duplicates, active = super().get_filters(request)
        unused = set(remaining) - self._drilldown_bounds()
        if unused:
            raise DisallowedModelAdminLookup(f"Filtering by {min(unused)} not allowed")
        return specs, has_filters, remaining, duplicates, active

    def _drilldown_bounds(self) -> set[str]:
        """The bounds Django's date drill-down puts in place of its year (month, day)."""
        field = self.date_hierarchy
        if field and f"{field}__year" in self.get_filters_params():
            return {f"{field}__gte", f"{field}__lt"}
        return set()


class StrictLookupsAdmin(admin.ModelAdmin):
    """A ModelAdmin whose list takes only its own filters' parameters (see the module)."""

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return StrictChangeList
