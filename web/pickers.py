"""Pickers the forms share: a unit by name (`unit_choices`), and what goods are by their
classification — a code list, and a code typed or picked by its name from the suggestions
(`classification_picker`, read back with `read_classification`). A listing's form
(`web.listings`) and a demand pool's (`web.hub_pools`) offer them alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marketplace.api import classification_name, named_classifications, shown_classification
from marketplace.catalog.classification import Scheme
from marketplace.catalog.units import REC20
from web.page import Reader


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
