import json

import pytest

from saas_manager.imports.mapping import (
    MappingError,
    load_mapping,
    parse_mapping,
    shipped_mapping_names,
)
from tests.imports.conftest import PAYMENTS_MAPPING


def _document(**record_changes):
    document = json.loads(json.dumps(PAYMENTS_MAPPING))
    document["records"][0].update(record_changes)
    return document


def test_shipped_mappings_load():
    assert "odoo-contacts" in shipped_mapping_names()

    mapping = load_mapping("odoo-contacts")

    assert [spec.id for spec in mapping.records] == ["customer", "contact"]


def test_load_mapping_from_path(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(PAYMENTS_MAPPING))

    mapping = load_mapping(str(path))

    assert mapping.name == "test-payments"


def test_load_mapping_unknown_name():
    with pytest.raises(MappingError) as raised:
        load_mapping("no-such-mapping")

    assert "no-such-mapping" in str(raised.value)
    assert "odoo-contacts" in str(raised.value)


def test_load_mapping_invalid_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{")

    with pytest.raises(MappingError) as raised:
        load_mapping(str(path))

    assert "not valid JSON" in str(raised.value)


def test_unknown_field_rejected():
    document = _document()
    document["records"][0]["fields"]["shoe_size"] = {"column": "Size"}

    with pytest.raises(MappingError) as raised:
        parse_mapping(document)

    message = str(raised.value)
    assert "field shoe_size" in message
    assert "customer has no importable field shoe_size" in message
    assert "external_reference" in message


def test_unknown_top_level_key_rejected():
    document = _document()
    document["encodng"] = "cp1252"

    with pytest.raises(MappingError) as raised:
        parse_mapping(document)

    assert "unknown key encodng" in str(raised.value)


def test_bad_date_format_rejected():
    document = _document()
    document["records"][1]["fields"]["date"]["date_format"] = "%m/%Y"

    with pytest.raises(MappingError) as raised:
        parse_mapping(document)

    assert "date_format '%m/%Y' does not give a whole date" in str(raised.value)


def test_date_format_without_codes_rejected():
    document = _document()
    document["records"][1]["fields"]["date"]["date_format"] = "MM/DD/YYYY"

    with pytest.raises(MappingError) as raised:
        parse_mapping(document)

    assert "is not a date format" in str(raised.value)


def test_date_column_needs_format():
    document = _document()
    del document["records"][1]["fields"]["date"]["date_format"]

    with pytest.raises(MappingError) as raised:
        parse_mapping(document)

    assert "needs a date_format" in str(raised.value)


def test_unknown_model_rejected():
    with pytest.raises(MappingError) as raised:
        parse_mapping(_document(model="invoice"))

    assert "model 'invoice' is unknown" in str(raised.value)


def test_missing_required_field_rejected():
    document = _document()
    del document["records"][0]["fields"]["name"]

    with pytest.raises(MappingError) as raised:
        parse_mapping(document)

    assert "required fields are not mapped: name" in str(raised.value)


def test_key_field_must_be_mapped():
    with pytest.raises(MappingError) as raised:
        parse_mapping(_document(key=["vat_number"]))

    assert "key field vat_number is not among the fields" in str(raised.value)


def test_record_reference_must_come_earlier():
    document = _document()
    document["records"].reverse()

    with pytest.raises(MappingError) as raised:
        parse_mapping(document)

    assert "record 'customer' is not declared before" in str(raised.value)


def test_round_only_for_amounts():
    document = _document()
    document["records"][0]["fields"]["name"]["round"] = True

    with pytest.raises(MappingError) as raised:
        parse_mapping(document)

    assert "round is only for amount fields" in str(raised.value)


def test_unknown_transform_rejected():
    document = _document()
    document["records"][0]["fields"]["name"]["transform"] = "titlecase"

    with pytest.raises(MappingError) as raised:
        parse_mapping(document)

    assert "transform 'titlecase' is unknown" in str(raised.value)


def test_unknown_fallback_encoding_rejected():
    document = _document()
    document["fallback_encoding"] = "klingon-8"

    with pytest.raises(MappingError) as raised:
        parse_mapping(document)

    assert "klingon-8" in str(raised.value)


def test_same_separators_rejected():
    document = _document()
    document["thousands_separator"] = "."

    with pytest.raises(MappingError) as raised:
        parse_mapping(document)

    assert "both '.'" in str(raised.value)


def test_two_sources_rejected():
    document = _document()
    document["records"][0]["fields"]["name"]["value"] = "Fixed"

    with pytest.raises(MappingError) as raised:
        parse_mapping(document)

    assert "exactly one of column, value, record or template" in str(raised.value)


def test_unknown_on_conflict_rejected():
    document = json.loads(json.dumps(PAYMENTS_MAPPING))
    document["records"][0]["fields"]["name"]["on_conflict"] = "last"

    with pytest.raises(MappingError, match="on_conflict is 'last'"):
        parse_mapping(document)


def test_load_mapping_deeply_nested_rejected(tmp_path):
    path = tmp_path / "nested.json"
    path.write_text("[" * 100_000)

    with pytest.raises(MappingError) as raised:
        load_mapping(str(path))

    assert "nested too deeply" in str(raised.value)


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity"])
def test_non_finite_number_rejected(tmp_path, number):
    document = json.dumps(PAYMENTS_MAPPING).replace('{"value": "EUR"}', "{}", 0)
    document = document.replace(
        '"amount": {"column": "Amount"}', f'"amount": {{"value": {number}}}'
    )
    path = tmp_path / "mapping.json"
    path.write_text(document)

    with pytest.raises(MappingError) as raised:
        load_mapping(str(path))

    assert "not finite" in str(raised.value)
