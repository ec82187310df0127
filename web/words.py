"""The words several pages give the services' codes and refusals, in English for the catalog
(translated when shown, `reader.gettext`): one table each, whichever page shows them."""

from __future__ import annotations

from collections.abc import Callable

from marketplace.organization.models import InclusionAttribute


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


#: Said for a service's `EmailUnverified` refusal, wherever a form meets it.
UNVERIFIED = _("Prove your e-mail address first: follow the link we sent you, or ask for a new one above.")
#: An organisation's inclusion attributes (declared, and verified by a hub), by name.
INCLUSION_WORDS = {
    InclusionAttribute.women_led: _("Women-led"),
    InclusionAttribute.youth_led: _("Youth-led"),
    InclusionAttribute.minority_led: _("Minority-led"),
    InclusionAttribute.cooperative: _("Cooperative"),
}
#: Credential types in common use, by name (a hub's own types are shown with their code spaced).
CREDENTIAL_TYPES = {
    "organic": _("Organic certificate"),
    "food_safety": _("Food safety certificate"),
    "export_licence": _("Export licence"),
    "phytosanitary": _("Phytosanitary certificate"),
    "trade_permit": _("Trade permit"),
    "veterinary_approval": _("Veterinary approval"),
}


def credential_name(code: str, gettext: Callable[[str], str]) -> str:
    """A credential type by name in the reader's language (`gettext`); a hub's own type by its code,
    spaced (`dairy_licence` → `dairy licence`)."""
    text = CREDENTIAL_TYPES.get(code)
    return gettext(text) if text is not None else code.replace("_", " ")


def inclusion_name(attribute: str, gettext: Callable[[str], str]) -> str:
    """An inclusion attribute (`women_led`) by name in the reader's language (`Women-led`, a label: it
    starts with a capital, as German nouns do anywhere); an unknown one by its code, spaced."""
    try:
        return gettext(INCLUSION_WORDS[InclusionAttribute(attribute)])
    except ValueError:
        return attribute.replace("_", " ")
