from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "saas_manager.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from saas_manager.hosting.lifecycle import state_changed
        from saas_manager.notifications.signals import notify_state_change

        state_changed.connect(
            notify_state_change, dispatch_uid="saas_manager.notifications.state"
        )
