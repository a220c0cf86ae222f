import os
import subprocess
import sys


def test_migrate_runs_on_an_empty_database(tmp_path):
    # System checks run before the first migration; none may need a table.
    environment = {
        **os.environ,
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
    }

    result = subprocess.run(
        [sys.executable, "-m", "saas_manager", "migrate", "--no-input"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert "Applying core.0001_staff_groups... OK" in result.stdout
