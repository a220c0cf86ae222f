"""Decoding an uploaded file and splitting it into rows with line numbers."""

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

_LINE_END = re.compile(r"\r\n|\r|\n")


class FileRejected(ValueError):
    """A file that cannot be read at all, so no row can be imported."""


@dataclass
class Row:
    """One data row: its first line in the file and its cells by column."""

    line: int
    cells: dict[str, str]
    records: dict[str, object] = field(default_factory=dict)
    rounded: int = 0
    warnings: list = field(default_factory=list)
    # Reasons the whole row is rejected before any field is read, each as
    # (column, value, message); the column and value may be empty.
    problems: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class Table:
    encoding: str
    header: list[str]
    rows: list[Row]

    def column(self, names: tuple[str, ...]) -> str | None:
        """Return the first of the names that the header has, ignoring case."""
        by_folded = {name.casefold(): name for name in self.header}
        for name in names:
            if name.casefold() in by_folded:
                return by_folded[name.casefold()]
        return None


def decode(content: bytes, fallback_encoding: str) -> tuple[str, str]:
    """Return the text and the encoding it was read with.

    UTF-8 comes first, with or without a byte order mark. Only bytes that are
    not UTF-8 are read with the fallback, so a UTF-8 file never turns into
    mojibake.
    """
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8) :]
    elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode Text" and some Windows tools write UTF-16.
        raise FileRejected(
            _(
                "The file is UTF-16 (it starts with the byte order mark "
                '%(bom)s), not UTF-8. Save it as UTF-8: in Excel choose "CSV '
                'UTF-8 (Comma delimited)", in LibreOffice choose the character '
                "set Unicode (UTF-8), or run iconv -f UTF-16 -t UTF-8."
            )
            % {"bom": content[:2].hex(" ").upper()}
        )
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        utf8_error = error
    if not fallback_encoding:
        raise FileRejected(
            _(
                "The file is not UTF-8: byte %(value)s at offset %(offset)d is "
                "invalid. Save it as UTF-8, or declare fallback_encoding (such "
                "as cp1252) in the mapping."
            )
            % {
                "value": f"0x{content[utf8_error.start]:02x}",
                "offset": utf8_error.start,
            }
        )
    try:
        return content.decode(fallback_encoding), fallback_encoding
    except UnicodeDecodeError as error:
        raise FileRejected(
            _(
                "The file is neither UTF-8 nor %(encoding)s: byte %(value)s at "
                "offset %(offset)d is invalid in both."
            )
            % {
                "encoding": fallback_encoding,
                "value": f"0x{content[error.start]:02x}",
                "offset": error.start,
            }
        ) from error


def read_table(content: bytes, fallback_encoding: str, delimiter: str) -> Table:
    """Decode the file and return its header and data rows.

    The header is line 1. A row's line is the line it starts on, which counts
    the line breaks inside quoted cells of earlier rows. Blank lines are
    skipped but counted.
    """
    text, encoding = decode(content, fallback_encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration as error:
        raise FileRejected(_("The file is empty; expected a header line.")) from error
    header = [name.strip() for name in header]
    _check_header(header)
    rows = []
    next_line = reader.line_num + 1
    try:
        for cells in reader:
            line = next_line
            next_line = reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            problems = []
            if len(cells) != len(header):
                message = _(
                    "The row has %(count)d cells; the header has %(expected)d."
                ) % {"count": len(cells), "expected": len(header)}
                problems.append(("", "", message))
                cells = cells[: len(header)]
            cells += [""] * (len(header) - len(cells))
            by_column = dict(zip(header, cells, strict=True))
            problems += _character_problems(by_column)
            rows.append(Row(line, by_column, problems=problems))
    except csv.Error as error:
        raise FileRejected(
            _("Line %(line)d is not valid CSV: %(reason)s")
            % {"line": reader.line_num, "reason": error}
        ) from error
    if rows:
        _check_closed_quote(text, rows[-1].line, delimiter)
    return Table(encoding, header, rows)


def _check_header(header: list[str]) -> None:
    seen = set()
    for position, name in enumerate(header, start=1):
        if not name:
            raise FileRejected(
                _("Column %(position)d of the header has no name.")
                % {"position": position}
            )
        if name.casefold() in seen:
            raise FileRejected(
                _("Column %(value)s appears twice in the header.") % {"value": name}
            )
        seen.add(name.casefold())


def _character_problems(cells: dict[str, str]) -> list[tuple[str, str, str]]:
    """Return a problem for each cell with a character no text field accepts.

    Control characters other than tab and line breaks (which a quoted cell
    may contain) are rejected, NUL among them because PostgreSQL cannot
    store it. A byte order mark is kept only at the start of the file,
    where decode() strips it, so one anywhere else is a stray.
    """
    problems = []
    for column, cell in cells.items():
        bad = [
            char
            for char in cell
            if char == "\ufeff"
            or (unicodedata.category(char) == "Cc" and char not in "\t\r\n")
        ]
        if not bad:
            continue
        message = _(
            "The cell contains the character %(char)s, which is not allowed in "
            "a value; remove it."
        ) % {"char": f"U+{ord(bad[0]):04X}"}
        problems.append((column, repr(cell), message))
    return problems


def _check_closed_quote(text: str, last_row_line: int, delimiter: str) -> None:
    """Reject a file that ends inside a quoted cell.

    A quote that is never closed makes the csv module read every later line
    into one cell, so the last row is the one that contains it. Its text is
    scanned again to find the line where the open quote starts.
    """
    # The csv module ends lines only at CR, LF and CRLF, unlike splitlines().
    lines = _LINE_END.split(text)
    tail = "\n".join(lines[last_row_line - 1 :])
    in_quote = False
    at_cell_start = True
    opened_at = 0
    position = 0
    while position < len(tail):
        char = tail[position]
        if in_quote:
            if char == '"':
                if tail.startswith('"', position + 1):
                    position += 1
                else:
                    in_quote = False
            at_cell_start = False
        else:
            if char == '"' and at_cell_start:
                in_quote = True
                opened_at = position
            at_cell_start = char in (delimiter, "\n", "\r")
        position += 1
    if in_quote:
        line = last_row_line + tail[:opened_at].count("\n")
        raise FileRejected(
            _(
                "The quoted cell that opens on line %(line)d is never closed, so "
                "the file ends inside it. Add the closing quote."
            )
            % {"line": line}
        )
