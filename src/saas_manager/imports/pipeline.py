"""The import pipeline that the `import` command and the upload page share.

A run reads the file, fits the mapping to its header and then makes passes
over the rows inside a transaction. A pass writes every record it can and
collects the rejected rows. The transaction is rolled back when the run is a
preview, or when rows were rejected and the import is all or none. In partial
mode the rejected rows are left out and the pass runs again, until a pass
rejects nothing; only that pass is committed.
"""

import datetime
import hashlib
import logging
import time
from dataclasses import dataclass, field
from typing import cast

from django.db import transaction
from django.utils.translation import gettext as _

from saas_manager.billing.models import Payment
from saas_manager.billing.paid_up import refresh_paid_up_to
from saas_manager.customers.status import refresh_statuses
from saas_manager.hosting.lifecycle import record_imported_states
from saas_manager.hosting.models import Instance
from saas_manager.imports import cells
from saas_manager.imports.cells import RowError
from saas_manager.imports.mapping import Mapping
from saas_manager.imports.models import ImportBatch, ImportMode, ImportStatus
from saas_manager.imports.plan import Plan, plan_for
from saas_manager.imports.reading import FileRejected, Row, Table, read_table
from saas_manager.imports.records import PassState, import_records

logger = logging.getLogger(__name__)

# Each pass after the first leaves out at least one more row, so this bounds
# only files where rejected rows keep taking other rows with them.
MAX_PASSES = 5
# A batch stores at most this many errors and warnings, with their totals,
# so a file of a million bad rows does not become one huge JSON value.
MAX_STORED_PROBLEMS = 1000


@dataclass
class Options:
    partial: bool = False
    dry_run: bool = False
    as_of: datetime.date | None = None
    user: object = None


@dataclass
class _Outcome:
    state: PassState | None = None
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False


class _Rollback(Exception):
    def __init__(self, state: PassState):
        self.state = state


def run_import(
    content: bytes,
    *,
    file_name: str,
    mapping: Mapping,
    options: Options,
    batch: ImportBatch | None = None,
) -> ImportBatch:
    """Run one import or preview and store it as an ImportBatch.

    The batch is saved whatever the outcome, with its counts and every row
    error; a batch previewed earlier is passed in to be confirmed.
    """
    started = time.monotonic()
    if batch is None:
        batch = ImportBatch(created_by=options.user)
    batch.file_name = file_name
    batch.mapping = mapping.name
    batch.mapping_document = mapping.document
    batch.mode = ImportMode.PARTIAL if options.partial else ImportMode.ALL_OR_NONE
    batch.sha256 = hashlib.sha256(content).hexdigest()
    batch.file_size = len(content)
    batch.as_of = options.as_of or mapping.as_of
    outcome = _Outcome()
    try:
        table = read_table(content, mapping.fallback_encoding, mapping.delimiter)
        plan = plan_for(mapping, table)
    except FileRejected as error:
        outcome.errors.append(RowError(0, "", "", "", str(error)))
        table = None
    if table is not None:
        batch.encoding = table.encoding
        outcome = _run_passes(plan, table, batch, options)
    _fill_batch(batch, outcome, table, options)
    if batch.status == ImportStatus.PREVIEWED:
        batch.content = content
    batch.duration_ms = int((time.monotonic() - started) * 1000)
    batch.save()
    logger.info(
        "import %s of %s with %s: %s, %d rows, %d rejected, %d ms",
        batch.pk,
        file_name,
        mapping.name,
        batch.status,
        batch.row_count,
        batch.rejected_count,
        batch.duration_ms,
    )
    return batch


def _run_passes(plan: Plan, table: Table, batch, options: Options) -> _Outcome:
    settings = cells.Settings(
        plan.mapping.decimal_separator,
        plan.mapping.thousands_separator,
        options.as_of or plan.mapping.as_of,
    )
    errors = _row_problems(plan, table.rows)
    excluded = {problem.line for problem in errors}
    for _attempt in range(MAX_PASSES):
        rows = [row for row in table.rows if row.line not in excluded]
        may_commit = not options.dry_run and (options.partial or not errors)
        state = PassState(settings=settings, user=options.user)
        committed = _attempt_pass(plan, rows, state, batch, may_commit)
        new_errors = [
            problem for line in sorted(state.errors) for problem in state.errors[line]
        ]
        errors += new_errors
        if not new_errors or not options.partial:
            return _Outcome(state, _sorted(errors), committed)
        excluded |= set(state.errors)
    errors.append(
        RowError(
            0,
            "",
            "",
            "",
            _(
                "Rows kept rejecting other rows after %(count)d passes; nothing "
                "was saved."
            )
            % {"count": MAX_PASSES},
        )
    )
    return _Outcome(state, _sorted(errors), False)


def _attempt_pass(plan, rows, state, batch, may_commit: bool) -> bool:
    """Run one pass in a transaction and tell whether it was committed."""
    for row in rows:
        row.records = {}
    try:
        with transaction.atomic():
            # Rejected rows stay in the list: later records only read them,
            # to report their other bad cells, and write nothing for them.
            for record_plan in plan.records:
                import_records(record_plan, rows, state)
            if state.errors or not may_commit:
                raise _Rollback(state)
            _after_save(state, batch)
    except _Rollback:
        return False
    return True


def _after_save(state: PassState, batch) -> None:
    """Record the imported states and refresh what the new records change."""
    note = _("Imported from %(file)s with mapping %(mapping)s.") % {
        "file": batch.file_name,
        "mapping": batch.mapping,
    }
    instances = cast(list[Instance], state.created.get("instance", []))
    # This also gives the new instances their paid-up day from the payments
    # of this file, which are saved by now, and refreshes their customers.
    record_imported_states(instances, note=note)
    payments = cast(
        list[Payment],
        state.created.get("payment", []) + state.changed.get("payment", []),
    )
    # Payments are inserted in bulk, which skips Payment.save and so the
    # refresh it makes of the paid-up day and the customer status.
    done_instances = {instance.pk for instance in instances}
    instance_ids = {
        payment.instance_id
        for payment in payments
        if payment.instance_id and payment.instance_id not in done_instances
    }
    for instance in Instance.objects.filter(pk__in=instance_ids):
        refresh_paid_up_to(instance)
    done_customers = {instance.customer_id for instance in instances}
    refresh_statuses(
        payment.customer_id
        for payment in payments
        if payment.customer_id not in done_customers
    )


def _row_problems(plan: Plan, rows: list[Row]) -> list[RowError]:
    """Reject rows that are unreadable or repeat the key of an earlier row."""
    problems = []
    seen: dict[tuple, int] = {}
    for row in rows:
        if row.problems:
            problems += [
                RowError(row.line, column, value, "", message)
                for column, value, message in row.problems
            ]
            continue
        if not plan.key_columns:
            continue
        key = tuple(row.cells[column].strip() for column in plan.key_columns)
        empty = [
            column
            for column, part in zip(plan.key_columns, key, strict=True)
            if not part
        ]
        if empty:
            problems.append(
                RowError(
                    row.line,
                    empty[0],
                    "",
                    "",
                    _("The key column %(column)s is empty.") % {"column": empty[0]},
                )
            )
        elif key in seen:
            problems.append(
                RowError(
                    row.line,
                    ", ".join(plan.key_columns),
                    ", ".join(key),
                    "",
                    _("Line %(line)d has the same key; each row needs its own.")
                    % {"line": seen[key]},
                )
            )
        else:
            seen[key] = row.line
    return problems


def _sorted(errors: list[RowError]) -> list[RowError]:
    return sorted(errors, key=lambda problem: problem.line)


def _fill_batch(batch, outcome: _Outcome, table: Table | None, options) -> None:
    state = outcome.state
    rejected_lines = {problem.line for problem in outcome.errors if problem.line}
    batch.row_count = len(table.rows) if table else 0
    batch.rejected_count = len(rejected_lines)
    batch.error_count = len(outcome.errors)
    batch.errors = [
        problem.as_dict() for problem in outcome.errors[:MAX_STORED_PROBLEMS]
    ]
    file_rejected = any(problem.line == 0 for problem in outcome.errors)
    if state is None or file_rejected:
        batch.summary = {}
        batch.warnings = []
        batch.warning_count = 0
        batch.rounded_count = 0
        batch.skipped_count = 0
    else:
        batch.summary = {
            name: counts.as_dict() for name, counts in state.counts.items()
        }
        warnings = [
            problem for problem in state.warnings if problem.line not in rejected_lines
        ]
        batch.warning_count = len(warnings)
        batch.warnings = [
            problem.as_dict() for problem in warnings[:MAX_STORED_PROBLEMS]
        ]
        batch.rounded_count = sum(
            count for line, count in state.rounded.items() if line not in rejected_lines
        )
        produced = {row.line for row in table.rows if row.records}
        batch.skipped_count = len(
            [
                row
                for row in table.rows
                if row.line not in produced and row.line not in rejected_lines
            ]
        )
    batch.created_count = sum(c["created"] for c in batch.summary.values())
    batch.updated_count = sum(c["updated"] for c in batch.summary.values())
    batch.unchanged_count = sum(c["unchanged"] for c in batch.summary.values())
    if outcome.committed:
        batch.status = ImportStatus.SAVED
        # The file is kept only until a preview is confirmed.
        batch.content = b""
    elif options.dry_run and not file_rejected:
        batch.status = ImportStatus.PREVIEWED
    else:
        batch.status = ImportStatus.REJECTED
        batch.content = b""
