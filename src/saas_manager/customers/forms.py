"""Form fields and formsets of the customer pages."""

from django import forms
from django.utils.translation import gettext as _
from phonenumber_field.formfields import PhoneNumberField as BasePhoneNumberField
from unfold.forms import PaginationInlineFormSet

from saas_manager.customers.models import BankAccount
from saas_manager.customers.validators import normalize_iban, validate_phone_number


class PhoneNumberFormField(BasePhoneNumberField):
    """phonenumber_field's form field, with a message that names the number.

    The field's own message gives an example but not the number typed.
    """

    def run_validators(self, value) -> None:
        # The model's clean() runs the same check, but only on a value that
        # the form field has accepted.
        validate_phone_number(value)
        super().run_validators(value)


class BankAccountForm(forms.ModelForm):
    """A bank account whose IBAN is compacted as it is cleaned.

    The formset compares the cleaned values to find an IBAN entered twice, so
    NL91 ABNA 0417 1643 00 and NL91ABNA0417164300 must be the same value by
    then.
    """

    class Meta:
        model = BankAccount
        fields = ("customer", "iban", "holder")

    def clean_iban(self) -> str:
        return normalize_iban(self.cleaned_data.get("iban") or "")


class BankAccountFormSet(PaginationInlineFormSet):
    """The bank accounts of a customer, which rejects an IBAN entered twice."""

    def clean(self) -> None:
        # Checked before Django's own uniqueness check, whose message leaves
        # out the IBAN. A row marked here is invalid, so Django's check skips it.
        seen: dict[str, int] = {}
        for index, form in enumerate(self.forms):
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            iban = form.cleaned_data.get("iban")
            if not iban:
                continue
            if iban in seen:
                form.add_error(
                    "iban",
                    _(
                        "IBAN %(value)s is entered twice, in rows %(first)d and "
                        "%(row)d. Remove one of the rows."
                    )
                    % {"value": iban, "first": seen[iban] + 1, "row": index + 1},
                )
            else:
                seen[iban] = index
        super().clean()
