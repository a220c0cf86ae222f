import codecs

import pytest

from saas_manager.imports.reading import FileRejected, decode, read_table


def test_decode_utf8_without_bom():
    text, encoding = decode("Name\nCafé\n".encode(), "")

    assert text == "Name\nCafé\n"
    assert encoding == "utf-8"


def test_decode_strips_utf8_bom():
    text, _encoding = decode(codecs.BOM_UTF8 + "Name\nCafé\n".encode(), "")

    assert text == "Name\nCafé\n"


@pytest.mark.parametrize("fallback", ["cp1252", "latin-1"])
def test_decode_uses_fallback_for_non_utf8(fallback):
    content = "Name\nCafé\n".encode(fallback)

    text, encoding = decode(content, fallback)

    assert text == "Name\nCafé\n"
    assert encoding == fallback


def test_decode_prefers_utf8_over_fallback():
    # Read as cp1252, these UTF-8 bytes would turn into "CafÃ©".
    text, encoding = decode("Café".encode(), "cp1252")

    assert text == "Café"
    assert encoding == "utf-8"


def test_decode_without_fallback_names_byte_offset():
    content = "Name\nCafé\n".encode("cp1252")

    with pytest.raises(FileRejected) as raised:
        decode(content, "")

    assert "offset 8" in str(raised.value)
    assert "0xe9" in str(raised.value)
    assert "fallback_encoding" in str(raised.value)


def test_decode_rejects_bytes_invalid_in_fallback_too():
    # 0x81 is undefined in cp1252.
    with pytest.raises(FileRejected) as raised:
        decode(b"Name\n\x81\n", "cp1252")

    assert "offset 5" in str(raised.value)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_read_table_line_endings(newline):
    content = newline.join(["Name,City", "Ann,Gent", "Bob,Liège", ""]).encode()

    table = read_table(content, "", ",")

    assert table.header == ["Name", "City"]
    assert [row.cells["City"] for row in table.rows] == ["Gent", "Liège"]
    assert [row.line for row in table.rows] == [2, 3]


def test_read_table_counts_lines_inside_quotes_and_blank_lines():
    content = b'Name,Notes\r\nAnn,"two\r\nlines"\r\n\r\nBob,x\r\n'

    table = read_table(content, "", ",")

    assert [row.line for row in table.rows] == [2, 5]
    assert table.rows[0].cells["Notes"] == "two\r\nlines"


def test_read_table_marks_row_with_extra_cells():
    table = read_table(b"Name\nAnn,extra\n", "", ",")

    assert "2 cells" in table.rows[0].problem


def test_read_table_rejects_duplicate_column():
    with pytest.raises(FileRejected) as raised:
        read_table(b"Name,name\nAnn,Bob\n", "", ",")

    assert "twice" in str(raised.value)


def test_read_table_rejects_empty_file():
    with pytest.raises(FileRejected):
        read_table(b"", "", ",")
