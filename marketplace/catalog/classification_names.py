"""Names of the classification codes the border hubs' producers use most, in the languages the
service is written in (English, German, Polish, Czech), so that a producer finds a code by what
the goods are called rather than by its digits.

This is not the official CPV or HS nomenclature (CPV alone names some 9,500 codes): it is a short
list of our own, worded for the goods and services micro-enterprises of the border towns offer —
bread, honey, cheese, vegetables, meat, preserves, herbs and tea, drinks, wood and textiles,
catering, cleaning, printing. A code that is not listed is just as valid (`classification.normalise`
is the rule); it only has no name to show. Add codes here when producers need them, with a name in
each language.

A code without a name of its own is called by its category (`category_name`): the HS heading or
chapter, the CPV group or division it falls in, named in 18 languages in `category_names.jsonl` (one
category per line, short everyday names a buyer understands: `04` is "Dairy, eggs and honey").
"""

from __future__ import annotations

import functools
import unicodedata
from importlib.resources import files
from typing import NamedTuple

import msgspec

from marketplace.catalog.classification import Scheme, digits, normalise

#: The languages every code is named in (the first is the fallback for any other).
NAME_LANGUAGES = ("en", "de", "pl", "cs")
_CPV_DIGITS = 8  # a CPV code's digits without its check digit


class NamedCode(NamedTuple):
    scheme: Scheme
    code: str
    """As the catalog stores it (`classification.normalise`): CPV `03142100-9`, HS `040900`."""
    names: dict[str, str]
    """By language: `{"en": "Natural honey", "de": "Honig", ...}`."""


def _named(scheme: Scheme, code: str, en: str, de: str, pl: str, cs: str) -> NamedCode:
    return NamedCode(scheme, normalise(scheme, code), {"en": en, "de": de, "pl": pl, "cs": cs})


def _cpv(code: str, en: str, de: str, pl: str, cs: str) -> NamedCode:
    return _named(Scheme.CPV, code, en, de, pl, cs)


def _hs(code: str, en: str, de: str, pl: str, cs: str) -> NamedCode:
    return _named(Scheme.HS, code, en, de, pl, cs)


NAMED_CODES: tuple[NamedCode, ...] = (
    # --- CPV: what public buyers (town halls, schools, hospitals) ask for in tenders -------------
    # bakery and mill
    _cpv("15811100-7", "Bread", "Brot", "Chleb", "Chléb"),
    _cpv("15812200-5", "Cakes", "Kuchen und Torten", "Ciasta i torty", "Koláče a dorty"),
    _cpv("15821200-1", "Sweet biscuits", "Kekse", "Ciastka", "Sušenky"),
    _cpv("15612100-2", "Wheat flour", "Weizenmehl", "Mąka pszenna", "Pšeničná mouka"),
    _cpv("15613380-5", "Rolled oats", "Haferflocken", "Płatki owsiane", "Ovesné vločky"),
    # farm produce
    _cpv("03142100-9", "Natural honey", "Honig", "Miód naturalny", "Přírodní med"),
    _cpv("03142500-3", "Eggs", "Eier", "Jaja", "Vejce"),
    _cpv("03221000-6", "Vegetables", "Gemüse", "Warzywa", "Zelenina"),
    _cpv("03212100-1", "Potatoes", "Kartoffeln", "Ziemniaki", "Brambory"),
    _cpv("03221112-4", "Carrots", "Möhren", "Marchew", "Mrkev"),
    _cpv("03221113-1", "Onions", "Zwiebeln", "Cebula", "Cibule"),
    _cpv("03221240-0", "Tomatoes", "Tomaten", "Pomidory", "Rajčata"),
    _cpv("03221410-3", "Cabbage", "Kohl", "Kapusta", "Zelí"),
    _cpv("03221260-6", "Mushrooms", "Pilze", "Grzyby", "Houby"),
    _cpv("03222000-3", "Fruit and nuts", "Obst und Nüsse", "Owoce i orzechy", "Ovoce a ořechy"),
    _cpv("03222321-9", "Apples", "Äpfel", "Jabłka", "Jablka"),
    _cpv("03222313-0", "Strawberries", "Erdbeeren", "Truskawki", "Jahody"),
    _cpv("03451000-6", "Plants and seedlings", "Pflanzen und Setzlinge", "Rośliny i sadzonki", "Rostliny a sazenice"),
    # dairy
    _cpv("15511000-3", "Milk", "Milch", "Mleko", "Mléko"),
    _cpv("15530000-2", "Butter", "Butter", "Masło", "Máslo"),
    _cpv("15544000-3", "Hard cheese", "Hartkäse", "Ser twardy", "Tvrdý sýr"),
    _cpv("15542000-9", "Fresh cheese and curd", "Frischkäse und Quark", "Ser świeży i twaróg", "Čerstvý sýr a tvaroh"),
    _cpv("15551300-8", "Yoghurt", "Joghurt", "Jogurt", "Jogurt"),
    # meat
    _cpv("15110000-2", "Meat", "Fleisch", "Mięso", "Maso"),
    _cpv("15111100-0", "Beef", "Rindfleisch", "Wołowina", "Hovězí maso"),
    _cpv("15113000-3", "Pork", "Schweinefleisch", "Wieprzowina", "Vepřové maso"),
    _cpv("15112130-6", "Chicken", "Hähnchenfleisch", "Kurczaki", "Kuřecí maso"),
    _cpv("15131130-5", "Sausages", "Wurst", "Kiełbasy", "Klobásy a uzeniny"),
    _cpv("15131410-2", "Ham", "Schinken", "Szynka", "Šunka"),
    # preserves, herbs and tea
    _cpv("15332290-3", "Jams", "Konfitüren", "Dżemy", "Džemy"),
    _cpv("15331500-2", "Pickled vegetables", "Sauer eingelegtes Gemüse", "Warzywa marynowane", "Nakládaná zelenina"),
    _cpv("15863000-5", "Tea", "Tee", "Herbata", "Čaj"),
    _cpv("15865000-9", "Herbal teas", "Kräutertees", "Herbaty ziołowe", "Bylinné čaje"),
    _cpv("15872300-4", "Herbs", "Kräuter", "Zioła", "Bylinky"),
    # drinks
    _cpv("15321600-0", "Apple juice", "Apfelsaft", "Sok jabłkowy", "Jablečná šťáva"),
    _cpv("15981000-8", "Mineral water", "Mineralwasser", "Woda mineralna", "Minerální voda"),
    _cpv("15961000-2", "Beer", "Bier", "Piwo", "Pivo"),
    # wood, furniture and textiles
    _cpv("03419100-1", "Timber products", "Holzerzeugnisse", "Wyroby z drewna", "Výrobky ze dřeva"),
    _cpv("03413000-8", "Firewood", "Brennholz", "Drewno opałowe", "Palivové dříví"),
    _cpv("03432100-8", "Wickerwork", "Korbwaren", "Wyroby wikliniarskie", "Proutěné zboží"),
    _cpv("39100000-3", "Furniture", "Möbel", "Meble", "Nábytek"),
    _cpv("39512000-4", "Bed linen", "Bettwäsche", "Pościel", "Ložní prádlo"),
    _cpv("18331000-8", "T-shirts", "T-Shirts", "Koszulki", "Trička"),
    _cpv("39830000-9", "Cleaning products", "Reinigungsmittel", "Środki czystości", "Čisticí prostředky"),
    # services
    _cpv("55520000-1", "Catering", "Catering", "Usługi cateringowe", "Cateringové služby"),
    _cpv("55521200-0", "Meal delivery", "Essenslieferung", "Dostawa posiłków", "Rozvoz jídel"),
    _cpv("90910000-9", "Cleaning services", "Reinigungsdienste", "Usługi sprzątania", "Úklidové služby"),
    _cpv("79800000-2", "Printing", "Druckarbeiten", "Usługi drukarskie", "Tiskařské služby"),
    # --- HS: the customs tariff, for goods crossing the border ---------------------------------
    _hs("0409.00", "Natural honey", "Naturhonig", "Miód naturalny", "Přírodní med"),
    _hs("0407.21", "Fresh hens' eggs", "Frische Hühnereier", "Świeże jaja kurze", "Čerstvá slepičí vejce"),
    _hs("0401", "Milk and cream", "Milch und Rahm", "Mleko i śmietana", "Mléko a smetana"),
    _hs("0405.10", "Butter", "Butter", "Masło", "Máslo"),
    _hs("0406", "Cheese and curd", "Käse und Quark", "Sery i twarogi", "Sýry a tvaroh"),
    _hs("0701", "Potatoes", "Kartoffeln", "Ziemniaki", "Brambory"),
    _hs("0808.10", "Apples", "Äpfel", "Jabłka", "Jablka"),
    _hs("1101.00", "Wheat flour", "Weizenmehl", "Mąka pszenna", "Pšeničná mouka"),
    _hs("1905", "Bread, pastry and cakes", "Brot, Backwaren und Kuchen", "Pieczywo i ciasta", "Pečivo a koláče"),
    _hs("1601", "Sausages", "Würste", "Kiełbasy", "Klobásy"),
    _hs("0902", "Tea", "Tee", "Herbata", "Čaj"),
    _hs("1211.90", "Herbs for teas", "Kräuter für Tees", "Zioła do naparów", "Byliny na čaj"),
    _hs("2007", "Jams and fruit spreads", "Konfitüren und Fruchtaufstriche", "Dżemy i powidła", "Džemy a povidla"),
    _hs(
        "2009",
        "Fruit and vegetable juices",
        "Frucht- und Gemüsesäfte",
        "Soki owocowe i warzywne",
        "Ovocné a zeleninové šťávy",
    ),
    _hs("4401", "Firewood", "Brennholz", "Drewno opałowe", "Palivové dříví"),
    _hs("4421", "Other articles of wood", "Andere Holzwaren", "Inne wyroby z drewna", "Jiné výrobky ze dřeva"),
    _hs(
        "6302",
        "Bed, table and kitchen linen",
        "Bett-, Tisch- und Küchenwäsche",
        "Bielizna pościelowa, stołowa i kuchenna",
        "Ložní, stolní a kuchyňské prádlo",
    ),
)


def _key(scheme: Scheme, code: str) -> tuple[Scheme, str]:
    # CPV codes match with or without their check digit; HS codes by their digits.
    found = digits(code)
    return Scheme(scheme), found[:_CPV_DIGITS] if Scheme(scheme) is Scheme.CPV else found


_BY_CODE = {_key(named.scheme, named.code): named for named in NAMED_CODES}


def _language(tag: str) -> str:
    primary = tag.split("-", 1)[0].lower()
    return primary if primary in NAME_LANGUAGES else NAME_LANGUAGES[0]


def name_of(scheme: Scheme | str, code: str, language: str) -> str | None:
    """The name of a code in `language` (a BCP 47 tag; English for a language it is not named in), else
    of its category (`category_name`), or None when neither is named (or `scheme` is none we know)."""
    try:
        named = _BY_CODE.get(_key(Scheme(scheme), code))
    except ValueError:
        return None
    return named.names[_language(language)] if named is not None else category_name(scheme, code, language)


class _Category(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    scheme: Scheme
    code: str
    """The category's digits: an HS chapter (2) or heading (4), a CPV division (2) or group (3)."""
    names: dict[str, str]


@functools.cache
def _categories() -> dict[tuple[Scheme, str], dict[str, str]]:
    lines = files(__package__).joinpath("category_names.jsonl").read_bytes().splitlines()
    categories = (msgspec.json.decode(line, type=_Category) for line in lines if line.strip())
    return {(category.scheme, category.code): category.names for category in categories}


def category_name(scheme: Scheme | str, code: str, language: str) -> str | None:
    """The name of the narrowest named category holding `code` (its first digits are enough: `04` names
    HS chapter 4): the HS heading, else the chapter; the CPV group, else the division. In `language`'s
    primary subtag, else English; None when none is named."""
    try:
        known = Scheme(scheme)
    except ValueError:
        return None
    found = digits(code)
    for width in (4, 2) if known is Scheme.HS else (3, 2):
        names = _categories().get((known, found[:width])) if len(found) >= width else None
        if names:
            return names.get(language.split("-", 1)[0].lower(), names["en"])
    return None


def named_codes(language: str) -> tuple[tuple[Scheme, str, str], ...]:
    """Every named code as (scheme, code, name in `language`), by name, then scheme."""
    return _named_codes(_language(language))


@functools.cache  # one entry per language in NAME_LANGUAGES
def _named_codes(language: str) -> tuple[tuple[Scheme, str, str], ...]:
    return tuple(
        sorted(
            ((named.scheme, named.code, named.names[language]) for named in NAMED_CODES),
            key=lambda item: (_collation_key(item[2]), item[0].value),
        )
    )


def _collation_key(name: str) -> str:
    # Close enough to each language's alphabet for a pick list: "Čaj" sorts with C, not after Z.
    return "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch)).casefold()


def shown_code(scheme: Scheme | str, code: str) -> str:
    """A code as people write it: CPV as stored (`03142100-9`), HS with a dot after the heading and
    between the pairs after it (`0409.00`, `0406.10.30`)."""
    if Scheme(scheme) is Scheme.CPV:
        return code
    found = digits(code)
    pairs = [found[index : index + 2] for index in range(4, len(found), 2)]
    return ".".join([found[:4], *pairs])
