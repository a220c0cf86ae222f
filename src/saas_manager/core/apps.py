from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "saas_manager.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from saas_manager.core import checks  # noqa: F401
        from saas_manager.core.signals import sync_groups_after_migrate

        post_migrate.connect(
            sync_groups_after_migrate,
            sender=self,
            dispatch_uid="saas_manager.core.sync_groups",
        )
