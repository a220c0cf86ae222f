"""Mapping files: how the columns of a CSV file become records.

A mapping is a JSON object; docs/import.md describes every key. This module
loads one, checks it against the models it names and returns a `Mapping`
that the pipeline follows. Every problem is raised as `MappingError` with a
message that names the key, the value and what is expected.
"""

import codecs
import datetime
import json
import math
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from saas_manager.imports.targets import TARGETS, Target

MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"
FORMAT_VERSION = 1

TRANSFORMS = ("strip", "upper", "lower", "code", "dns_label", "url")
ON_INVALID = ("reject", "skip")
# The choices for two rows that give one record different values for a field.
ON_CONFLICT = ("reject", "first")
_SOURCES = ("column", "value", "record", "template")
_FIELD_KEYS = {
    *_SOURCES,
    "lookup",
    "map",
    "default",
    "transform",
    "date_format",
    "round",
    "on_invalid",
    "on_conflict",
    "optional",
    "months_before_as_of",
    "monthly_amount",
    "region_column",
}
_RECORD_KEYS = {"id", "model", "key", "when", "update", "fields"}
_TOP_KEYS = {
    "format",
    "name",
    "description",
    "fallback_encoding",
    "delimiter",
    "decimal_separator",
    "thousands_separator",
    "key_columns",
    "as_of",
    "records",
}
_CONDITION_KEYS = {"column", "in", "not_in", "empty", "optional", "any", "all"}


class MappingError(ValueError):
    """A mapping file that cannot be used, with the reason."""


@dataclass
class Condition:
    """A test on a row: a column's value, or any/all of other conditions."""

    columns: tuple[str, ...] = ()
    values_in: tuple[str, ...] | None = None
    values_not_in: tuple[str, ...] | None = None
    empty: bool | None = None
    optional: bool = False
    any_of: list["Condition"] = field(default_factory=list)
    all_of: list["Condition"] = field(default_factory=list)


@dataclass
class FieldSpec:
    """The source of one target field's value and its conversion."""

    name: str
    columns: tuple[str, ...] = ()
    value: Any = None
    has_value: bool = False
    record: str = ""
    template: str = ""
    lookup_record: str = ""
    lookup_field: str = ""
    value_map: dict[str, Any] | None = None
    default: Any = None
    has_default: bool = False
    transforms: tuple[str, ...] = ()
    date_format: str = ""
    round: bool = False
    on_invalid: str = "reject"
    on_conflict: str = "reject"
    optional: bool = False
    months_before_as_of: bool = False
    monthly_amount: bool = False
    region_column: tuple[str, ...] = ()

    @property
    def source_columns(self) -> tuple[str, ...]:
        """List the columns the value is read from, for error reports."""
        if self.template:
            return tuple(template_columns(self.template))
        return self.columns


@dataclass
class RecordSpec:
    """One kind of record that a row produces."""

    id: str
    target: Target
    keys: list[tuple[str, ...]]
    fields: dict[str, FieldSpec]
    when: Condition | None = None
    update: bool = True


@dataclass
class Mapping:
    name: str
    description: str = ""
    fallback_encoding: str = ""
    delimiter: str = ","
    decimal_separator: str = "."
    thousands_separator: str = ""
    key_columns: tuple[str, ...] = ()
    as_of: datetime.date | None = None
    records: list[RecordSpec] = field(default_factory=list)
    # The JSON document itself, stored with each import batch.
    document: dict = field(default_factory=dict)

    def record(self, record_id: str) -> RecordSpec:
        return next(spec for spec in self.records if spec.id == record_id)


def shipped_mapping_names() -> list[str]:
    """List the mappings shipped with the product, such as odoo-contacts."""
    return sorted(path.stem for path in MAPPINGS_DIR.glob("*.json"))


def load_mapping(name_or_path: str) -> Mapping:
    """Load a shipped mapping by name, or a mapping file by path."""
    path = MAPPINGS_DIR / f"{name_or_path}.json"
    if not path.is_file():
        path = Path(name_or_path)
    if not path.is_file():
        raise MappingError(
            _(
                "Mapping %(value)s is neither a shipped mapping (%(names)s) nor "
                "a JSON file."
            )
            % {"value": name_or_path, "names": ", ".join(shipped_mapping_names())}
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise MappingError(
            _("Mapping file %(path)s is not valid JSON: %(reason)s")
            % {"path": path, "reason": error}
        ) from error
    return parse_mapping(decode_json(text, str(path)), default_name=path.stem)


def decode_json(text: str, source: str) -> Any:
    """Decode a mapping file's JSON, or raise MappingError saying why not.

    json.loads recurses once per nesting level, so a file of many brackets
    raises RecursionError, which is reported like any other invalid JSON.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise MappingError(
            _("Mapping file %(path)s is not valid JSON: %(reason)s")
            % {"path": source, "reason": error}
        ) from error
    except RecursionError as error:
        raise MappingError(
            _(
                "Mapping file %(path)s is nested too deeply to read; a mapping "
                "needs only a few levels of objects and lists."
            )
            % {"path": source}
        ) from error


def _check_numbers(data: Any) -> None:
    """Reject numbers that are not finite, such as 1e400, NaN or Infinity.

    Python's json reads them as float inf or nan, which no field can hold.
    The walk uses a stack, because the document may be nested deeply.
    """
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise MappingError(
                _(
                    "The mapping contains the number %(value)s, which is not "
                    'finite; write amounts as text, such as "12.50".'
                )
                % {"value": item}
            )


def parse_mapping(data: Any, default_name: str = "") -> Mapping:
    """Check a decoded mapping document and return it as a `Mapping`."""
    if not isinstance(data, dict):
        raise MappingError(_("A mapping must be a JSON object."))
    _check_numbers(data)
    _reject_unknown_keys(data, _TOP_KEYS, _("the mapping"))
    if data.get("format", FORMAT_VERSION) != FORMAT_VERSION:
        raise MappingError(
            _("format is %(value)r; expected %(expected)d.")
            % {"value": data.get("format"), "expected": FORMAT_VERSION}
        )
    mapping = Mapping(
        name=_text(data, "name", default_name, "the mapping") or default_name,
        description=_text(data, "description", "", "the mapping"),
        fallback_encoding=_encoding(data.get("fallback_encoding", "")),
        delimiter=_text(data, "delimiter", ",", "the mapping"),
        decimal_separator=_text(data, "decimal_separator", ".", "the mapping"),
        thousands_separator=_text(data, "thousands_separator", "", "the mapping"),
        key_columns=_columns(data["key_columns"], "key_columns")
        if "key_columns" in data
        else (),
        as_of=_date(data.get("as_of"), "as_of"),
        document=data,
    )
    _check_separators(mapping)
    records = data.get("records")
    if not isinstance(records, list) or not records:
        raise MappingError(_("records must be a non-empty list of record objects."))
    for index, record in enumerate(records):
        mapping.records.append(_parse_record(record, index, mapping))
    return mapping


def template_columns(template: str) -> list[str]:
    """Return the column names that a template such as "{Order ID}" reads."""
    return [
        name for _text, name, _spec, _conv in string.Formatter().parse(template) if name
    ]


def _parse_record(data: Any, index: int, mapping: Mapping) -> RecordSpec:
    where = _("records[%(index)d]") % {"index": index}
    if not isinstance(data, dict):
        raise MappingError(_("%(where)s must be an object.") % {"where": where})
    _reject_unknown_keys(data, _RECORD_KEYS, where)
    model = data.get("model")
    if model not in TARGETS:
        raise MappingError(
            _("%(where)s: model %(value)r is unknown; expected one of %(expected)s.")
            % {"where": where, "value": model, "expected": ", ".join(TARGETS)}
        )
    target = TARGETS[model]
    record_id = data.get("id", model)
    if not isinstance(record_id, str) or not record_id:
        raise MappingError(
            _("%(where)s: id must be a non-empty text.") % {"where": where}
        )
    if any(spec.id == record_id for spec in mapping.records):
        raise MappingError(
            _("%(where)s: id %(value)r is used by an earlier record.")
            % {"where": where, "value": record_id}
        )
    where = _("record %(id)s") % {"id": record_id}
    raw_fields = data.get("fields")
    if not isinstance(raw_fields, dict) or not raw_fields:
        raise MappingError(
            _("%(where)s: fields must be a non-empty object.") % {"where": where}
        )
    fields = {
        name: _parse_field(name, spec, target, where, mapping)
        for name, spec in raw_fields.items()
    }
    keys = _keys(data.get("key"), fields, target, where)
    missing = [name for name in target.required if name not in fields]
    if missing:
        raise MappingError(
            _("%(where)s: required fields are not mapped: %(fields)s.")
            % {"where": where, "fields": ", ".join(missing)}
        )
    update = data.get("update", True)
    if not isinstance(update, bool):
        raise MappingError(
            _("%(where)s: update is %(value)r; expected true or false.")
            % {"where": where, "value": update}
        )
    when = _condition(data["when"], where) if "when" in data else None
    return RecordSpec(record_id, target, keys, fields, when, update)


def _parse_field(
    name: str, data: Any, target: Target, where: str, mapping: Mapping
) -> FieldSpec:
    where = _("%(where)s, field %(field)s") % {"where": where, "field": name}
    if name not in target.fields:
        raise MappingError(
            _(
                "%(where)s: %(model)s has no importable field %(field)s; expected one "
                "of %(expected)s."
            )
            % {
                "where": where,
                "model": target.name,
                "field": name,
                "expected": ", ".join(target.fields),
            }
        )
    if not isinstance(data, dict):
        raise MappingError(_("%(where)s must be an object.") % {"where": where})
    _reject_unknown_keys(data, _FIELD_KEYS, where)
    sources = [key for key in _SOURCES if key in data]
    if len(sources) != 1:
        raise MappingError(
            _("%(where)s: give exactly one of column, value, record or template.")
            % {"where": where}
        )
    kind = target.kind(name)
    spec = FieldSpec(name=name)
    if "column" in data:
        spec.columns = _columns(data["column"], where)
    elif "value" in data:
        spec.value, spec.has_value = data["value"], True
    elif "template" in data:
        spec.template = _text(data, "template", "", where)
        if not template_columns(spec.template):
            raise MappingError(
                _("%(where)s: template %(value)r names no {column}.")
                % {"where": where, "value": spec.template}
            )
    else:
        spec.record = data["record"]
        _check_record_reference(spec.record, name, target, where, mapping)
    if kind == "reference" and not spec.record:
        _parse_lookup(spec, data, name, target, where, mapping)
    elif "lookup" in data:
        raise MappingError(
            _("%(where)s: lookup is only for fields that point to another record.")
            % {"where": where}
        )
    if "map" in data:
        if not isinstance(data["map"], dict):
            raise MappingError(
                _("%(where)s: map must be an object of file value to field value.")
                % {"where": where}
            )
        spec.value_map = {str(key): value for key, value in data["map"].items()}
    if "default" in data:
        spec.default, spec.has_default = data["default"], True
    spec.transforms = _transforms(data.get("transform", []), where)
    spec.on_invalid = data.get("on_invalid", "reject")
    if spec.on_invalid not in ON_INVALID:
        raise MappingError(
            _("%(where)s: on_invalid is %(value)r; expected one of %(expected)s.")
            % {
                "where": where,
                "value": spec.on_invalid,
                "expected": ", ".join(ON_INVALID),
            }
        )
    spec.on_conflict = data.get("on_conflict", "reject")
    if spec.on_conflict not in ON_CONFLICT:
        raise MappingError(
            _("%(where)s: on_conflict is %(value)r; expected one of %(expected)s.")
            % {
                "where": where,
                "value": spec.on_conflict,
                "expected": ", ".join(ON_CONFLICT),
            }
        )
    spec.optional = _flag(data, "optional", where)
    spec.round = _flag(data, "round", where)
    spec.months_before_as_of = _flag(data, "months_before_as_of", where)
    spec.monthly_amount = _flag(data, "monthly_amount", where)
    if "region_column" in data:
        spec.region_column = _columns(data["region_column"], where)
    _check_kind_options(spec, data, kind, where, target, mapping)
    return spec


def _parse_lookup(spec, data, name, target, where, mapping) -> None:
    lookup = data.get("lookup")
    if not isinstance(lookup, dict) or set(lookup) - {"record", "field"}:
        raise MappingError(
            _(
                '%(where)s: a reference read from a column needs "lookup": '
                '{"record": ID, "field": NAME}.'
            )
            % {"where": where}
        )
    spec.lookup_record = lookup.get("record", "")
    spec.lookup_field = lookup.get("field", "")
    related = TARGETS[target.references[name]]
    if spec.lookup_field not in related.fields:
        raise MappingError(
            _("%(where)s: lookup field %(value)r is not a field of %(model)s.")
            % {"where": where, "value": spec.lookup_field, "model": related.name}
        )
    if spec.lookup_record:
        _check_record_reference(spec.lookup_record, name, target, where, mapping)


def _check_record_reference(record_id, name, target, where, mapping) -> None:
    if name not in target.references:
        raise MappingError(
            _("%(where)s: only a field that points to another record takes record.")
            % {"where": where}
        )
    earlier = {spec.id: spec for spec in mapping.records}
    if record_id not in earlier:
        raise MappingError(
            _("%(where)s: record %(value)r is not declared before this record.")
            % {"where": where, "value": record_id}
        )
    expected = target.references[name]
    if earlier[record_id].target.name != expected:
        raise MappingError(
            _("%(where)s: record %(value)r is a %(model)s; expected a %(expected)s.")
            % {
                "where": where,
                "value": record_id,
                "model": earlier[record_id].target.name,
                "expected": expected,
            }
        )


def _check_kind_options(spec, data, kind, where, target, mapping) -> None:
    if "date_format" in data:
        if kind != "date":
            raise MappingError(
                _("%(where)s: date_format is only for date fields.") % {"where": where}
            )
        spec.date_format = _date_format(data["date_format"], where)
    elif (
        kind == "date"
        and (spec.columns or spec.template)
        and not spec.months_before_as_of
    ):
        raise MappingError(
            _(
                "%(where)s: a date read from a column needs a date_format such "
                "as %%Y-%%m-%%d."
            )
            % {"where": where}
        )
    if spec.months_before_as_of and kind != "date":
        raise MappingError(
            _("%(where)s: months_before_as_of is only for date fields.")
            % {"where": where}
        )
    if spec.round and kind != "amount":
        raise MappingError(
            _("%(where)s: round is only for amount fields.") % {"where": where}
        )
    if spec.monthly_amount and name_is_not_price(spec, target):
        raise MappingError(
            _("%(where)s: monthly_amount is only for the price of an instance.")
            % {"where": where}
        )
    if spec.region_column and kind != "phone":
        raise MappingError(
            _("%(where)s: region_column is only for phone fields.") % {"where": where}
        )
    if spec.on_invalid == "skip" and spec.name in target.required:
        raise MappingError(
            _("%(where)s: a required field cannot use on_invalid skip.")
            % {"where": where}
        )


def name_is_not_price(spec: FieldSpec, target: Target) -> bool:
    return not (target.name == "instance" and spec.name == "price")


def _keys(value, fields, target, where) -> list[tuple[str, ...]]:
    if value is None:
        raise MappingError(
            _("%(where)s: key is missing; expected a list of field names.")
            % {"where": where}
        )
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        alternatives = [value]
    elif isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        alternatives = value
    else:
        raise MappingError(
            _(
                "%(where)s: key is %(value)r; expected a list of field names, or a "
                "list of such lists tried in order."
            )
            % {"where": where, "value": value}
        )
    keys = []
    for alternative in alternatives:
        for name in alternative:
            if name not in fields:
                raise MappingError(
                    _("%(where)s: key field %(value)s is not among the fields.")
                    % {"where": where, "value": name}
                )
        keys.append(tuple(alternative))
    return keys


def _condition(data: Any, where: str) -> Condition:
    where = _("%(where)s, when") % {"where": where}
    if not isinstance(data, dict):
        raise MappingError(_("%(where)s must be an object.") % {"where": where})
    _reject_unknown_keys(data, _CONDITION_KEYS, where)
    if "any" in data or "all" in data:
        parts = data.get("any") or data.get("all")
        if not isinstance(parts, list) or not parts:
            raise MappingError(
                _("%(where)s: any and all take a non-empty list of conditions.")
                % {"where": where}
            )
        children = [_condition(part, where) for part in parts]
        if "any" in data:
            return Condition(any_of=children)
        return Condition(all_of=children)
    condition = Condition(
        columns=_columns(data.get("column"), where),
        optional=_flag(data, "optional", where),
    )
    tests = [key for key in ("in", "not_in", "empty") if key in data]
    if len(tests) != 1:
        raise MappingError(
            _("%(where)s: give exactly one of in, not_in or empty.") % {"where": where}
        )
    if "empty" in data:
        condition.empty = _flag(data, "empty", where)
    else:
        values = data[tests[0]]
        if not isinstance(values, list):
            raise MappingError(
                _("%(where)s: %(key)s must be a list of values.")
                % {"where": where, "key": tests[0]}
            )
        normalized = tuple(str(item).strip().casefold() for item in values)
        if tests[0] == "in":
            condition.values_in = normalized
        else:
            condition.values_not_in = normalized
    return condition


def _date_format(value: Any, where: str) -> str:
    """Accept a strptime format that writes and reads back a whole date."""
    if not isinstance(value, str) or "%" not in value:
        raise MappingError(
            _(
                "%(where)s: date_format %(value)r is not a date format; expected "
                "strptime codes such as %%m/%%d/%%Y."
            )
            % {"where": where, "value": value}
        )
    sample = datetime.date(2024, 12, 31)
    try:
        parsed = datetime.datetime.strptime(sample.strftime(value), value).date()
    except ValueError:
        parsed = None
    if parsed != sample:
        raise MappingError(
            _(
                "%(where)s: date_format %(value)r does not give a whole date; "
                "expected a year, a month and a day, such as %%m/%%d/%%Y."
            )
            % {"where": where, "value": value}
        )
    return value


def _transforms(value: Any, where: str) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list):
        raise MappingError(
            _("%(where)s: transform must be a name or a list of names.")
            % {"where": where}
        )
    for name in names:
        if name not in TRANSFORMS:
            raise MappingError(
                _(
                    "%(where)s: transform %(value)r is unknown; expected one of "
                    "%(expected)s."
                )
                % {"where": where, "value": name, "expected": ", ".join(TRANSFORMS)}
            )
    return tuple(names)


def _check_separators(mapping: Mapping) -> None:
    if mapping.decimal_separator not in (".", ","):
        raise MappingError(
            _('decimal_separator is %(value)r; expected "." or ",".')
            % {"value": mapping.decimal_separator}
        )
    if mapping.thousands_separator not in ("", ",", ".", " ", "'", "\u00a0"):
        raise MappingError(
            _(
                "thousands_separator is %(value)r; expected one of "
                '",", ".", " ", "\'" or nothing.'
            )
            % {"value": mapping.thousands_separator}
        )
    if mapping.thousands_separator == mapping.decimal_separator:
        raise MappingError(
            _("thousands_separator and decimal_separator are both %(value)r.")
            % {"value": mapping.decimal_separator}
        )
    if len(mapping.delimiter) != 1:
        raise MappingError(
            _("delimiter is %(value)r; expected one character such as , or ;.")
            % {"value": mapping.delimiter}
        )


def _encoding(value: Any) -> str:
    if not value:
        return ""
    try:
        return codecs.lookup(value).name
    except (LookupError, TypeError) as error:
        raise MappingError(
            _(
                "fallback_encoding %(value)r is not an encoding Python knows, such "
                "as cp1252 or latin-1."
            )
            % {"value": value}
        ) from error


def _columns(value: Any, where: str) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    valid = (
        isinstance(names, list)
        and names
        and all(isinstance(name, str) and name.strip() for name in names)
    )
    if not valid:
        raise MappingError(
            _(
                "%(where)s: column is %(value)r; expected a column name or a list "
                "of names."
            )
            % {"where": where, "value": value}
        )
    return tuple(name.strip() for name in names)


def _date(value: Any, key: str) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise MappingError(
            _("%(key)s is %(value)r; expected a date such as 2024-12-31.")
            % {"key": key, "value": value}
        ) from error


def _text(data: dict, key: str, default: str, where: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise MappingError(
            _("%(where)s: %(key)s is %(value)r; expected a text.")
            % {"where": where, "key": key, "value": value}
        )
    return value


def _flag(data: dict, key: str, where: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise MappingError(
            _("%(where)s: %(key)s is %(value)r; expected true or false.")
            % {"where": where, "key": key, "value": value}
        )
    return value


def _reject_unknown_keys(data: dict, known: set[str], where: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise MappingError(
            _("%(where)s: unknown key %(value)s; expected one of %(expected)s.")
            % {
                "where": where,
                "value": unknown[0],
                "expected": ", ".join(sorted(known)),
            }
        )
