"""Validation of customer identifiers: VAT numbers and IBANs."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import iban
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.util import get_cc_module

# EU member states whose VAT numbers carry the country prefix. Greece's prefix
# is EL, not its ISO code GR.
_EU_VAT_PREFIX = {country.upper(): country.upper() for country in eu_vat.MEMBER_STATES}
_EU_VAT_PREFIX["GR"] = "EL"


def _vat_module(country: str):
    """Return the python-stdnum module that checks VAT numbers of the country."""
    for name in ("vat", "tva", "mwst", "iva", "btw", "ust", "gst", "abn", "ein"):
        module = get_cc_module(country.lower(), name)
        if module is not None and hasattr(module, "validate"):
            return module
    return None


def normalize_vat_number(value: str, country: str) -> str:
    """Return the VAT number in its compact form, validated for its country.

    EU numbers are checked with their prefix (BE0403019261); other countries
    use their national format. A country that python-stdnum has no checker for
    keeps the number as typed, without spaces.
    """
    compact = "".join(value.split()).upper()
    if not compact:
        return ""
    if not country:
        raise ValidationError(
            {
                "country": ValidationError(
                    _(
                        "A country is required to check VAT number %(value)s. "
                        "Choose the customer's country."
                    ),
                    code="vat_without_country",
                    params={"value": value},
                )
            }
        )
    try:
        if country.upper() in _EU_VAT_PREFIX:
            prefix = _EU_VAT_PREFIX[country.upper()]
            if not compact.startswith(prefix):
                compact = prefix + compact
            return eu_vat.validate(compact)
        module = _vat_module(country)
        if module is None:
            return compact
        return module.validate(compact)
    except StdnumError as error:
        raise ValidationError(
            {
                "vat_number": ValidationError(
                    _(
                        "%(value)s is not a valid VAT number for %(country)s: "
                        "%(reason)s"
                    ),
                    code="invalid_vat",
                    params={"value": value, "country": country, "reason": error},
                )
            }
        ) from error


def normalize_iban(value: str) -> str:
    """Return the IBAN in its compact form: capitals, without spaces."""
    return "".join((value or "").split()).upper()


def validate_iban(value: str) -> None:
    """Accept an IBAN with a valid country, length and check digits."""
    try:
        iban.validate(value)
    except StdnumError as error:
        raise ValidationError(
            _("%(value)s is not a valid IBAN: %(reason)s"),
            code="invalid_iban",
            params={"value": value, "reason": error},
        ) from error


def validate_phone_number(value) -> None:
    """Reject a phone number that the phonenumbers metadata does not know.

    The model field runs the same check with a message that leaves out the
    number, so the models call this one from clean() to name it.
    """
    if value and not value.is_valid():
        raise ValidationError(
            _(
                "%(value)s is not a valid phone number. Expected an "
                "international number with its country code, such as "
                "+32 2 555 12 12."
            ),
            code="invalid_phone_number",
            params={"value": value},
        )
