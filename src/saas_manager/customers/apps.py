from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "saas_manager.customers"
    label = "customers"
    verbose_name = "Customers"
