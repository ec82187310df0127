"""Spreadsheets for tests of the listing import: an Excel workbook of rows, as a person saves one."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

import openpyxl


def workbook(header: Sequence[object], rows: Iterable[Sequence[object]] = ()) -> bytes:
    """An .xlsx file whose first sheet holds `header`, then `rows` (numbers as number cells, None as
    an empty cell)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
