import os
import sqlite3
import subprocess
import sys

import pytest


def run_command(database, *arguments):
    environment = {
        **os.environ,
        "DEBUG": "true",
        "DATA_DIR": str(database.parent),
        "DATABASE_URL": f"sqlite:///{database}",
    }
    return subprocess.run(
        [sys.executable, "-m", "saas_manager", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    database = tmp_path_factory.mktemp("fresh") / "fresh.sqlite3"
    result = run_command(database, "migrate", "--no-input")
    return database, result


def test_migrate_runs_on_an_empty_database(migrated):
    # System checks run before the first migration; none may need a table.
    _, result = migrated

    assert result.returncode == 0, result.stderr[-2000:]
    assert "Applying core.0001_staff_groups... OK" in result.stdout


def test_sqlite_serves_pages_while_another_process_writes(migrated):
    # A request must not need the write lock that the worker or an import
    # may hold for minutes.
    database, _ = migrated
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE auth_group SET name = name")

    try:
        result = run_command(
            database,
            "shell",
            "-c",
            "from django.test import Client; "
            "print(Client(SERVER_NAME='localhost').get('/admin/login/').status_code)",
        )
    finally:
        writer.execute("ROLLBACK")
        writer.close()

    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "200"
