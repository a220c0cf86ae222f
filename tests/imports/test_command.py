import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from saas_manager.billing.models import Payment
from saas_manager.imports.models import ImportBatch, ImportStatus
from tests.imports.conftest import PAYMENTS_HEADER, PAYMENTS_MAPPING

pytestmark = pytest.mark.django_db


@pytest.fixture
def mapping_path(tmp_path):
    path = tmp_path / "payments.json"
    path.write_text(json.dumps(PAYMENTS_MAPPING))
    return path


def _rows(*rows):
    return "\n".join([PAYMENTS_HEADER, *rows, ""])


def test_command_imports_file(write_file, mapping_path, capsys):
    path = write_file("ok.csv", _rows("C1,Acme,REF-1,31/01/2024,1.00"))

    call_command("import", str(path), mapping=str(mapping_path))

    assert Payment.objects.count() == 1
    output = capsys.readouterr().out
    assert "payment: 1 created, 0 updated, 0 unchanged" in output


def test_command_rejected_exits_non_zero(write_file, mapping_path, capsys):
    path = write_file(
        "bad.csv",
        _rows("C1,Acme,REF-1,31/01/2024,1.00", "C2,Beta,REF-2,31/01/2024,1.005"),
    )

    with pytest.raises(CommandError) as raised:
        call_command("import", str(path), mapping=str(mapping_path))

    assert raised.value.returncode == 1
    assert "1 rows have errors" in str(raised.value)
    errors = capsys.readouterr().err
    assert "line 3, column Amount (field amount), value '1.005'" in errors
    assert Payment.objects.count() == 0
    assert ImportBatch.objects.get().status == ImportStatus.REJECTED


def test_command_rejected_summary_says_would_be(write_file, mapping_path, capsys):
    path = write_file(
        "bad.csv",
        _rows("C1,Acme,REF-1,31/01/2024,1.00", "C2,Beta,REF-2,31/01/2024,1.005"),
    )

    with pytest.raises(CommandError):
        call_command("import", str(path), mapping=str(mapping_path))

    output = capsys.readouterr().out
    assert "payment: 1 would be created, 0 would be updated" in output
    assert "1 created" not in output


def test_command_file_rejected_summary(write_file, mapping_path, capsys):
    path = write_file("bad.csv", "Name\nAcme\n")

    with pytest.raises(CommandError) as raised:
        call_command("import", str(path), mapping=str(mapping_path))

    assert "the file as a whole" in str(raised.value)
    output = capsys.readouterr().out
    assert "rows rejected: the whole file" in output
    assert "rows rejected: 0" not in output


def test_command_partial(write_file, mapping_path):
    path = write_file(
        "bad.csv",
        _rows("C1,Acme,REF-1,31/01/2024,1.00", "C2,Beta,REF-2,31/01/2024,1.005"),
    )

    call_command("import", str(path), mapping=str(mapping_path), partial=True)

    assert Payment.objects.count() == 1


def test_command_dry_run(write_file, mapping_path):
    path = write_file("ok.csv", _rows("C1,Acme,REF-1,31/01/2024,1.00"))

    call_command("import", str(path), mapping=str(mapping_path), dry_run=True)

    assert Payment.objects.count() == 0
    assert ImportBatch.objects.get().status == ImportStatus.PREVIEWED


def test_command_bad_mapping_file(write_file, tmp_path):
    path = write_file("ok.csv", _rows("C1,Acme,REF-1,31/01/2024,1.00"))
    mapping = tmp_path / "bad.json"
    mapping.write_text(json.dumps({"records": [{"model": "customer", "fields": {}}]}))

    with pytest.raises(CommandError) as raised:
        call_command("import", str(path), mapping=str(mapping))

    assert "fields must be a non-empty object" in str(raised.value)


def test_command_missing_file(mapping_path):
    with pytest.raises(CommandError) as raised:
        call_command("import", "/nonexistent/file.csv", mapping=str(mapping_path))

    assert "Cannot read" in str(raised.value)


def test_command_bad_as_of(write_file, mapping_path):
    path = write_file("ok.csv", _rows("C1,Acme,REF-1,31/01/2024,1.00"))

    with pytest.raises(CommandError) as raised:
        call_command(
            "import", str(path), "--as-of", "31/12/2024", mapping=str(mapping_path)
        )

    assert "expected a date such as 2024-12-31" in str(raised.value)
    assert "--as-of" in str(raised.value)


def test_command_bad_as_of_prints_one_line(write_file, mapping_path):
    path = write_file("ok.csv", _rows("C1,Acme,REF-1,31/01/2024,1.00"))
    command = [
        str(Path(sys.executable).parent / "saas-manager"),
        "import",
        str(path),
        "--mapping",
        str(mapping_path),
        "--as-of",
        "31/12/2024",
    ]

    result = subprocess.run(command, capture_output=True, text=True, check=False)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "'31/12/2024' is not a date" in result.stderr


def test_command_rejects_file_over_limit(write_file, mapping_path, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 20
    path = write_file("big.csv", _rows("C1,Acme,REF-1,31/01/2024,1.00"))

    with pytest.raises(CommandError) as raised:
        call_command("import", str(path), mapping=str(mapping_path))

    assert "is 73 bytes; the maximum is 20 bytes" in str(raised.value)
    assert ImportBatch.objects.count() == 0


def test_command_max_bytes_raises_limit(write_file, mapping_path, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 20
    path = write_file("big.csv", _rows("C1,Acme,REF-1,31/01/2024,1.00"))

    call_command("import", str(path), "--max-bytes", "100", mapping=str(mapping_path))

    assert Payment.objects.count() == 1


@pytest.mark.parametrize("path", ["/dev/zero", "/tmp"])
def test_command_rejects_non_regular_file(mapping_path, path):
    with pytest.raises(CommandError) as raised:
        call_command("import", path, mapping=str(mapping_path))

    assert "is not a regular file" in str(raised.value)


def test_command_stores_bounded_errors(write_file, mapping_path, capsys):
    rows = [f"C{n},Acme,REF-{n},31/01/2024,-1.00" for n in range(1005)]
    path = write_file("bad.csv", _rows(*rows))

    with pytest.raises(CommandError):
        call_command("import", str(path), mapping=str(mapping_path))

    batch = ImportBatch.objects.get()
    assert len(batch.errors) == 1000
    assert batch.error_count == 1005
    assert batch.rejected_count == 1005
    assert "5 more errors are not stored" in capsys.readouterr().err
