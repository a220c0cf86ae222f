import logging

from saas_manager.notifications.services import notify_instance_event

logger = logging.getLogger(__name__)


def notify_state_change(sender, event, **kwargs) -> None:
    """Store the notifications of a committed change of state.

    It runs after the commit, so a failure here must not reach the caller,
    whose change is already stored: the next automation run stores the
    notifications that are missing.
    """
    try:
        notify_instance_event(event)
    except Exception:
        logger.exception(
            "Storing the notifications of instance event %s failed", event.pk
        )
