"""The full-text index's tables (see :mod:`articles.search.index`; its view and triggers are
created after ``migrate``, which then fills the index).

- SQLite: the FTS5 table ``articles_search`` (stemming ``porter`` over ``unicode61`` with
  diacritics removed; its content is the view, so it keeps no copy of the text).
- PostgreSQL: the text search configuration ``newsroom`` (English stemming after
  ``unaccent``), and ``articles_search``: a weighted document per story with a GIN index, and
  the small vectors of the headline and of the excerpt, topics and provider, which sort the
  matches into the ranking's tiers. The trigram indexes on title and excerpt (0005) go: the
  admin's search reads this index instead (the one on the address stays, for addresses).
"""

from django.db import migrations

SQLITE = [
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS articles_search USING fts5(
        headline, excerpt, body, topics, provider,
        content='articles_search_source', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
]
SQLITE_DROP = ["DROP TABLE IF EXISTS articles_search"]

POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """
    DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'newsroom') THEN
            CREATE TEXT SEARCH CONFIGURATION newsroom (COPY = english);
            ALTER TEXT SEARCH CONFIGURATION newsroom
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
        END IF;
    END $$
    """,
    """
    CREATE TABLE IF NOT EXISTS articles_search (
        article_id bigint PRIMARY KEY,
        headline tsvector NOT NULL,
        summary tsvector NOT NULL,
        document tsvector NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS articles_search_document ON articles_search USING gin (document)",
    # A search joins matches to their stories: this index answers "published" for each
    # without reading the story's row.
    "CREATE INDEX IF NOT EXISTS article_search_published ON articles_article (id) "
    "INCLUDE (published_at) WHERE published",
    "DROP INDEX IF EXISTS article_title_trgm",
    "DROP INDEX IF EXISTS article_excerpt_trgm",
]
POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS article_search_published",
    *(
        f"CREATE INDEX IF NOT EXISTS article_{column}_trgm ON articles_article "
        f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        for column in ("title", "excerpt")
    ),
    "DROP TABLE IF EXISTS articles_search",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS newsroom",
]


def run(statements):
    def operation(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for statement in statements.get(vendor, []):
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_desk_schedule_overrides_featured")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            run({"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}),
            elidable=False,
        )
    ]
