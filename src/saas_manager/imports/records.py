"""Creating, updating or keeping the records of one kind for every row.

Records are matched to stored ones by their key in one query per kind, new
ones are validated with the models' full_clean and written with bulk inserts,
so a file of ten thousand rows takes seconds, not minutes.
"""

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from saas_manager.imports import cells
from saas_manager.imports.cells import RecordValues, RowError
from saas_manager.imports.plan import RecordPlan
from saas_manager.imports.reading import Row
from saas_manager.imports.values import CellError

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# Fields that an import never changes on a stored instance: its state moves
# only through the lifecycle, and its billing start follows from the state.
_KEPT_ON_UPDATE = {"instance": {"state", "billing_start"}}


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


@dataclass
class PassState:
    """The records, errors and counts of one pass over the file."""

    settings: cells.Settings
    user: Any = None
    errors: dict[int, list[RowError]] = field(default_factory=lambda: defaultdict(list))
    warnings: list[RowError] = field(default_factory=list)
    rounded: Counter = field(default_factory=Counter)
    counts: dict[str, Counts] = field(default_factory=dict)
    created: dict[str, list[models.Model]] = field(
        default_factory=lambda: defaultdict(list)
    )
    changed: dict[str, list[models.Model]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # Records of this file by record id, field and value, for lookups.
    by_field: dict[tuple[str, str, Any], models.Model] = field(default_factory=dict)
    # Stored records by target, field and value: none, one, or two when
    # several match.
    lookup_cache: dict[tuple[str, str, Any], list[models.Model]] = field(
        default_factory=dict
    )

    def reject(self, rows: list[Row], problems: list[RowError]) -> None:
        for row in rows:
            for problem in problems:
                self.errors[row.line].append(
                    RowError(
                        row.line,
                        problem.column,
                        problem.value,
                        problem.field,
                        problem.message,
                    )
                )


@dataclass
class _Candidate:
    read: RecordValues
    rows: list[Row]


def import_records(plan: RecordPlan, rows: list[Row], state: PassState) -> None:
    """Create, update or keep the records of one record spec for all rows."""
    spec = plan.spec
    target = spec.target
    counts = state.counts.setdefault(spec.id, Counts())
    candidates = _read_candidates(plan, rows, state)
    existing, ambiguous = _find_existing(plan, candidates)
    new: list[tuple[models.Model, _Candidate]] = []
    for key, candidate in candidates.items():
        if key in ambiguous:
            problem = _key_problem(plan, candidate, ambiguous[key])
            state.reject(candidate.rows, [problem])
            continue
        stored = existing.get(key)
        if stored is None:
            new.append((_new_object(target, candidate.read.values), candidate))
            continue
        if spec.update:
            problems, changed = _update(stored, plan, candidate, state)
            if problems:
                state.reject(candidate.rows, problems)
                continue
            if changed:
                stored.save()
                counts.updated += 1
                state.changed[spec.id].append(stored)
            else:
                counts.unchanged += 1
        else:
            counts.unchanged += 1
        _remember(stored, plan, candidate, state)
    _check_unique(target, [obj for obj, _candidate in new])
    to_create = []
    for obj, candidate in new:
        problems = _validate(obj, plan, candidate, state)
        if problems:
            state.reject(candidate.rows, problems)
            continue
        to_create.append((obj, candidate))
    for obj, candidate in _create(target.model, to_create, state):
        counts.created += 1
        state.created[spec.id].append(obj)
        _remember(obj, plan, candidate, state)


def _read_candidates(
    plan: RecordPlan, rows: list[Row], state: PassState
) -> dict[tuple, _Candidate]:
    spec = plan.spec
    candidates: dict[tuple, _Candidate] = {}

    def resolve(field_spec, text):
        return _lookup(field_spec, text, plan, state)

    for row in rows:
        if spec.when is not None and not cells.matches(spec.when, row):
            continue
        read = cells.read_record(spec.target, plan.fields, row, state.settings, resolve)
        if row.line in state.errors:
            # The row is rejected already, but the user should see every bad
            # cell at once, so the errors of this record are added too. A
            # reference to a record the row failed to produce adds nothing.
            _add_new_errors(state.errors[row.line], read.errors, plan)
            continue
        if read.errors:
            state.errors[row.line].extend(read.errors)
            continue
        key = _key_of(plan, read.values)
        empty = [
            name for name, part in zip(plan.key, key, strict=True) if part in ("", None)
        ]
        if empty:
            column, value = read.sources.get(empty[0], ("", ""))
            state.errors[row.line].append(
                RowError(
                    row.line,
                    column,
                    value,
                    empty[0],
                    _("The key field %(field)s of record %(record)s is empty.")
                    % {"field": empty[0], "record": spec.id},
                )
            )
            continue
        if key in candidates:
            conflicts = _conflicts(plan, candidates[key], read, row)
            if conflicts:
                state.errors[row.line].extend(conflicts)
                continue
            candidates[key].rows.append(row)
        else:
            candidates[key] = _Candidate(read, [row])
        state.warnings.extend(read.warnings)
        state.rounded[row.line] += read.rounded
    return candidates


def _add_new_errors(known: list[RowError], found: list[RowError], plan) -> None:
    seen = {(problem.column, problem.value, problem.message) for problem in known}
    for problem in found:
        field_spec = plan.fields.get(problem.field)
        if field_spec is not None and field_spec.record:
            continue
        if (problem.column, problem.value, problem.message) in seen:
            continue
        known.append(problem)


def _conflicts(
    plan: RecordPlan, earlier: _Candidate, read: RecordValues, row: Row
) -> list[RowError]:
    """Return a problem for each value that differs from an earlier row's.

    Rows with one key make one record, so a later row may repeat the values
    of the earlier one but not contradict them: keeping either silently
    would lose the other.
    """
    problems = []
    first_line = earlier.rows[0].line
    for name, value in read.values.items():
        if name not in earlier.read.values:
            continue
        field_spec = plan.fields.get(name)
        if field_spec is not None and field_spec.on_conflict == "first":
            continue
        earlier_value = earlier.read.values[name]
        if _same_value(earlier_value, value):
            continue
        column, shown = read.sources.get(name, ("", ""))
        _earlier_column, earlier_shown = earlier.read.sources.get(name, ("", ""))
        problems.append(
            RowError(
                row.line,
                column,
                shown,
                name,
                _(
                    "Line %(line)d gives the same %(record)s record %(field)s "
                    "%(earlier)r; this row gives %(value)r. Make the rows agree "
                    "or give them different keys."
                )
                % {
                    "line": first_line,
                    "record": plan.spec.id,
                    "field": name,
                    "earlier": earlier_shown or _display_value(earlier_value),
                    "value": shown or _display_value(value),
                },
            )
        )
    return problems


def _same_value(first: Any, second: Any) -> bool:
    if isinstance(first, models.Model) or isinstance(second, models.Model):
        # Records this file has not saved yet have no primary key.
        if getattr(first, "pk", None) is None or getattr(second, "pk", None) is None:
            return first is second
        return first == second
    if first in ("", None) and second in ("", None):
        return True
    return first == second


def _display_value(value: Any) -> str:
    return "" if value is None else str(value)


def _key_of(plan: RecordPlan, values: dict[str, Any]) -> tuple:
    target = plan.spec.target
    parts = []
    for name in plan.key:
        value = values.get(name)
        if name in target.references:
            parts.append(value.pk if value is not None else None)
        elif name in target.virtual:
            parts.append(value)
        else:
            parts.append(_comparable(target.model_field(name), value))
    return tuple(parts)


def _comparable(model_field: models.Field, value: Any) -> Any:
    if value is None or value == "":
        return value
    return model_field.get_prep_value(value)


def _find_existing(plan: RecordPlan, candidates: dict[tuple, _Candidate]):
    """Return the stored records by key, and the keys that match several."""
    if not candidates:
        return {}, {}
    target = plan.spec.target
    first = plan.key[0]
    lookup = f"{first}_id__in" if first in target.references else f"{first}__in"
    wanted = sorted({key[0] for key in candidates}, key=str)
    found: dict[tuple, models.Model] = {}
    ambiguous: dict[tuple, int] = {}
    for start in range(0, len(wanted), BATCH_SIZE):
        chunk = wanted[start : start + BATCH_SIZE]
        for obj in target.model._default_manager.filter(**{lookup: chunk}):
            key = _stored_key(plan, obj)
            if key not in candidates:
                continue
            if key in found:
                ambiguous[key] = ambiguous.get(key, 1) + 1
            found[key] = obj
    return found, ambiguous


def _check_unique(target, objects: list[models.Model]) -> None:
    """Mark the new records whose unique values no stored record has.

    One query per chunk of values replaces the query that each record's
    clean() makes. A record whose value is taken is left unmarked, so its
    clean() finds the stored record and names it in the message.
    """
    if not target.unique_fields or not objects:
        return
    *scope, last = target.unique_fields
    groups: dict[tuple, list[models.Model]] = defaultdict(list)
    for obj in objects:
        values = tuple(getattr(obj, name) for name in target.unique_fields)
        if all(values):
            groups[values[:-1]].append(obj)
    manager = target.model._default_manager
    for prefix, members in groups.items():
        taken = set()
        wanted = sorted({getattr(obj, last) for obj in members})
        for start in range(0, len(wanted), BATCH_SIZE):
            chunk = wanted[start : start + BATCH_SIZE]
            found = manager.filter(
                **dict(zip(scope, prefix, strict=True)), **{f"{last}__in": chunk}
            ).values_list(last, flat=True)
            taken.update(found)
        for obj in members:
            if getattr(obj, last) not in taken:
                obj.uniqueness_checked = True  # type: ignore[attr-defined]


def _stored_key(plan: RecordPlan, obj: models.Model) -> tuple:
    target = plan.spec.target
    parts = []
    for name in plan.key:
        if name in target.references:
            parts.append(getattr(obj, f"{name}_id"))
        else:
            model_field = target.model_field(name)
            parts.append(_comparable(model_field, getattr(obj, name)))
    return tuple(parts)


def _key_problem(plan: RecordPlan, candidate: _Candidate, count: int) -> RowError:
    name = plan.key[0]
    column, value = candidate.read.sources.get(name, ("", ""))
    return RowError(
        candidate.rows[0].line,
        column,
        value,
        name,
        _(
            "%(count)d stored %(model)s records have this %(key)s, so the row "
            "cannot tell which one it means."
        )
        % {"count": count, "model": plan.spec.target.name, "key": ", ".join(plan.key)},
    )


def _new_object(target, values: dict[str, Any]) -> models.Model:
    model_values = {
        name: value for name, value in values.items() if name not in target.virtual
    }
    obj = target.model(**model_values)
    if values.get("role"):
        setattr(obj, f"is_{values['role']}", True)
    if target.name == "contact" and "opt_in" not in values:
        # Only a contact with an e-mail address can receive notifications.
        obj.opt_in = bool(obj.email)
    return obj


def _validate(
    obj: models.Model, plan: RecordPlan, candidate: _Candidate, state: PassState
) -> list[RowError]:
    """Run the model's full_clean and return the problems as row errors.

    A field whose mapping sets on_invalid to skip is emptied and reported as a
    warning instead, and the record is checked again without it.
    """
    target = plan.spec.target
    try:
        # References point to records this import found or saved, so the
        # per-row existence queries of full_clean are left out. Uniqueness is
        # checked per key, and a clash that slips through fails on insert.
        obj.full_clean(
            exclude=list(target.references),
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        problems = _problems_from(error, plan, candidate)
        skipped = [
            problem
            for problem in problems
            if problem.field in plan.fields
            and plan.fields[problem.field].on_invalid == "skip"
        ]
        if not skipped or len(skipped) < len(problems):
            return problems
        for problem in skipped:
            model_field = target.model_field(problem.field)
            setattr(obj, problem.field, model_field.get_default())
            candidate.read.values.pop(problem.field, None)
        state.warnings.extend(skipped)
        return _validate(obj, plan, candidate, state)
    return []


def _update(stored: models.Model, plan: RecordPlan, candidate: _Candidate, state):
    target = plan.spec.target
    kept = _KEPT_ON_UPDATE.get(target.name, set())
    changed = []
    for name, value in candidate.read.values.items():
        if name == "role":
            if value and not getattr(stored, f"is_{value}"):
                setattr(stored, f"is_{value}", True)
                changed.append(name)
            continue
        model_field = target.model_field(name)
        if name in target.references:
            current = getattr(stored, f"{name}_id")
            new = value.pk if value is not None else None
        else:
            current = _comparable(model_field, getattr(stored, name))
            new = _comparable(model_field, value)
        if current == new or (current in ("", None) and new in ("", None)):
            continue
        if name in kept:
            if name == "state":
                state.warnings.append(_state_warning(stored, value, candidate))
            continue
        setattr(stored, name, value)
        changed.append(name)
    if not changed:
        return [], []
    return _validate(stored, plan, candidate, state), changed


def _state_warning(stored, value, candidate) -> RowError:
    """Explain why a stored instance keeps its state although the file differs.

    After an import the lifecycle moves the state (an overdue instance is
    suspended, for example), so a second import of the same file finds other
    states. Rejecting those rows would make a re-import fail.
    """
    column, raw = candidate.read.sources.get("state", ("", ""))
    return RowError(
        candidate.rows[0].line,
        column,
        raw,
        "state",
        _(
            "Instance %(instance)s is %(current)s; the file says %(value)s. The "
            "state is kept, because an import does not change the state of a "
            "stored instance; use its lifecycle actions."
        )
        % {"instance": stored, "current": stored.get_state_display(), "value": value},
    )


def _problems_from(error: ValidationError, plan, candidate) -> list[RowError]:
    problems = []
    line = candidate.rows[0].line
    for name, messages in error.message_dict.items():
        column, value = candidate.read.sources.get(name, ("", ""))
        if name == "__all__":
            name = ""
        elif name not in candidate.read.sources:
            value = ""
        for message in messages:
            problems.append(RowError(line, column, value, name, message))
    return problems


def _create(model, items, state: PassState):
    """Insert new records in bulk; on a database error, insert row by row."""
    if not items:
        return []
    objects = [obj for obj, _candidate in items]
    try:
        with transaction.atomic():
            bulk_create_with_history(
                objects, model, batch_size=BATCH_SIZE, default_user=state.user
            )
        return items
    except IntegrityError:
        logger.info("bulk insert of %s failed; inserting one by one", model.__name__)
    saved = []
    for obj, candidate in items:
        obj.pk = None
        obj._state.adding = True
        try:
            with transaction.atomic():
                obj.save()
        except IntegrityError as error:
            state.reject(candidate.rows, [_integrity_problem(obj, error, candidate)])
            continue
        saved.append((obj, candidate))
    return saved


def _integrity_problem(obj, error: IntegrityError, candidate) -> RowError:
    """Explain a database error on insert with the model's own message.

    The clash is most often with a record inserted just before from the same
    file, which the bulk check could not see, so clean() runs its uniqueness
    queries again to name that record.
    """
    line = candidate.rows[0].line
    obj.uniqueness_checked = False  # type: ignore[attr-defined]
    for check in (obj.clean, obj.validate_unique, obj.validate_constraints):
        try:
            check()
        except ValidationError as validation_error:
            name, messages = next(iter(validation_error.message_dict.items()))
            column, value = candidate.read.sources.get(name, ("", ""))
            return RowError(
                line, column, value, "" if name == "__all__" else name, messages[0]
            )
    return RowError(
        line,
        "",
        "",
        "",
        _("The database rejected the record: %(reason)s") % {"reason": error},
    )


def _lookup(field_spec, text: str, plan: RecordPlan, state: PassState):
    """Return the record a reference cell names: from this file, else stored.

    The stored matches are cached per value, so every row that names the same
    value gets the same outcome: the record, "not found" or "several match".
    """
    related_target = plan.spec.target.references[field_spec.name]
    key = (field_spec.lookup_record, field_spec.lookup_field, text)
    if field_spec.lookup_record and key in state.by_field:
        return state.by_field[key]
    from saas_manager.imports.targets import TARGETS

    related = TARGETS[related_target]
    cache_key = (related_target, field_spec.lookup_field, text)
    if cache_key not in state.lookup_cache:
        # Two rows are enough to tell one match from several.
        state.lookup_cache[cache_key] = list(
            related.model._default_manager.filter(**{field_spec.lookup_field: text})[:2]
        )
    matches = state.lookup_cache[cache_key]
    if len(matches) > 1:
        raise CellError(
            _(
                "Several stored %(model)s records have %(field)s %(value)s; "
                "expected exactly one. Rename or merge the duplicates."
            )
            % {"model": related.name, "field": field_spec.lookup_field, "value": text}
        )
    if not matches:
        raise CellError(
            _("No %(model)s with %(field)s %(value)s is in the file or stored.")
            % {"model": related.name, "field": field_spec.lookup_field, "value": text}
        )
    return matches[0]


def _remember(obj, plan: RecordPlan, candidate: _Candidate, state: PassState) -> None:
    spec = plan.spec
    for row in candidate.rows:
        row.records[spec.id] = obj
    for name, value in candidate.read.values.items():
        if name in spec.target.references or name in spec.target.virtual:
            continue
        if isinstance(value, str) and value:
            state.by_field.setdefault((spec.id, name, value), obj)
