"""The source-date drill-down of the article list (years, months, days), found with index
probes instead of truncating the date of every row."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet, Subquery
from django.utils import formats, timezone
from django.utils.text import capfirst


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
