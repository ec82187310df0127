"""A listing's VAT category in words, with what it means in the producer's country today
(`Reduced rate — 7% in Germany`): the choices of the listing form, the listing page's fact, and the
services' refusal of a category the country has no rate of, as the form and the spreadsheet import
say it. The rates are `TaxService.rates`' (what `GET /api/v1/vat-rates` answers); the rule that
refuses a category is `marketplace.catalog.service.check_vat_category`'s.

And the VAT of an order's (or a cart's) lines as the order pages say it: each line's rate (`7 %`,
or why it carries none: `Reverse charge`), the VAT per rate, and the sentences the invoice prints
for its VAT notes (`marketplace.invoicing.wording.note_text`, in the reader's language)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from babel import lists
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock
from kernel.money import Amount
from marketplace.cart.schemas import CartGroup
from marketplace.invoicing.wording import note_text
from marketplace.order.schemas import OrderRead, VatGroupRead
from marketplace.tax.decision import VatNote
from marketplace.tax.models import VatCategory
from marketplace.tax.service import TaxService
from web.page import Reader
from web.places import countries, place_name


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


#: Each category in words, as a producer chooses it.
CATEGORY_WORDS = {
    VatCategory.standard: _("Standard rate"),
    VatCategory.reduced: _("Reduced rate"),
    VatCategory.super_reduced: _("Super-reduced rate"),
    VatCategory.zero: _("Zero rate"),
    VatCategory.exempt: _("Exempt from VAT"),
}
#: The services' refusal (`check_vat_category`): `Germany has no super-reduced VAT rate; choose standard or reduced`.
_NO_RATE = re.compile(r"(?P<country>.+) has no (?P<category>[a-z-]+) VAT rate; choose (?P<choices>.+)")


@dataclass(frozen=True)
class VatTerms:
    """The VAT rates in force today in a producer's country, by category (None: it has no such rate)."""

    country: str
    rates: dict[VatCategory, Decimal | None]

    @property
    def known(self) -> bool:
        """Whether any rate of the country is known (for a country of which none is, any category goes)."""
        return any(rate is not None for rate in self.rates.values())


async def vat_terms(session: AsyncSession, country: str) -> VatTerms:
    """Today's rates in `country` (the seat of the producer whose listing a page shows)."""
    read = await TaxService(session).rates(country, clock.today())
    return VatTerms(country=country, rates={item.category: item.rate for item in read if item.country == country})


def described(terms: VatTerms, category: VatCategory, reader: Reader) -> str:
    """The category and its rate in the producer's country today, in the reader's words."""
    word = reader.gettext(CATEGORY_WORDS[category])
    if category is VatCategory.exempt or not terms.known:
        return word
    country = place_name(terms.country, reader.language)
    rate = terms.rates.get(category)
    if rate is None:
        # Translators: a category the country has no rate of, like "Super-reduced rate — none in Germany today".
        return reader.gettext("%(category)s — none in %(country)s today") % {"category": word, "country": country}
    # Translators: a VAT category and its rate in the producer's country, like "Reduced rate — 7 % in Germany".
    return reader.gettext("%(category)s — %(rate)s in %(country)s") % {
        "category": word,
        "rate": reader.formats.percent(rate),
        "country": country,
    }


def choices(terms: VatTerms, reader: Reader, current: VatCategory | None = None) -> list[tuple[str, str]]:
    """The categories a producer may choose (the ones her country has a rate of, every one where no
    rate of it is known), each with its rate; and `current`, the listing's, whatever it is."""
    return [
        (category.value, described(terms, category, reader))
        for category in VatCategory
        if not terms.known or terms.rates.get(category) is not None or category is current
    ]


def hint(terms: VatTerms, reader: Reader) -> str:
    """What the choice means, said under the form's field."""
    if not terms.known:
        return reader.gettext(
            "Your prices are without VAT. No VAT rates of %(country)s are known here yet: "
            "choose the category your goods are in."
        ) % {"country": place_name(terms.country, reader.language)}
    return reader.gettext(
        "Your prices are without VAT. An order adds the VAT due at the rate of this category on the day it is placed."
    )


def said(message: str, reader: Reader, *, in_file: bool = False) -> str | None:
    """The services' refusal of a category the producer's country has no rate of, as a page says it
    (None for any other message): on the form, to choose another; for a file's `vat_category` cell,
    the values to write instead."""
    found = _NO_RATE.fullmatch(message)
    if found is None:
        return None
    english = {name: code for code, name in countries("en").items()}
    code = english.get(found["country"])
    country = place_name(code, reader.language) if code else found["country"]
    if not in_file:
        return reader.gettext("%(country)s has no VAT rate of this category today. Choose another one.") % {
            "country": country
        }
    values = [word.replace("-", "_") for word in re.split(r", | or ", found["choices"])]
    return reader.gettext("%(country)s has no VAT rate of this category today. Write one of: %(values)s.") % {
        "country": country,
        "values": lists.format_list(values, style="or", locale=reader.formats.locale),
    }


# --- the VAT of order lines ----------------------------------------------------------------------

#: Why a line carries no VAT, by its VAT note (`marketplace.tax.decision.VatNote`).
NO_VAT_WORDS = {
    VatNote.intra_community: _("Intra-Community supply"),
    VatNote.reverse_charge: _("Reverse charge"),
    VatNote.small_business: _("Small business — no VAT"),
    VatNote.exempt: _("Exempt from VAT"),
    VatNote.not_registered: _("Not subject to VAT"),
    VatNote.outside_scope: _("Not subject to VAT"),
    VatNote.export: _("Export"),
}
#: The same by the EN 16931 category code, for a line without its note.
NO_VAT_CODE_WORDS = {
    "K": NO_VAT_WORDS[VatNote.intra_community],
    "AE": NO_VAT_WORDS[VatNote.reverse_charge],
    "E": NO_VAT_WORDS[VatNote.exempt],
    "O": NO_VAT_WORDS[VatNote.not_registered],
    "G": NO_VAT_WORDS[VatNote.export],
}


def _note(note: str | None) -> VatNote | None:
    try:
        return VatNote(note) if note else None
    except ValueError:
        return None


def no_vat_reason(code: str, rate: Decimal, note: str | None, reader: Reader) -> str | None:
    """Why a line (or a group of lines) of category `code` carries no VAT, in words; None for a
    line taxed at a rate, or zero-rated (`0 %` says it)."""
    if rate != 0:
        return None
    known = _note(note)
    said = NO_VAT_WORDS.get(known) if known is not None else None
    said = said or NO_VAT_CODE_WORDS.get(code)
    return reader.gettext(said) if said else None


def line_rate(code: str, rate: Decimal, note: str | None, reader: Reader) -> str:
    """A line's VAT as its row says it: the rate (`7 %`), or why it carries none (`Reverse charge`)."""
    return no_vat_reason(code, rate, note, reader) or reader.formats.percent(rate)


@dataclass(frozen=True)
class VatRow:
    """One VAT category and rate of an order: `VAT 7 % on 880,00 €: 61,60 €`, or, for lines that
    carry no VAT for a reason of law, the reason (`Reverse charge: no VAT on 880,00 €`)."""

    rate: str
    reason: str | None
    taxable: Amount
    vat: Amount


@dataclass(frozen=True)
class VatShown:
    """The VAT of an order's lines as a page shows it."""

    rates: list[str]
    """Each line's rate in words (`line_rate`), in the order of the lines."""
    rows: list[VatRow]
    notes: list[str]
    """The sentences of the lines' VAT notes, each once (as the invoice prints them)."""


def vat_rows(
    groups: Sequence[VatGroupRead], lines: Iterable[tuple[str, Decimal, str | None]], reader: Reader
) -> list[VatRow]:
    """The rows of a VAT breakdown; `lines` (each line's code, rate and note) name why a group
    carries no VAT (an `E` group is a small business's or exempt goods')."""
    notes: dict[tuple[str, Decimal], str | None] = {}
    for code, rate, note in lines:
        notes.setdefault((code, Decimal(rate)), note)
    return [
        VatRow(
            rate=reader.formats.percent(group.rate),
            reason=no_vat_reason(group.category, group.rate, notes.get((group.category, Decimal(group.rate))), reader),
            taxable=group.taxable,
            vat=group.vat,
        )
        for group in groups
    ]


def note_sentences(notes: Iterable[str | None], seller_country: str, reader: Reader) -> list[str]:
    """The invoice's sentence for each VAT note (each once, in the order the lines have them), in
    the reader's language."""
    known = [found for found in (_note(note) for note in notes) if found is not None]
    return [note_text(note, seller_country, reader.language) for note in dict.fromkeys(known)]


def order_vat(order: OrderRead, seller_country: str, reader: Reader) -> VatShown:
    """The VAT of an order as placed, for its page (and its checkout's)."""
    lines = [(line.vat_category, line.vat_rate, line.vat_note) for line in order.lines]
    return VatShown(
        rates=[line_rate(code, rate, note, reader) for code, rate, note in lines],
        rows=vat_rows(order.vat_breakdown, lines, reader),
        notes=note_sentences((note for _code, _rate, note in lines), seller_country, reader),
    )


def cart_vat(group: CartGroup, reader: Reader) -> VatShown:
    """The VAT checkout would charge on one producer's lines of a cart read for a buyer (a line
    whose VAT cannot be decided has no rate: its `vat_problem` says why)."""
    decided = [(line.vat.category, line.vat.rate, line.vat.note) for line in group.lines if line.vat is not None]
    return VatShown(
        rates=[
            line_rate(line.vat.category, line.vat.rate, line.vat.note, reader) if line.vat is not None else ""
            for line in group.lines
        ],
        rows=vat_rows(group.vat_breakdown, decided, reader),
        notes=[],
    )
