from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "saas_manager.catalog"
    label = "catalog"
    verbose_name = "Catalog"
