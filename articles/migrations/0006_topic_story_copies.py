"""Each topic row carries a copy of its story's ``published`` and ``published_at``, kept true
by the database, so a topic page walks one index newest first (``article_topic_latest``)
instead of sorting every story of the topic on each request.

Two triggers keep the copy, on SQLite and on PostgreSQL alike (their SQL is in
``articles/triggers.py``, which also creates them again after every ``migrate``):

- a topic row inserted without a date gets both values from its story (``topics.add()``,
  and the importer for stories that already existed);
- a story whose ``published`` or ``published_at`` changes (an editor's decision, a re-import)
  passes them to its topic rows, whatever code made the change.
"""

from django.db import migrations, models

from articles import triggers



def create_triggers(apps, schema_editor):
    triggers.install(schema_editor.connection)


def drop_triggers(apps, schema_editor):
    triggers.uninstall(schema_editor.connection)


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
        migrations.RunSQL(triggers.FILL, migrations.RunSQL.noop, elidable=False),
        migrations.AddIndex(
            model_name="articletopic",
            index=models.Index(
                condition=models.Q(("published", True)),
                fields=["topic", "-published_at", "-article"],
                name="article_topic_latest",
            ),
        ),
    ]
