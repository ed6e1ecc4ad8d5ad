"""Pieces of the editors' article list that keep it fast with 100,000 stories and more.

- :class:`AutocompleteFilter`: filter by provider or topic by typing a name, instead of a
  sidebar with thousands of links.
- :class:`LargeGroupFilter`: a large category listed newest first without sorting it.
- :class:`EstimatedCountPaginator`: on PostgreSQL, the unfiltered list takes its total from
  the planner's estimate instead of counting every row on each page view.
- :func:`date_drilldown`: the source-date drill-down (years, months, days), found with one
  index probe per period instead of truncating the date of every row.
- :func:`search_articles`: the list's search, written so that indexes can serve it.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import F, Q, QuerySet, Subquery
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst, smart_split, unescape_string_literal

from .models import Provider


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
    sorts all its stories by date: reading some 14,000 rows for a category of a
    100,000-story site. When the category is large (counted on that index first), the
    filter compares ``category_id + 0``, which no index serves, so SQLite walks the date
    index instead and stops after one page, and counts on the foreign-key index alone.
    Small categories, other filters and PostgreSQL (whose planner weighs both plans) keep
    the plain comparison.
    """

    LARGE = 2_000

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


# Below this many rows an exact count is cheap, and an estimate would show wrong small numbers.
ESTIMATE_ABOVE = 10_000


class EstimatedCountPaginator(Paginator):
    """A paginator that does not count the whole table when the list is unfiltered.

    PostgreSQL counts rows by reading them all; its planner keeps an estimate
    (``pg_class.reltuples``, refreshed by autovacuum) that is close enough to number the
    pages. Filtered lists, small tables and other databases are counted exactly.

    With ``count_limit`` (the admin sets it for searches), a filtered list is counted only up
    to that many rows, and ``capped`` tells that there are more: a common word matches most
    stories, and counting them all would read them all. Below the limit, the matching ids
    found while counting select the rows of the page.
    """

    def __init__(self, *args, count_limit: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_limit = count_limit
        self.capped = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        if not queryset.query.where:
            estimate = estimated_rows(queryset)
            if estimate is not None and estimate > ESTIMATE_ABOVE:
                return estimate
        elif self.count_limit is not None:
            ids = list(queryset.order_by().values_list("pk", flat=True)[: self.count_limit + 1])
            self.capped = len(ids) > self.count_limit
            if not self.capped:
                # Few matches: list them by id, rather than walk every story in date order
                # looking for them (a rare word would read the whole table twice).
                self.object_list = queryset.filter(pk__in=ids)
            return min(len(ids), self.count_limit)
        return super().count


def estimated_rows(queryset: QuerySet) -> int | None:
    """The planner's row estimate for the queryset's table on PostgreSQL, else None."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(queryset.model._meta.db_table)],
        )
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None and row[0] >= 0 else None


# --- Date drill-down --------------------------------------------------------------------------


def date_drilldown(cl: ChangeList) -> dict:
    """The context of ``admin/date_hierarchy.html`` for the list's ``date_hierarchy``.

    Django's own tag lists the years (or months, days) by truncating the date of every row
    in the list: a full scan at 100,000 stories. Here the first and last dates come from the
    date index, then a single query asks, period by period, whether any story of the list
    falls in it (an index range probe each): at most two queries, whatever the row count.
    """
    field = cl.date_hierarchy
    keys = {part: f"{field}__{part}" for part in ("year", "month", "day")}
    try:
        year, month, day = (int(cl.params.get(keys[p]) or 0) or None for p in keys)
        if day:
            datetime(year, month, day)
        elif month:
            datetime(year, month, 1)
    except (TypeError, ValueError):
        return {"show": False}
    # A search is a scan of every row; offering the periods of the unsearched list instead
    # keeps the drill-down on the index (a period may then hold no match).
    queryset = (cl.root_queryset if cl.query else cl.queryset).order_by()

    def link(filters: dict) -> str:
        return cl.get_query_string(filters, [f"{field}__"])

    if not year:
        first, last = date_bounds(queryset, field)
        if first is None:
            return {"show": True, "choices": []}
        if first.year != last.year:
            years = [datetime(y, 1, 1) for y in range(first.year, last.year + 1)]
            return {
                "show": True,
                "choices": [
                    {"link": link({keys["year"]: start.year}), "title": str(start.year)}
                    for start in periods_with_rows(queryset, field, years, "year")
                ],
            }
        year, month = first.year, (first.month if first.month == last.month else None)
    if day:
        date = datetime(year, month, day)
        return {
            "show": True,
            "back": {
                "link": link({keys["year"]: year, keys["month"]: month}),
                "title": capfirst(formats.date_format(date, "YEAR_MONTH_FORMAT")),
            },
            "choices": [{"title": capfirst(formats.date_format(date, "MONTH_DAY_FORMAT"))}],
        }
    if month:
        days = [datetime(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]
        return {
            "show": True,
            "back": {"link": link({keys["year"]: year}), "title": str(year)},
            "choices": [
                {
                    "link": link({keys["year"]: year, keys["month"]: month, keys["day"]: d.day}),
                    "title": capfirst(formats.date_format(d, "MONTH_DAY_FORMAT")),
                }
                for d in periods_with_rows(queryset, field, days, "day")
            ],
        }
    months = [datetime(year, m, 1) for m in range(1, 13)]
    return {
        "show": True,
        "back": {"link": link({}), "title": "All dates"},
        "choices": [
            {
                "link": link({keys["year"]: year, keys["month"]: start.month}),
                "title": capfirst(formats.date_format(start, "YEAR_MONTH_FORMAT")),
            }
            for start in periods_with_rows(queryset, field, months, "month")
        ],
    }


def date_bounds(queryset: QuerySet, field: str) -> tuple[datetime | None, datetime | None]:
    """The earliest and latest date in the list (local time), read off the date index."""
    dated = queryset.filter(**{f"{field}__isnull": False}).values_list(field, flat=True)
    row = (
        queryset.model._default_manager.order_by()
        .annotate(
            first=Subquery(dated.order_by(field)[:1]),
            last=Subquery(dated.order_by(f"-{field}")[:1]),
        )
        .values_list("first", "last")[:1]
    )
    first, last = next(iter(row), (None, None))
    if first is None or last is None:
        return None, None
    return timezone.localtime(first), timezone.localtime(last)


def periods_with_rows(
    queryset: QuerySet, field: str, starts: list[datetime], kind: str
) -> list[datetime]:
    """Those of the periods (years, months or days, given by their start) with any row."""
    tz = timezone.get_current_timezone()
    probes = {}
    for i, start in enumerate(starts):
        if kind == "year":
            end = start.replace(year=start.year + 1)
        elif kind == "month":
            end = (start + timedelta(days=32)).replace(day=1)
        else:
            end = start + timedelta(days=1)
        in_period = {
            f"{field}__gte": timezone.make_aware(start, tz),
            f"{field}__lt": timezone.make_aware(end, tz),
        }
        # "The first date in the period", not EXISTS: an ordered LIMIT 1 is what makes
        # PostgreSQL walk the date index rather than scan the table for a match.
        first = queryset.filter(**in_period).order_by(field).values_list(field)[:1]
        probes[f"p{i}"] = Subquery(first)
    row = queryset.model._default_manager.order_by().annotate(**probes).values_list(*probes)[:1]
    firsts = next(iter(row), ())
    return [start for start, first in zip(starts, firsts, strict=False) if first is not None]


# --- Distinct values -------------------------------------------------------------------------


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


# --- Search ----------------------------------------------------------------------------------


def search_articles(queryset: QuerySet, search_term: str) -> QuerySet:
    """Each word (or "quoted phrase") must appear in the title, the excerpt, the source
    address, or the provider's name or domain; case does not matter.

    Providers are looked up first (a small table) and matched by id, so the article table is
    filtered on its own columns without a join: on PostgreSQL the trigram indexes on title,
    excerpt and address (migration 0005) and the provider index then serve the search.
    """
    for word in smart_split(search_term):
        if word[0] in "\"'" and word[0] == word[-1] and len(word) > 1:
            word = unescape_string_literal(word)
        if not word:
            continue
        providers = list(
            Provider.objects.filter(Q(name__icontains=word) | Q(domain__icontains=word))
            .order_by()
            .values_list("pk", flat=True)
        )
        matches = Q(title__icontains=word) | Q(excerpt__icontains=word) | Q(url__icontains=word)
        if providers:
            matches |= Q(provider_id__in=providers)
        queryset = queryset.filter(matches)
    return queryset
