"""The two desk roles: "Editors" may publish; "Reviewers" may only look.

Permissions are normally created after all migrations have run; they are created here first
so that the groups can be given them on a fresh database.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_DESK = [
    ("articles", "view_article"),
    ("articles", "view_articleimage"),
    ("articles", "view_relatedlink"),
    ("articles", "view_provider"),
    ("articles", "view_topic"),
    ("articles", "view_category"),
]
GROUPS = {
    "Editors": VIEW_DESK + [("articles", "change_article"), ("articles", "publish_article")],
    "Reviewers": VIEW_DESK,
}


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in codenames:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_publish_permission"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
