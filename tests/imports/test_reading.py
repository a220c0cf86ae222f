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

    assert table.rows[0].problems[0][2] == "The row has 2 cells; the header has 1."


def test_read_table_rejects_duplicate_column():
    with pytest.raises(FileRejected) as raised:
        read_table(b"Name,name\nAnn,Bob\n", "", ",")

    assert "twice" in str(raised.value)


def test_read_table_rejects_empty_file():
    with pytest.raises(FileRejected):
        read_table(b"", "", ",")


def test_read_table_marks_row_with_missing_cells():
    table = read_table(b"A,B,C,D,E,F\n1,2,3\n", "", ",")

    assert table.rows[0].problems[0][2] == "The row has 3 cells; the header has 6."


def test_read_table_rejects_unterminated_quote():
    content = b'Name,City\nAnn,Gent\nBob,"Li\xc3\xa8ge\nCarl,Gent\n'

    with pytest.raises(FileRejected) as raised:
        read_table(content, "", ",")

    assert "opens on line 3 is never closed" in str(raised.value)


def test_read_table_unterminated_quote_after_quoted_line_break():
    content = b'Name,Notes\nAnn,"two\nlines",x,"open\nBob,x\n'

    with pytest.raises(FileRejected) as raised:
        read_table(content, "", ",")

    assert "opens on line 3 is never closed" in str(raised.value)


def test_read_table_accepts_escaped_quotes():
    table = read_table(b'Name,Notes\nAnn,"say ""hi"""\n', "", ",")

    assert table.rows[0].cells["Notes"] == 'say "hi"'


@pytest.mark.parametrize(
    ("content", "column", "value"),
    [
        (b"Ref,Name\nIMP-14,A\n\xef\xbb\xbfIMP-15,B\n", "Ref", "'\\ufeffIMP-15'"),
        (b"Ref,Name\nIMP-14,Nul\x00Co\n", "Name", "'Nul\\x00Co'"),
        (b"Ref,Name\nIMP-14,Bell\x07\n", "Name", "'Bell\\x07'"),
    ],
)
def test_read_table_marks_control_characters(content, column, value):
    table = read_table(content, "", ",")

    problems = table.rows[-1].problems
    assert len(problems) == 1
    assert problems[0][0] == column
    assert problems[0][1] == value


def test_read_table_accepts_tab_and_leading_bom():
    table = read_table(b"\xef\xbb\xbfRef,Name\nIMP-14,A\tB\n", "", ",")

    assert table.header == ["Ref", "Name"]
    assert table.rows[0].problems == []


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_decode_names_utf16(encoding):
    content = "\ufeffName\nAnn\n".encode(encoding)

    with pytest.raises(FileRejected) as raised:
        decode(content, "")

    assert "The file is UTF-16" in str(raised.value)
    assert "Save it as UTF-8" in str(raised.value)


def test_decode_names_utf16_before_fallback():
    content = "\ufeffName\nAnn\n".encode("utf-16-le")

    with pytest.raises(FileRejected) as raised:
        decode(content, "cp1252")

    assert "FF FE" in str(raised.value)
