"""A mapping fitted to one file's header: the columns each field reads."""

import dataclasses
from dataclasses import dataclass

from django.utils.translation import gettext as _

from saas_manager.imports.mapping import (
    Condition,
    FieldSpec,
    Mapping,
    RecordSpec,
    template_columns,
)
from saas_manager.imports.reading import FileRejected, Table


@dataclass
class RecordPlan:
    spec: RecordSpec
    fields: dict[str, FieldSpec]
    key: tuple[str, ...]


@dataclass
class Plan:
    mapping: Mapping
    records: list[RecordPlan]
    key_columns: tuple[str, ...]


def plan_for(mapping: Mapping, table: Table) -> Plan:
    """Fit the mapping to the file's header, or reject the file.

    Column names match without regard to case. A field that lists several
    columns reads the first one present in the header; a column missing from
    the header rejects the file unless the field or condition is optional, in
    which case the field is left out. Of several keys, the first whose columns
    are all present is used.
    """
    records = []
    for spec in mapping.records:
        if spec.when is not None:
            spec = dataclasses.replace(
                spec, when=_fit_condition(spec.when, spec, table)
            )
            if _never_matches(spec.when):
                # Such as contacts when the file has no Related Company
                # column: the record's columns need not be in the file.
                continue
        fields = {}
        for name, field_spec in spec.fields.items():
            fitted = _fit_field(field_spec, spec, table)
            if fitted is not None:
                fields[name] = fitted
        records.append(RecordPlan(spec, fields, _choose_key(spec, fields)))
    key_columns = tuple(
        _require_column((name,), _("key_columns"), table)
        for name in mapping.key_columns
    )
    return Plan(mapping, records, key_columns)


def _fit_field(spec: FieldSpec, record: RecordSpec, table: Table) -> FieldSpec | None:
    where = _("field %(field)s of record %(record)s") % {
        "field": spec.name,
        "record": record.id,
    }
    changes = {}
    if spec.columns:
        present = tuple(name for name in spec.columns if table.column((name,)))
        if not present:
            if spec.optional:
                return None
            _require_column(spec.columns, where, table)
        changes["columns"] = tuple(table.column((name,)) for name in present)
    if spec.template:
        for name in template_columns(spec.template):
            _require_column((name,), where, table)
    if spec.region_column:
        region = table.column(spec.region_column)
        changes["region_column"] = (region,) if region else ()
    return dataclasses.replace(spec, **changes)


def _fit_condition(condition: Condition, record: RecordSpec, table: Table):
    if condition.any_of or condition.all_of:
        return dataclasses.replace(
            condition,
            any_of=[_fit_condition(part, record, table) for part in condition.any_of],
            all_of=[_fit_condition(part, record, table) for part in condition.all_of],
        )
    column = table.column(condition.columns)
    if column is None and not condition.optional:
        where = _("the when condition of record %(record)s") % {"record": record.id}
        _require_column(condition.columns, where, table)
    return dataclasses.replace(condition, columns=(column,) if column else ())


def _never_matches(condition: Condition) -> bool:
    """Tell whether a fitted condition is false for every row of the file.

    A condition on an optional column that the header lacks reads every
    cell as empty, so it has one outcome for the whole file.
    """
    if condition.any_of:
        return all(_never_matches(part) for part in condition.any_of)
    if condition.all_of:
        return any(_never_matches(part) for part in condition.all_of)
    if condition.columns:
        return False
    if condition.empty is not None:
        return not condition.empty
    if condition.values_in is not None:
        return "" not in condition.values_in
    return "" in (condition.values_not_in or ())


def _choose_key(spec: RecordSpec, fields: dict[str, FieldSpec]) -> tuple[str, ...]:
    for key in spec.keys:
        if all(name in fields for name in key):
            return key
    raise FileRejected(
        _(
            "Record %(record)s has no key whose columns are all in the file; "
            "the keys are %(keys)s."
        )
        % {
            "record": spec.id,
            "keys": " or ".join("(" + ", ".join(key) + ")" for key in spec.keys),
        }
    )


def _require_column(names: tuple[str, ...], where: str, table: Table) -> str:
    column = table.column(names)
    if column is None:
        raise FileRejected(
            _(
                "Column %(value)s is missing from the header; %(where)s reads it. "
                "The header has: %(header)s."
            )
            % {
                "value": _(" or ").join(names),
                "where": where,
                "header": ", ".join(table.header),
            }
        )
    return column
