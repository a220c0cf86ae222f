from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "saas_manager.imports"
    label = "imports"
    verbose_name = "Imports"
