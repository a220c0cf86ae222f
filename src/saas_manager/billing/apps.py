from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "saas_manager.billing"
    label = "billing"
    verbose_name = "Billing"
