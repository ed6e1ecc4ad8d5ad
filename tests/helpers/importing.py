"""Running the importer in a test: its summary and the lines it reported."""

from __future__ import annotations

from articles.ingest.importer import import_seeds


def run(*paths, **kwargs):
    errors: list[tuple[str, str]] = []
    summary = import_seeds(paths, on_error=lambda p, r: errors.append((p, r)), **kwargs)
    return summary, errors


def writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "COPY"))
    ]
