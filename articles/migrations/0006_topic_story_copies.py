"""Each topic row carries a copy of its story's ``published`` and ``published_at``, kept true
by the database, so a topic page walks one index newest first (``article_topic_latest``)
instead of sorting every story of the topic on each request.

Two triggers keep the copy, on SQLite and on PostgreSQL alike. They are not created here but
by ``articles/triggers.py`` after every ``migrate`` (which also fills the copies), so that no
later migration in the same plan meets them; going back past this migration drops them.
"""


from django.db import migrations, models

# Frozen here: what ``articles/triggers.py`` creates may change in later releases.
DROP = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS article_topic_copy_on_insert",
        "DROP TRIGGER IF EXISTS article_topic_copy_on_update",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS article_topic_copy_on_insert ON articles_articletopic",
        "DROP TRIGGER IF EXISTS article_topic_copy_on_update ON articles_article",
        "DROP FUNCTION IF EXISTS article_topic_copy_on_insert()",
        "DROP FUNCTION IF EXISTS article_topic_copy_on_update()",
    ],
}


def drop_triggers(apps, schema_editor):
    for statement in DROP.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


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
        # The triggers and the copies: after migrate (articles/triggers.py).
        migrations.RunPython(migrations.RunPython.noop, drop_triggers, elidable=False),
        migrations.AddIndex(
            model_name="articletopic",
            index=models.Index(
                condition=models.Q(("published", True)),
                fields=["topic", "-published_at", "-article"],
                name="article_topic_latest",
            ),
        ),
    ]
