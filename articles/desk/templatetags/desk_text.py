"""Template filters for the admin's own pages: numbers and durations in words."""

from __future__ import annotations

from datetime import timedelta

from django import template

register = template.Library()


def quantity(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


@register.filter
def duration_in_words(delta: timedelta | None) -> str:
    """``timedelta(minutes=15)`` as "15 minutes"; "1 hour and 30 minutes"; "45 seconds"."""
    if delta is None:
        return ""
    seconds = max(round(delta.total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [
        quantity(value, unit)
        for value, unit in ((hours, "hour"), (minutes, "minute"), (seconds, "second"))
        if value
    ]
    if not parts:
        return "a moment"
    return " and ".join([", ".join(parts[:-1]), parts[-1]]) if len(parts) > 1 else parts[0]
