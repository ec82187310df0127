"""The VAT breakdown of a document (EN 16931 BG-23): its lines grouped by VAT category and rate,
each group's VAT its net sum times the rate, rounded once (BR-CO-17). Orders, invoices and credit
notes all total their VAT this way, so every document of an order says the same amounts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from kernel.money import from_minor, to_minor


@dataclass(frozen=True)
class TaxedAmount:
    code: str
    rate: Decimal
    net_minor: int
    note: str | None = None


@dataclass(frozen=True)
class Group:
    code: str
    rate: Decimal
    taxable_minor: int
    tax_minor: int
    note: str | None
    """The note of the group's first line (one order's lines of one code share their note)."""


def breakdown(amounts: Iterable[TaxedAmount], currency: str) -> list[Group]:
    """Groups in the order their code and rate first appear."""
    sums: dict[tuple[str, Decimal], int] = {}
    notes: dict[tuple[str, Decimal], str | None] = {}
    for amount in amounts:
        key = (amount.code, amount.rate.quantize(Decimal("0.01")))
        sums[key] = sums.get(key, 0) + amount.net_minor
        notes.setdefault(key, amount.note)
    return [
        Group(
            code=code,
            rate=rate,
            taxable_minor=taxable,
            tax_minor=to_minor(from_minor(taxable, currency) * rate / 100, currency),
            note=notes[(code, rate)],
        )
        for (code, rate), taxable in sums.items()
    ]


def vat_of(amounts: Iterable[TaxedAmount], currency: str) -> int:
    return sum(group.tax_minor for group in breakdown(amounts, currency))
