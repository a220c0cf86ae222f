"""Benchmark the CSV import pipeline on the real sample files.

Each file is imported into a fresh throwaway database, then imported again
into the same database (the second run finds every record stored and changes
nothing). For each run the script prints the wall time, the rows per second
and the number of SQL queries. A separate run into another fresh database,
under tracemalloc, gives the peak memory that Python allocated; it is kept
apart because tracemalloc slows Python down.

    .venv/bin/python bench/import_files.py [--database sqlite|postgresql]
        [--synthetic 12500 25000 50000]

SQLite databases are files in a temporary folder. For PostgreSQL the script
creates databases named saas_manager_bench_<pid>_<n> on the server of
--postgresql-url and drops them at the end. The real files are read from
../shared/data beside the checkout; without that folder they are skipped
with a message. `--synthetic` adds files written by generate_payments.py,
imported with the SaaS-Sales mapping, to show how the time grows with rows.
"""

import argparse
import datetime
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from generate_payments import write_payments

REPOSITORY = Path(__file__).resolve().parent.parent
SHARED_DATA = REPOSITORY.parent / "shared" / "data"
EXAMPLES = REPOSITORY / "docs" / "examples"
DEFAULT_POSTGRESQL_URL = "postgres://postgres@127.0.0.1:5432"
REAL_FILES = ("saas-sales", "telco", "odoo-contacts")


@dataclass
class Case:
    """One file to import, with its mapping and reference date."""

    name: str
    label: str
    path: Path
    mapping: str
    as_of: datetime.date | None = None


@dataclass
class Measure:
    seconds: float
    rows: int
    queries: int
    status: str
    created: int
    unchanged: int

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


class QueryCounter:
    """A database execute wrapper that counts the statements sent."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def real_cases(names: list[str]) -> list[Case]:
    if not names:
        return []
    if not SHARED_DATA.is_dir():
        print(f"Skipping the real files: {SHARED_DATA} is missing.")
        return []
    cases = [
        Case(
            "saas-sales",
            "SaaS-Sales.csv, rounding",
            SHARED_DATA / "saas-sales" / "SaaS-Sales.csv",
            str(EXAMPLES / "saas-sales.json"),
        ),
        Case(
            "telco",
            "Telco-Customer-Churn.csv",
            SHARED_DATA / "telco-churn" / "Telco-Customer-Churn.csv",
            str(EXAMPLES / "telco-churn.json"),
            datetime.date(2024, 12, 31),
        ),
        Case(
            "odoo-contacts",
            "Odoo res.partner.csv",
            SHARED_DATA / "odoo-import-examples" / "res.partner.csv",
            "odoo-contacts",
        ),
    ]
    return [case for case in cases if case.name in names]


def synthetic_cases(sizes: list[int], folder: Path) -> list[Case]:
    cases = []
    for rows in sizes:
        path = write_payments(folder / f"payments-{rows}.csv", rows)
        label = f"synthetic payments, {rows:,} rows"
        mapping = str(EXAMPLES / "saas-sales.json")
        cases.append(Case(f"synthetic-{rows}", label, path, mapping))
    return cases


class SqliteDatabases:
    """Fresh SQLite files, each a copy of one migrated file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.template = folder / "template.sqlite3"
        self.count = 0

    def url(self) -> str:
        return f"sqlite:///{self.template}"

    def fresh(self) -> str:
        self.count += 1
        name = self.folder / f"bench-{self.count}.sqlite3"
        shutil.copyfile(self.template, name)
        return str(name)

    def drop_all(self) -> None:
        """Leave the files to the temporary folder, which is removed."""


class PostgresqlDatabases:
    """Fresh PostgreSQL databases, each created from one migrated template."""

    def __init__(self, server_url: str) -> None:
        import psycopg

        self.server_url = server_url.rstrip("/")
        self.prefix = f"saas_manager_bench_{os.getpid()}"
        self.template = f"{self.prefix}_template"
        self.names: list[str] = []
        self.admin = psycopg.connect(f"{self.server_url}/postgres", autocommit=True)
        self.admin.execute(f'CREATE DATABASE "{self.template}"')
        self.names.append(self.template)

    def url(self) -> str:
        return f"{self.server_url}/{self.template}"

    def fresh(self) -> str:
        name = f"{self.prefix}_{len(self.names)}"
        self.admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.names.append(name)
        return name

    def drop_all(self) -> None:
        for name in reversed(self.names):
            self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.close()


@contextmanager
def using_database(name: str) -> Iterator[None]:
    """Point Django's default connection at another database for a while."""
    from django.db import connection

    connection.close()
    previous = connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = previous


def import_once(case: Case) -> Measure:
    from django.db import connection

    from saas_manager.imports.mapping import load_mapping
    from saas_manager.imports.pipeline import Options, run_import

    content = case.path.read_bytes()
    mapping = load_mapping(case.mapping)
    counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        batch = run_import(
            content,
            file_name=case.path.name,
            mapping=mapping,
            options=Options(as_of=case.as_of),
        )
    seconds = time.perf_counter() - started
    return Measure(
        seconds,
        batch.row_count,
        counter.count,
        batch.status,
        batch.created_count,
        batch.unchanged_count,
    )


def peak_memory(run: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def benchmark(case: Case, databases) -> None:
    with using_database(databases.fresh()):
        first = import_once(case)
        second = import_once(case)
    with using_database(databases.fresh()):
        peak = peak_memory(lambda: import_once(case))
    for run, measure in (("first", first), ("again", second)):
        memory = f"{peak / 2**20:.1f} MiB" if run == "first" else ""
        print(
            f"| {case.label} | {run} | {measure.rows:,} | {measure.status} | "
            f"{measure.created:,} | {measure.unchanged:,} | {measure.seconds:.2f} s | "
            f"{measure.rows_per_second:,.0f} | {measure.queries:,} | {memory} |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="The database engine to import into.",
    )
    parser.add_argument(
        "--postgresql-url",
        default=DEFAULT_POSTGRESQL_URL,
        help="The PostgreSQL server, without a database name, for "
        "--database postgresql; its user must be allowed to create databases.",
    )
    parser.add_argument(
        "--files",
        nargs="*",
        choices=REAL_FILES,
        default=list(REAL_FILES),
        help="The real files to import; all three unless given.",
    )
    parser.add_argument(
        "--synthetic",
        type=int,
        nargs="*",
        default=[],
        metavar="ROWS",
        help="Also import synthetic payment files of these row counts.",
    )
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="saas-manager-bench-") as folder:
        work = Path(folder)
        cases = real_cases(arguments.files) + synthetic_cases(arguments.synthetic, work)
        if not cases:
            print("Nothing to benchmark.")
            return
        if arguments.database == "sqlite":
            databases = SqliteDatabases(work)
        else:
            databases = PostgresqlDatabases(arguments.postgresql_url)
        try:
            run_cases(cases, databases, work)
        finally:
            databases.drop_all()


def run_cases(cases: list[Case], databases, work: Path) -> None:
    os.environ["DATABASE_URL"] = databases.url()
    # Django's own data (the task queue's SQLite file) goes to the temporary
    # folder too, so the benchmark leaves nothing behind.
    os.environ["DATA_DIR"] = str(work)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saas_manager.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    connection.close()
    print(
        f"Database: {connection.vendor}; Python {sys.version.split()[0]}; "
        f"{os.cpu_count()} CPUs; load average {_load()} at the start"
    )
    print(
        "| file | run | rows | status | created | unchanged | wall time "
        "| rows/s | SQL queries | peak Python memory |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for case in cases:
        benchmark(case, databases)
    print(f"Load average {_load()} at the end")


def _load() -> str:
    """Return the 1, 5 and 15 minute load averages, to show other work running."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
