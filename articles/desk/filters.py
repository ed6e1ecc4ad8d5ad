"""The article list's filters, fit for 100,000 stories and more.

- :class:`AutocompleteFilter`: filter by provider or topic by typing a name, instead of a
  sidebar with thousands of links.
- :class:`LargeGroupFilter`: a large category listed newest first without sorting it; stories
  without a category under "No category".
- :class:`DistinctValuesFilter`: a column's values listed with one index lookup each.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import connections
from django.db.models import F


class AutocompleteFilter(admin.RelatedFieldListFilter):
    """Filter on a related provider or topic, picked from a search-as-you-type box.

    It uses the admin's own autocomplete (the related model's admin needs ``search_fields``),
    and keeps the usual ``<field>__id__exact`` parameter, so links such as
    ``?provider__id__exact=7`` from the providers' page select it.
    """

    template = "admin/articles/autocomplete_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.app_label = model._meta.app_label
        self.model_name = model._meta.model_name
        self.title = field.related_model._meta.verbose_name  # "topic", not "topics"

    def has_output(self) -> bool:
        return True

    def field_choices(self, field, request, model_admin) -> list[tuple[object, str]]:
        # Only the selected entry is needed, to show it in the box.
        selected = [value for value in (self.lookup_val or []) if str(value).isdigit()]
        if not selected:
            return []
        return field.get_choices(include_blank=False, limit_choices_to={"pk__in": selected})

    @property
    def selected_choice(self) -> tuple[object, str] | None:
        return self.lookup_choices[0] if self.lookup_choices else None


class LargeGroupFilter(admin.RelatedFieldListFilter):
    """Filter on a related category; on SQLite, a large category is read in date order.

    SQLite answers "category 2, newest first" from the category's foreign-key index, then
    sorts all its stories by date: every row of a large category, for one page of 50
    (docs/PERFORMANCE.md). When the category is large (counted on that index first), the
    filter compares ``category_id + 0``, which no index serves, so SQLite walks the date
    index instead and stops after one page, and counts on the foreign-key index alone.
    Small categories, other filters and PostgreSQL (whose planner weighs both plans) keep
    the plain comparison.
    """

    LARGE = 2_000

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        # The entry for stories without one, in words rather than the admin's "-".
        self.empty_value_display = f"No {field.verbose_name}"

    def queryset(self, request, queryset):
        values = self.lookup_val or []
        if (
            connections[queryset.db].vendor == "sqlite"
            and len(values) == 1
            and str(values[0]).isdigit()
            and not self.lookup_val_isnull
        ):
            column = self.field.attname
            value = int(values[0])
            size = queryset.model._default_manager.filter(**{column: value}).count()
            if size > self.LARGE:
                return queryset.alias(group_key=F(column) + 0).filter(group_key=value)
        return super().queryset(request, queryset)


class DistinctValuesFilter(admin.AllValuesFieldListFilter):
    """Django's filter by each value of a column, listing the values with an index skip scan.

    ``SELECT DISTINCT`` reads every row (or every index entry); here each next value is one
    index lookup (``MIN(column) WHERE column > previous``), in a recursive query, so a
    column with three values costs four lookups at any table size. The column needs an index
    that leads with it.
    """

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        # Instead of Django's (lazy, never evaluated) DISTINCT queryset:
        self.lookup_choices = distinct_values(model, field.column)


def distinct_values(model: type, column: str) -> list:
    """The distinct non-null values of a column, in order, one index lookup per value."""
    connection = connections[model.objects.db]
    table, column = (connection.ops.quote_name(n) for n in (model._meta.db_table, column))
    sql = (
        f"WITH RECURSIVE v(value) AS ("
        f" SELECT MIN({column}) FROM {table}"
        f" UNION ALL SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > v.value)"
        f" FROM v WHERE v.value IS NOT NULL"
        f") SELECT value FROM v WHERE value IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]
