from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "saas_manager.automation"
    label = "automation"
    verbose_name = "Automation"

    def ready(self) -> None:
        from saas_manager.automation import checks  # noqa: F401
