"""Each topic row carries a copy of its story's ``published`` and ``published_at``, kept true
by the database, so a topic page walks one index newest first (``article_topic_latest``)
instead of sorting every story of the topic on each request.

Two triggers keep the copy, on SQLite and on PostgreSQL alike:

- a topic row inserted without a date gets both values from its story (``topics.add()``,
  and the importer for stories that already existed);
- a story whose ``published`` or ``published_at`` changes (an editor's decision, a re-import)
  passes them to its topic rows, whatever code made the change.
"""

from django.db import migrations, models

SQLITE = [
    """
    CREATE TRIGGER article_topic_copy_on_insert AFTER INSERT ON articles_articletopic
    FOR EACH ROW WHEN NEW.published_at IS NULL
    BEGIN
        UPDATE articles_articletopic
        SET published = (SELECT published FROM articles_article WHERE id = NEW.article_id),
            published_at = (SELECT published_at FROM articles_article WHERE id = NEW.article_id)
        WHERE id = NEW.id;
    END
    """,
    """
    CREATE TRIGGER article_topic_copy_on_update
    AFTER UPDATE OF published, published_at ON articles_article
    FOR EACH ROW WHEN NEW.published IS NOT OLD.published
        OR NEW.published_at IS NOT OLD.published_at
    BEGIN
        UPDATE articles_articletopic
        SET published = NEW.published, published_at = NEW.published_at
        WHERE article_id = NEW.id;
    END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS article_topic_copy_on_insert",
    "DROP TRIGGER IF EXISTS article_topic_copy_on_update",
]

POSTGRESQL = [
    """
    CREATE FUNCTION article_topic_copy_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        SELECT published, published_at INTO NEW.published, NEW.published_at
        FROM articles_article WHERE id = NEW.article_id FOR SHARE;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER article_topic_copy_on_insert BEFORE INSERT ON articles_articletopic
    FOR EACH ROW WHEN (NEW.published_at IS NULL)
    EXECUTE FUNCTION article_topic_copy_on_insert()
    """,
    """
    CREATE FUNCTION article_topic_copy_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE articles_articletopic
        SET published = NEW.published, published_at = NEW.published_at
        WHERE article_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER article_topic_copy_on_update
    AFTER UPDATE OF published, published_at ON articles_article
    FOR EACH ROW WHEN (NEW.published IS DISTINCT FROM OLD.published
        OR NEW.published_at IS DISTINCT FROM OLD.published_at)
    EXECUTE FUNCTION article_topic_copy_on_update()
    """,
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS article_topic_copy_on_insert ON articles_articletopic",
    "DROP TRIGGER IF EXISTS article_topic_copy_on_update ON articles_article",
    "DROP FUNCTION IF EXISTS article_topic_copy_on_insert()",
    "DROP FUNCTION IF EXISTS article_topic_copy_on_update()",
]

FILL = """
UPDATE articles_articletopic
SET published = (SELECT published FROM articles_article WHERE id = article_id),
    published_at = (SELECT published_at FROM articles_article WHERE id = article_id)
"""


def _run(schema_editor, statements: dict[str, list[str]]) -> None:
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def create_triggers(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE, "postgresql": POSTGRESQL})


def drop_triggers(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP})


class Migration(migrations.Migration):
    dependencies = [("articles", "0005_search_trigram_indexes")]

    operations = [
        migrations.AddField(
            model_name="articletopic",
            name="published",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="articletopic",
            name="published_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        # Triggers first: a story published while the copy is filled reaches its rows.
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
        migrations.RunSQL(FILL, migrations.RunSQL.noop, elidable=False),
        migrations.AddIndex(
            model_name="articletopic",
            index=models.Index(
                condition=models.Q(("published", True)),
                fields=["topic", "-published_at", "-article"],
                name="article_topic_latest",
            ),
        ),
    ]
