"""Turning the cells of one row into the field values of one record."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from saas_manager.catalog.models import BillingCycle
from saas_manager.imports import values
from saas_manager.imports.mapping import Condition, FieldSpec
from saas_manager.imports.reading import Row
from saas_manager.imports.targets import CONTACT_ROLES, Target


@dataclass
class RowError:
    """The reason a row is rejected, or, as a warning, a value was left out."""

    line: int
    column: str
    value: str
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "field": self.field,
            "message": self.message,
        }

    def __str__(self) -> str:
        place = _("line %(line)d") % {"line": self.line}
        if self.column:
            place += _(", column %(column)s") % {"column": self.column}
        if self.field:
            place += _(" (field %(field)s)") % {"field": self.field}
        if self.column or self.value:
            place += _(", value %(value)r") % {"value": self.value}
        return f"{place}: {self.message}"


@dataclass
class RecordValues:
    """The values read for one record, with the cell each came from."""

    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    rounded: int = 0


class _Cells(dict):
    """Cells by column name, for templates, looked up without regard to case."""

    def __missing__(self, key: str) -> str:
        for name, value in self.items():
            if name.casefold() == key.casefold():
                return value
        raise KeyError(key)


@dataclass
class Settings:
    decimal_separator: str
    thousands_separator: str
    as_of: datetime.date | None


def matches(condition: Condition, row: Row) -> bool:
    """Tell whether a row meets a when condition of the mapping."""
    if condition.any_of:
        return any(matches(part, row) for part in condition.any_of)
    if condition.all_of:
        return all(matches(part, row) for part in condition.all_of)
    cell = row.cells.get(condition.columns[0], "") if condition.columns else ""
    folded = cell.strip().casefold()
    if condition.empty is not None:
        return (folded == "") == condition.empty
    if condition.values_in is not None:
        return folded in condition.values_in
    return folded not in (condition.values_not_in or ())


def read_record(
    target: Target,
    fields: dict[str, FieldSpec],
    row: Row,
    settings: Settings,
    resolve,
) -> RecordValues:
    """Read every mapped field of one record from the row.

    `resolve(spec, text)` returns the record that a reference field names.
    Amounts are read last because they need the record's currency, and a
    monthly instance price its billing cycle.
    """
    result = RecordValues()
    ordered = sorted(fields.values(), key=lambda spec: _reading_order(target, spec))
    for spec in ordered:
        column, raw = _raw_value(spec, row)
        result.sources[spec.name] = (column, _display(raw))
        try:
            value = _convert(spec, target, raw, row, settings, resolve, result)
        except values.CellError as error:
            problem = RowError(row.line, column, _display(raw), spec.name, str(error))
            if spec.on_invalid == "skip":
                result.warnings.append(problem)
                continue
            result.errors.append(problem)
            continue
        result.values[spec.name] = value
    return result


def _reading_order(target: Target, spec: FieldSpec) -> int:
    kind = target.kind(spec.name)
    if kind == "reference":
        return 0
    if kind == "amount":
        return 2
    return 1


def _raw_value(spec: FieldSpec, row: Row) -> tuple[str, Any]:
    if spec.has_value:
        return "", spec.value
    if spec.record:
        return "", None
    if spec.template:
        return ", ".join(spec.source_columns), spec.template.format_map(
            _Cells(row.cells)
        )
    for column in spec.columns:
        cell = row.cells.get(column, "").strip()
        if cell:
            return column, cell
    return (spec.columns[0] if spec.columns else ""), ""


def _display(raw: Any) -> str:
    if raw is None:
        return ""
    return str(raw)


def _convert(spec, target, raw, row, settings, resolve, result):
    kind = target.kind(spec.name)
    if spec.record:
        record = row.records.get(spec.record)
        if record is None:
            raise values.CellError(
                _("The row produces no %(record)s record for this field.")
                % {"record": spec.record}
            )
        return record
    if raw in ("", None):
        if spec.has_default:
            raw = spec.default
    elif spec.value_map is not None and isinstance(raw, str):
        raw = _mapped(spec, raw)
    if isinstance(raw, str):
        for name in spec.transforms:
            raw = values.apply_transform(name, raw)
    if kind == "reference":
        return resolve(spec, raw) if raw not in ("", None) else None
    if kind == "amount":
        return _amount(spec, target, raw, settings, result)
    if kind == "date":
        return _date(spec, raw, settings)
    if kind == "boolean":
        return raw if isinstance(raw, bool) else values.parse_boolean(str(raw or ""))
    if kind == "country":
        return values.parse_country(raw) if raw else ""
    if kind == "phone":
        return _phone(spec, raw, row, result.values.get("customer"))
    if kind == "integer":
        if raw in ("", None):
            return None
        return raw if isinstance(raw, int) else values.parse_integer(str(raw))
    if kind == "role":
        return _role(raw)
    return "" if raw is None else str(raw)


def _mapped(spec: FieldSpec, raw: str) -> Any:
    value_map = spec.value_map or {}
    if raw in value_map:
        return value_map[raw]
    for source, target_value in value_map.items():
        if source.casefold() == raw.casefold():
            return target_value
    raise values.CellError(
        _("%(value)s is not a known value; expected one of %(expected)s.")
        % {"value": raw, "expected": ", ".join(value_map)}
    )


def _amount(spec, target, raw, settings, result) -> Decimal | None:
    if raw in ("", None):
        return None
    if isinstance(raw, str) and spec.has_value:
        amount = values.parse_amount(raw, ".", "")
    elif isinstance(raw, str):
        amount = values.parse_amount(
            raw, settings.decimal_separator, settings.thousands_separator
        )
    else:
        amount = Decimal(str(raw))
    currency = result.values.get("currency") or target.model_field("currency").default
    amount, rounded = values.fit_to_currency(amount, currency, spec.round)
    result.rounded += int(rounded)
    if (
        spec.monthly_amount
        and result.values.get("billing_cycle") == BillingCycle.YEARLY
    ):
        amount *= 12
    return amount


def _date(spec: FieldSpec, raw, settings: Settings) -> datetime.date | None:
    if raw in ("", None):
        return None
    if spec.months_before_as_of:
        if settings.as_of is None:
            raise values.CellError(
                _(
                    "The reference date is missing; set as_of in the mapping or "
                    "give --as-of."
                )
            )
        return values.months_before(settings.as_of, str(raw))
    if spec.has_value or (spec.has_default and not spec.date_format):
        try:
            return datetime.date.fromisoformat(str(raw))
        except ValueError as error:
            raise values.CellError(
                _("%(value)s is not a date such as 2024-12-31.") % {"value": raw}
            ) from error
    return values.parse_date(str(raw), spec.date_format)


def _phone(spec: FieldSpec, raw, row: Row, customer):
    """Read a phone number in the row's country, else in its customer's."""
    if raw in ("", None):
        return ""
    region = None
    if spec.region_column:
        cell = row.cells.get(spec.region_column[0], "")
        try:
            region = values.parse_country(cell) if cell else None
        except values.CellError:
            region = None
    if region is None and customer is not None and customer.country:
        region = customer.country.code
    return values.parse_phone(str(raw), region)


def _role(raw) -> str:
    if raw in ("", None):
        return ""
    if raw not in CONTACT_ROLES:
        raise values.CellError(
            _("%(value)s is not a contact role; expected one of %(expected)s.")
            % {"value": raw, "expected": ", ".join(CONTACT_ROLES)}
        )
    return raw
