"""The recipients of each event: contacts by role, and staff."""

from dataclasses import dataclass

from saas_manager.notifications.models import Audience, NotificationEvent

BILLING = "billing"
TECHNICAL = "technical"


@dataclass(frozen=True)
class EventAudience:
    """The contact roles notified of an event. No role means staff only."""

    contact_roles: tuple[str, ...]
    staff: bool = True

    @property
    def groups(self) -> list[str]:
        groups: list[str] = [Audience.CUSTOMER] if self.contact_roles else []
        if self.staff:
            groups.append(Audience.STAFF)
        return groups


# Notices about money go to billing contacts; notices that change whether the
# database can be used go to technical contacts as well.
AUDIENCES: dict[str, EventAudience] = {
    NotificationEvent.TRIAL_REMINDER: EventAudience((BILLING,)),
    NotificationEvent.TRIAL_EXPIRED: EventAudience((BILLING, TECHNICAL)),
    NotificationEvent.PAYMENT_REMINDER: EventAudience((BILLING,)),
    NotificationEvent.SUSPENDED_OVERDUE: EventAudience((BILLING, TECHNICAL)),
    NotificationEvent.REACTIVATED: EventAudience((BILLING, TECHNICAL)),
    NotificationEvent.TERMINATION_WARNING: EventAudience((BILLING, TECHNICAL)),
    NotificationEvent.TERMINATED: EventAudience((BILLING, TECHNICAL)),
    NotificationEvent.PAYMENT_ON_TERMINATED: EventAudience(()),
    NotificationEvent.ALERT_PROVISIONING_TIMEOUT: EventAudience(()),
    NotificationEvent.ALERT_PAYMENT_PENDING: EventAudience(()),
    NotificationEvent.ALERT_USERS_OVER_LIMIT: EventAudience(()),
    NotificationEvent.ALERT_STORAGE_OVER_LIMIT: EventAudience(()),
    NotificationEvent.ALERT_STORAGE_HIGH: EventAudience(()),
    NotificationEvent.ALERT_BACKUP_OUTDATED: EventAudience(()),
}


def _distinct(addresses) -> list[str]:
    seen: dict[str, str] = {}
    for address in addresses:
        if address and address.lower() not in seen:
            seen[address.lower()] = address
    return list(seen.values())


def contact_addresses(customer, roles: tuple[str, ...]) -> list[str]:
    """Return the addresses of the opted-in contacts who have one of the roles.

    When no opted-in contact has the role, the opted-in primary contacts are
    told instead, and when there is none either, the customer's own address.
    """
    contacts = list(customer.contacts.filter(opt_in=True).exclude(email=""))
    chosen = [
        contact
        for contact in contacts
        if any(getattr(contact, f"is_{role}") for role in roles)
    ]
    if not chosen:
        chosen = [contact for contact in contacts if contact.is_primary]
    if not chosen:
        return _distinct([customer.email])
    return _distinct(contact.email for contact in chosen)


def staff_addresses(customer, operator_settings) -> list[str]:
    """Return the operator's staff recipients and the customer's account manager."""
    addresses = list(operator_settings.staff_recipients)
    manager = customer.account_manager if customer is not None else None
    if manager is not None and manager.is_active and manager.email:
        addresses.append(manager.email)
    return _distinct(addresses)


def addresses_for(event: str, audience: str, customer, operator_settings) -> list[str]:
    if audience == Audience.STAFF:
        return staff_addresses(customer, operator_settings)
    return contact_addresses(customer, AUDIENCES[event].contact_roles)
