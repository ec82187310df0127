"""A listing's VAT category in words, with what it means in the producer's country today
(`Reduced rate — 7% in Germany`): the choices of the listing form, the listing page's fact, and the
services' refusal of a category the country has no rate of, as the form and the spreadsheet import
say it. The rates are `TaxService.rates`' (what `GET /api/v1/vat-rates` answers); the rule that
refuses a category is `marketplace.catalog.service.check_vat_category`'s."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from babel import lists
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock
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
