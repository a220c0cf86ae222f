"""POST data of the admin's change forms, as a browser would send it."""

from saas_manager.billing.models import Payment
from saas_manager.catalog.models import ServicePackage
from saas_manager.customers.models import BankAccount, Contact, Customer, Tag
from saas_manager.hosting.models import Instance, Server


def management_form(prefix: str, initial: int = 0, total: int | None = None) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(initial if total is None else total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def customer_data(customer: Customer, **changes) -> dict:
    data = {
        "name": customer.name,
        "legal_name": customer.legal_name,
        "vat_number": customer.vat_number,
        "company_registry": customer.company_registry,
        "industry": customer.industry,
        "website": customer.website,
        "external_reference": customer.external_reference,
        "email": customer.email,
        "phone": str(customer.phone or ""),
        "language": customer.language,
        "currency": customer.currency,
        "street": customer.street,
        "street2": customer.street2,
        "postal_code": customer.postal_code,
        "city": customer.city,
        "region": customer.region,
        "country": customer.country.code or "",
        "account_manager": "",
        "support_owner": "",
        "notes": customer.notes,
        **management_form("contacts", customer.contacts.count()),
        **management_form("bank_accounts", customer.bank_accounts.count()),
        # The notifications inline is read-only, and shows no stored rows as
        # forms, but its management form is posted like the others.
        **management_form("notifications"),
    }
    for index, contact in enumerate(customer.contacts.order_by("name")):
        data.update(contact_row(index, contact))
    for index, account in enumerate(customer.bank_accounts.all()):
        data.update(
            {
                f"bank_accounts-{index}-id": str(account.pk),
                f"bank_accounts-{index}-customer": str(customer.pk),
                f"bank_accounts-{index}-iban": account.iban,
                f"bank_accounts-{index}-holder": account.holder,
            }
        )
    data.update(changes)
    return data


def contact_row(index: int, contact: Contact) -> dict:
    row = {
        f"contacts-{index}-id": str(contact.pk),
        f"contacts-{index}-customer": str(contact.customer_id),
        f"contacts-{index}-name": contact.name,
        f"contacts-{index}-job_title": contact.job_title,
        f"contacts-{index}-email": contact.email,
        f"contacts-{index}-phone": str(contact.phone or ""),
    }
    for flag in ("is_primary", "is_billing", "is_technical", "is_support", "opt_in"):
        if getattr(contact, flag):
            row[f"contacts-{index}-{flag}"] = "on"
    return row


def instance_data(instance: Instance, **changes) -> dict:
    data = {
        "customer": str(instance.customer_id),
        "database_name": instance.database_name,
        "package": str(instance.package_id),
        "server": str(instance.server_id),
        "odoo_version": instance.odoo_version,
        "edition": instance.edition,
        "url": instance.url,
        "custom_domain": instance.custom_domain,
        "billing_cycle": instance.billing_cycle,
        "price": str(instance.price),
        "currency": instance.currency,
        "payment_method": instance.payment_method,
        "trial_end_date": "",
        "start_date": "",
        "users_count": "",
        "storage_mb": "",
        "last_backup_at_0": "",
        "last_backup_at_1": "",
        "usage_measured_at_0": "",
        "usage_measured_at_1": "",
        **management_form("notifications"),
    }
    data.update(changes)
    return data


def payment_data(payment: Payment, **changes) -> dict:
    data = {
        "customer": str(payment.customer_id),
        "instance": str(payment.instance_id or ""),
        "kind": payment.kind,
        "refund_of": str(payment.refund_of_id or ""),
        "amount": str(payment.amount),
        "currency": payment.currency,
        "method": payment.method,
        "status": payment.status,
        "transaction_reference": payment.transaction_reference,
        "date": payment.date.isoformat(),
        "notes": payment.notes,
    }
    data.update(changes)
    return data


def package_data(package: ServicePackage, **changes) -> dict:
    data = {
        "name": package.name,
        "code": package.code,
        "description": package.description,
        "sort_order": str(package.sort_order),
        "is_active": "on" if package.is_active else "",
        "currency": package.currency,
        "monthly_price": str(package.monthly_price or ""),
        "yearly_price": str(package.yearly_price or ""),
        "trial_days": str(package.trial_days),
        "max_users": "",
        "storage_gb": "",
        "backup_frequency": package.backup_frequency,
    }
    data.update(changes)
    return data


def server_data(server: Server, **changes) -> dict:
    data = {
        "name": server.name,
        "base_url": server.base_url,
        "odoo_versions": server.odoo_versions,
        "max_instances": "",
        "is_active": "on" if server.is_active else "",
        "country": server.country.code,
        "city": server.city,
        "data_centre": server.data_centre,
        "master_password": "",
    }
    data.update(changes)
    return data


def tag_data(tag: Tag, **changes) -> dict:
    return {"name": tag.name, **changes}


def bank_account_data(account: BankAccount, **changes) -> dict:
    return {
        "customer": str(account.customer_id),
        "iban": account.iban,
        "holder": account.holder,
        **changes,
    }


def contact_data(contact: Contact, **changes) -> dict:
    data = {
        "customer": str(contact.customer_id),
        "name": contact.name,
        "job_title": contact.job_title,
        "email": contact.email,
        "phone": str(contact.phone or ""),
        "external_reference": contact.external_reference,
    }
    for flag in ("is_primary", "is_billing", "is_technical", "is_support", "opt_in"):
        if getattr(contact, flag):
            data[flag] = "on"
    data.update(changes)
    return data
