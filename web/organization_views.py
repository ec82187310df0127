"""An organisation and its credentials in words, for every page that shows them (its own pages,
`web.organizations` and `web.credentials`, and its hub's coordinators', `web.hubs`): places,
languages and currencies by name (`Names`, `place_of`), registration schemes by name, a credential's
state and its document's kind and size.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import babel
from babel import units

from kernel.pagination import MAX_PER_PAGE, PageParams
from marketplace.organization.schemas import OrganizationRead
from marketplace.place import service as places
from web.i18n import language_name
from web.page import Reader
from web.places import countries, place_name, regions

#: One page of everything a page lists (an organisation's credentials, the hubs): more is not expected.
EVERYTHING = PageParams(page=1, per_page=MAX_PER_PAGE)
#: The kinds of file by name, as the list says them ("PDF, 240 kB").
DOCUMENT_KINDS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}


def _(text: str) -> str:
    """Marks a text for the catalog (`borderhub i18n extract`); it is translated when shown."""
    return text


#: Registration numbers people are asked for most here (the service knows more: any scheme is taken).
REGISTRATION_SCHEMES = {
    "PL-NIP": _("Polish tax number (NIP)"),
    "PL-REGON": _("Polish statistical number (REGON)"),
    "PL-KRS": _("Polish court register number (KRS)"),
    "DE-HRB": _("German commercial register number (Handelsregister)"),
    "DE-USTIDNR": _("German VAT number (USt-IdNr.)"),
    "CZ-ICO": _("Czech company number (IČO)"),
    "CZ-DIC": _("Czech tax number (DIČ)"),
    "SK-ICDPH": _("Slovak VAT number (IČ DPH)"),
    "VAT": _("EU VAT number"),
}
#: Each scheme by name, as the service stores it (`DE-HRB` is stored as `DE-HANDELSREGISTER`).
SCHEME_NAMES = {**REGISTRATION_SCHEMES, "DE-HANDELSREGISTER": REGISTRATION_SCHEMES["DE-HRB"]}
#: A credential's state in words, by its effective status.
STATE_TEXTS = {
    "verified": _("Verified by %(hub)s on %(day)s"),
    # The reason is the coordinator's own words, shown as written.
    "rejected": _("Not accepted by %(hub)s: %(reason)s"),
    "expired": _("Expired"),
    "submitted": _("Waiting for a hub's coordinators to check it"),
}


@dataclass(frozen=True)
class Names:
    """Countries, regions, languages and currencies by name in the reader's language."""

    language: str
    locale: babel.Locale

    def country(self, code: str) -> str:
        return countries(self.language).get(code, code)

    def regions(self, country: str) -> list[tuple[str, str, str | None]]:
        """(code, name, enclosing region's code) of each region of `country`, by name."""
        return [(item.code, item.name, item.parent_code) for item in regions(country, self.language)]

    def place(self, code: str) -> str:
        """A country or a region and its country by name (`Polen`, `Niederschlesien, Polen`)."""
        return place_name(code, self.language)

    def language_name(self, tag: str) -> str:
        return language_name(tag, self.locale)

    @functools.cached_property
    def currencies(self) -> dict[str, str]:
        return {item.code: item.name for item in places.list_currencies(self.language, None).items}


def place_of(organization: OrganizationRead, names: Names) -> str:
    """Where the organisation sits, smallest place first: `Zgorzelec, Niederschlesien, Polen`."""
    where = names.place(organization.subdivision or organization.country)
    return f"{organization.municipality}, {where}" if organization.municipality else where


def file_size(size_bytes: int, reader: Reader) -> str:
    """`240 kB`, `1.2 MB` in the reader's locale."""
    locale = reader.formats.locale
    if size_bytes < 1000 * 1000:
        return units.format_unit(max(1, round(size_bytes / 1000)), "digital-kilobyte", length="short", locale=locale)
    return units.format_unit(round(size_bytes / 1000 / 1000, 1), "digital-megabyte", length="short", locale=locale)
