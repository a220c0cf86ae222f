"""Decoding an uploaded file and splitting it into rows with line numbers."""

import codecs
import csv
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _


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
    # A reason the whole row is rejected before any field is read.
    problem: str = ""


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
            problem = ""
            if len(cells) > len(header):
                problem = _(
                    "The row has %(count)d cells; the header has %(expected)d columns."
                ) % {"count": len(cells), "expected": len(header)}
                cells = cells[: len(header)]
            cells += [""] * (len(header) - len(cells))
            row = Row(line, dict(zip(header, cells, strict=True)), problem=problem)
            rows.append(row)
    except csv.Error as error:
        raise FileRejected(
            _("Line %(line)d is not valid CSV: %(reason)s")
            % {"line": reader.line_num, "reason": error}
        ) from error
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
