from django.contrib.auth.management import create_permissions
from django.db import migrations

from saas_manager.core.roles import GROUP_PERMISSIONS, sync_groups


def create_groups(apps, schema_editor):
    # Permissions are normally made after the last migration; the groups need
    # them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_groups(
        apps.get_model("auth", "Group"),
        apps.get_model("auth", "Permission"),
        apps.get_model("contenttypes", "ContentType"),
    )


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=list(GROUP_PERMISSIONS)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0001_initial"),
        ("catalog", "0001_initial"),
        ("hosting", "0001_initial"),
        ("billing", "0001_initial"),
        ("imports", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
