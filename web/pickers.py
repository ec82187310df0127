"""Pickers the forms share: a unit by name (`unit_choices`), what goods are by their
classification — a code list, and a code typed or picked by its name from the suggestions
(`classification_picker`, read back with `read_classification`) —, and the places of a hub by name
(`place_choices`). A listing's form (`web.listings`), a demand pool's (`web.hub_pools`) and a hub's
rules (`web.hub_settings`) offer them alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kernel import codes
from marketplace.api import classification_name, named_classifications, shown_classification
from marketplace.catalog.classification import Scheme
from marketplace.catalog.units import REC20
from marketplace.hub.schemas import HubRead
from web.page import Reader
from web.places import place_name, regions


def unit_choices(reader: Reader, current: str | None) -> list[tuple[str, str]]:
    """Every unit the catalog accepts, by name (one code per name: `piece` is H87, not also C62)."""
    choices: dict[str, str] = {}
    for code in REC20:
        name = reader.formats.unit(code)
        if name not in choices.values() or code == current:
            choices[code] = name
    return [("", reader.gettext("Choose a unit")), *choices.items()]


def read_classification(values: Mapping[str, Any]) -> dict[str, str]:
    """The scheme and code of a form's `scheme` and `code` fields; a code picked from the names
    (`CPV 03142100-9`) carries its scheme."""
    scheme, code = values.get("scheme", ""), values.get("code", "")
    prefix, _, rest = code.partition(" ")
    if rest.strip() and prefix.upper() in {known.value for known in Scheme}:
        scheme, code = prefix.upper(), rest.strip()
    return {"scheme": scheme, "code": code}


def classification_picker(reader: Reader, values: Mapping[str, Any]) -> dict[str, Any]:
    """What the form shows to pick a classification: the code lists by name (`schemes`), every named
    code as a suggestion (`named_codes`: value, name, scheme) and the name of the code now chosen
    (`code_name`, None for none or a code without a name)."""
    chosen = read_classification(values)
    return {
        "schemes": [
            (Scheme.CPV.value, reader.gettext("CPV (public procurement)")),
            (Scheme.HS.value, reader.gettext("HS (customs tariff)")),
        ],
        "named_codes": [
            (f"{known.value} {shown_classification(known, value)}", name, known.value)
            for known, value, name in named_classifications(reader.language)
        ],
        "code_name": classification_name(chosen["scheme"], chosen["code"], reader.language) if chosen["code"] else None,
    }


def place_choices(hub: HubRead, reader: Reader, *, countries: bool = False) -> list[tuple[str, str]]:
    """The hub's places by name and the regions within each (a country's regions, a region's own
    smaller ones); with `countries`, the countries of its places first (a rule about a whole
    country). A delivery point lies in a region; a rule may be about a country as well."""
    language = reader.language
    found: dict[str, str] = {}
    if countries:
        for scope in hub.jurisdictions:
            country = codes.jurisdiction_country(scope)
            found.setdefault(country, place_name(country, language))
    for scope in hub.jurisdictions:
        found.setdefault(scope, place_name(scope, language))
        enclosing = scope if "-" in scope else None
        for region in regions(codes.jurisdiction_country(scope), language):
            if region.parent_code == enclosing and region.code != scope:
                found.setdefault(region.code, place_name(region.code, language))
    prompt = reader.gettext("Choose a place") if countries else reader.gettext("Choose a region")
    return [("", prompt), *found.items()]
