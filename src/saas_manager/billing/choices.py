"""Payment choices, kept apart from the models so that hosting can use them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CREDIT_CARD = "credit_card", _("Credit card")
    PAYPAL = "paypal", _("PayPal")
    STRIPE = "stripe", _("Stripe")
    SEPA_DIRECT_DEBIT = "sepa_direct_debit", _("SEPA direct debit")
    CASH = "cash", _("Cash")
    CHEQUE = "cheque", _("Cheque")
    OTHER = "other", _("Other")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
