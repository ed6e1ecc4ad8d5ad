"""The editors' headline and summary as stored, one rule for every writer (the admin's form,
the model's save, the importer's editorial mapping): no database, no Django."""

from __future__ import annotations


def clean_override(text: str | None) -> str:
    """An editor's headline or summary as stored: trimmed, "" when blank or only spaces."""
    return (text or "").strip()
