"""PostgreSQL only: trigram indexes for the admin's search (``icontains`` on title, excerpt
and source address), so a search reads the index instead of every story.

Django compares ``UPPER(column::text) LIKE UPPER(pattern)``; the indexes are built on that
same expression. On other databases this migration does nothing.
"""

from django.db import migrations

COLUMNS = ("title", "excerpt", "url")


def index_name(column: str) -> str:
    return f"article_{column}_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {index_name(column)} ON articles_article '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index_name(column)}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0004_admin_list_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
