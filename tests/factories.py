"""factory_boy factories for the domain records, one per model."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User

from saas_manager.billing.models import Payment, PaymentMethod, PaymentStatus
from saas_manager.catalog.models import ServicePackage
from saas_manager.customers.models import Contact, Customer
from saas_manager.hosting.models import Instance, Server


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        # The group hook only adds to a many-to-many relation.
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    is_staff = True
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def group(self, create, name, **kwargs):
        if create and name:
            self.groups.add(Group.objects.get(name=name))


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n} SRL")
    country = "BE"
    currency = "EUR"
    email = factory.Sequence(lambda n: f"office{n}@customer.example")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.Sequence(lambda n: f"contact{n}@customer.example")
    is_primary = True


class ServicePackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServicePackage
        django_get_or_create = ("code",)

    name = "Business"
    code = factory.Sequence(lambda n: f"PKG-{n}")
    currency = "EUR"
    monthly_price = Decimal("49.00")
    yearly_price = Decimal("490.00")
    trial_days = 14


class ServerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Server
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"node-{n}")
    country = "DE"
    city = "Frankfurt"
    base_url = factory.LazyAttribute(lambda server: f"https://{server.name}.example")
    odoo_versions = "16.0, 17.0, 18.0"


class InstanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Instance

    customer = factory.SubFactory(CustomerFactory)
    package = factory.SubFactory(ServicePackageFactory)
    server = factory.SubFactory(ServerFactory)
    database_name = factory.Sequence(lambda n: f"customer-db-{n}")
    odoo_version = "17.0"
    price = Decimal("49.00")
    currency = "EUR"


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    customer = factory.SubFactory(CustomerFactory)
    amount = Decimal("49.00")
    currency = "EUR"
    method = PaymentMethod.BANK_TRANSFER
    status = PaymentStatus.COMPLETED
    date = datetime.date(2026, 1, 15)
