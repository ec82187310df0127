"""Numbers as people type them, in their language: `2,5` and `1.000` in German, `1 000,5` in Polish,
`2.5` anywhere; one reading for every form of the pages. It is the kernel's (`kernel.numbers`), so
that the spreadsheet import reads the numbers of a file the same way."""

from __future__ import annotations

from kernel.numbers import parse_number, read_number

__all__ = ["parse_number", "read_number"]
