from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "saas_manager.notifications"
    label = "notifications"
    verbose_name = "Notifications"
