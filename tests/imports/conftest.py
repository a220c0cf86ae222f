import json
from pathlib import Path

import pytest

from saas_manager.imports.mapping import parse_mapping

# A small mapping that most tests use: one customer and one payment per row.
PAYMENTS_MAPPING = {
    "format": 1,
    "name": "test-payments",
    "decimal_separator": ".",
    "thousands_separator": ",",
    "key_columns": ["Reference"],
    "records": [
        {
            "id": "customer",
            "model": "customer",
            "key": ["external_reference"],
            "fields": {
                "external_reference": {"column": "Customer ID"},
                "name": {"column": "Customer"},
                "currency": {"value": "EUR"},
            },
        },
        {
            "id": "payment",
            "model": "payment",
            "key": ["method", "transaction_reference"],
            "update": False,
            "fields": {
                "customer": {"record": "customer"},
                "transaction_reference": {"column": "Reference"},
                "method": {"value": "bank_transfer"},
                "status": {"value": "completed"},
                "currency": {"value": "EUR"},
                "date": {"column": "Date", "date_format": "%d/%m/%Y"},
                "amount": {"column": "Amount"},
            },
        },
    ],
}

PAYMENTS_HEADER = "Customer ID,Customer,Reference,Date,Amount"


def payments_mapping(**changes):
    """Return the test mapping with top-level keys or amount options changed."""
    document = json.loads(json.dumps(PAYMENTS_MAPPING))
    amount_options = changes.pop("amount", {})
    document["records"][1]["fields"]["amount"].update(amount_options)
    document.update(changes)
    return parse_mapping(document)


@pytest.fixture
def write_file(tmp_path: Path):
    """Write bytes or text to a file in tmp_path and return its path."""

    def write(name: str, content: bytes | str) -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            content = content.encode("utf-8")
        path.write_bytes(content)
        return path

    return write


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # Pages are rendered without `collectstatic`, so there is no manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
