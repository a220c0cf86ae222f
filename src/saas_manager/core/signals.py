from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

from saas_manager.core.roles import sync_groups


def sync_groups_after_migrate(sender, apps=global_apps, using="default", **kwargs):
    """Set the groups to the role table once every app's permissions exist."""
    # `apps` is the migration state, whose apps are named by label only.
    if not global_apps.is_installed("django.contrib.auth"):
        return
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    sync_groups(
        global_apps.get_model("auth", "Group"),
        global_apps.get_model("auth", "Permission"),
        global_apps.get_model("contenttypes", "ContentType"),
    )
