from django.apps import AppConfig


class HostingConfig(AppConfig):
    name = "saas_manager.hosting"
    label = "hosting"
    verbose_name = "Hosting"
