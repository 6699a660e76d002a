"""Reading the tabular importer's CSV files: header and numbered rows, and the problems on the way.

This is the CSV importer's only file I/O; what a row means is the business of
:mod:`~cmdbgraph.ingest.importers.tabular`. :func:`open_table` opens a file in the mapping's
``encoding`` (the default ``utf-8-sig`` drops a UTF-8 byte-order mark) and reads it with
:func:`csv.reader` (strict, with the mapping's ``delimiter`` and ``quotechar``), giving the
:class:`Header` (the first row that is not blank; no columns in an empty file) and a lazy
iterator over the other rows as :data:`Row` ``(line, cells)``:

- ``line`` is the line the row starts on (1-based), counted from the reader's position, so
  blank lines and line breaks inside quoted cells are counted;
- ``cells`` are stripped; rows whose cells are all empty are skipped;
- the file is closed when the iterator is exhausted.

Problems go to the caller's :class:`ReadLog`, in the order they are met: ``UNREADABLE_FILE``
(the file cannot be opened; ``open_table`` returns None), ``BAD_ENCODING`` (at the first line that
is not text in the encoding) and ``BAD_CSV`` (at the reader's line). Either of the last two ends
the file: its name is added to ``cut_short``, and ``open_table`` returns None when it happens
before the header. :func:`count_lines` counts line breaks beforehand, for progress totals.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO

from cmdbgraph.ingest.importers.tabular_mappings import CsvMapping
from cmdbgraph.schema import Problem

Row = tuple[int, list[str]]
"""``(line, cells)``: the line a row starts on and its stripped cells."""

_HEADER_SHOWN = 20


class ReadLog(Protocol):
    """Where reading reports: :meth:`problem` adds to ``problems``; a file whose reading stopped
    at a ``BAD_ENCODING`` or ``BAD_CSV`` problem is added to ``cut_short``."""

    problems: list[Problem]
    cut_short: set[str]

    def problem(self, code: str, message: str, where: str, column: str = "") -> None: ...


def count_lines(path: Path) -> int:
    """Line breaks in ``path`` (plus one for a last line without one); 0 when unreadable."""
    lines = 0
    last = b"\n"
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
    except OSError:
        return 0
    return lines + (last != b"\n")


@dataclass(frozen=True)
class Header:
    """A file's header row: where it is and which column is at which index."""

    file: str
    line: int
    names: tuple[str, ...]

    def find(self, column: str) -> int | None:
        if column in self.names:
            return self.names.index(column)
        folded = [i for i, n in enumerate(self.names) if n.casefold() == column.casefold()]
        return folded[0] if len(folded) == 1 else None

    def shown(self) -> str:
        names = ", ".join(repr(n) for n in self.names[:_HEADER_SHOWN])
        return names + (", ..." if len(self.names) > _HEADER_SHOWN else "") if names else "no columns"


def open_table(path: Path, mapping: CsvMapping, log: ReadLog) -> tuple[Header, Iterator[Row]] | None:
    """The header of ``path`` and an iterator over its other rows; None when the file cannot be
    opened (``UNREADABLE_FILE``) or read up to a header (``BAD_ENCODING``, ``BAD_CSV``)."""
    try:
        fh = path.open(encoding=mapping.encoding, newline="")
    except OSError as exc:
        log.problem("UNREADABLE_FILE", f"cannot open the file: {exc.strerror}", str(path))
        return None
    rows = _rows(fh, path, mapping, log)
    reported = len(log.problems)
    first = next(rows, None)
    if len(log.problems) > reported:  # BAD_ENCODING or BAD_CSV before a header: nothing to check
        return None
    header = Header(str(path), 1, ()) if first is None else Header(str(path), first[0], tuple(first[1]))
    return header, rows


def _undecodable_line(path: Path, encoding: str) -> int:
    """The first line of ``path`` that is not ``encoding`` text (for the message only: the text
    stream decodes in chunks, so its error does not say which line)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    number = 0
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, 1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError:
                return number
    return max(number, 1)  # an incomplete sequence at the very end


def _rows(fh: TextIO, path: Path, mapping: CsvMapping, log: ReadLog) -> Iterator[Row]:
    """``(line, cells)`` of every non-blank row (cells stripped); closes ``fh`` when done.

    A reading error becomes one ``BAD_ENCODING`` or ``BAD_CSV`` problem at its line and ends the
    file.
    """
    with fh:
        reader = csv.reader(fh, delimiter=mapping.delimiter, quotechar=mapping.quotechar, strict=True)
        line = 0
        try:
            for cells in reader:
                start, line = line + 1, reader.line_num
                stripped = [c.strip() for c in cells]
                if any(stripped):
                    yield start, stripped
        except UnicodeDecodeError as exc:
            where = f"{path}:{_undecodable_line(path, mapping.encoding)}"
            message = f"not {mapping.encoding} text ({exc.reason}); give the mapping its encoding:"
            log.problem("BAD_ENCODING", message, where)
            log.cut_short.add(str(path))
        except csv.Error as exc:
            log.problem("BAD_CSV", f"not readable as CSV: {exc}", f"{path}:{reader.line_num}")
            log.cut_short.add(str(path))
