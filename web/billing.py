"""An organisation's invoicing details as a page: its street and postal code, how it stands towards
VAT (with its VAT number), the bank account buyers pay into, the contact its invoices give and, for a
German public buyer, its Leitweg-ID. Its members read them; its owners and administrators change
them on the page's form.

Every rule is the organisation service's (`OrganizationService.billing`, `set_billing`), called as
the JSON API calls it: an organisation one is no member of is its 404, a member who is no
administrator is refused the form's post (403), a member whose address is not proven is sent to
prove it (the error page), and each bad field comes back with the service's problem, said here in
the reader's language with the countries named in it by their names.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from babel.languages import get_official_languages
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.errors import InvalidInput
from kernel.validation import convert
from marketplace.organization.models import Role
from marketplace.organization.schemas import BillingDetails, BillingRead
from marketplace.organization.service import OrganizationService
from marketplace.tax.models import VatScheme
from web.messages import FIELD_MESSAGES, Phrasebook
from web.organization_views import Names, place_of
from web.page import Form, Reader, form_values, page, see_other

Session = NamedDependency[AsyncSession]
ThisReader = NamedDependency[Reader]


def _(text: str) -> str:
    """Marks a text for the catalog (`borderhub i18n extract`); it is translated when shown."""
    return text


#: The form's text fields, in the order the service names their problems.
TEXT_FIELDS = ("street", "postal_code", "vat_number", "iban", "bic", "invoice_email", "phone", "leitweg_id")
#: How an organisation stands towards VAT: the choice's name and what it means for its invoices
#: (the small business's with the law of its country it cites, `%(basis)s`).
SCHEME_WORDS = {
    VatScheme.registered: (_("Registered for VAT"), _("We charge VAT and print our VAT number on our invoices.")),
    VatScheme.small_business: (
        _("Small business"),
        _("We charge no VAT under our country's small-business exemption (%(basis)s), which our invoices cite."),
    ),
    VatScheme.not_registered: (_("Not registered for VAT"), _("We charge no VAT, and our invoices say so.")),
}
#: The organisation service's words about the invoicing details (`marketplace.organization.billing`),
#: as the page says them; `%(country)s` and `%(other)s` are countries by name.
BILLING_MESSAGES = Phrasebook(
    [
        (
            r"this VAT number is from .+ \((?P<other>[A-Z]{2})\) but the organisation is registered in "
            r".+ \((?P<country>[A-Z]{2})\)",
            _(
                "This VAT number is from %(other)s, but the organisation is registered in %(country)s. "
                "Enter the organisation's own VAT number."
            ),
        ),
        (
            r"not a valid VAT number of .+ \((?P<country>[A-Z]{2})\): the check digit is wrong",
            _("The check digit of this VAT number is wrong. Compare it with the organisation's VAT registration."),
        ),
        (
            r"not a valid VAT number of .+ \((?P<country>[A-Z]{2})\): .*",
            _("This is not a VAT number of %(country)s. Compare it with the organisation's VAT registration."),
        ),
        (r"a VAT number has at most (?P<n>\d+) letters and digits", _("Use at most %(n)s letters and digits.")),
        (
            r"is required when the organisation is registered for VAT",
            _("Enter the VAT number: an organisation registered for VAT prints it on its invoices."),
        ),
        (
            r".+ \((?P<country>[A-Z]{2})\) has no small-business exemption in Borderhub",
            _("Borderhub knows no small-business exemption in %(country)s. Choose another answer."),
        ),
        (
            r"not a valid IBAN: the check digits are wrong",
            _("The check digits of this IBAN are wrong. Copy it from a bank statement."),
        ),
        (
            r"not a valid IBAN: .*",
            _("This is not an IBAN. Copy it from a bank statement; it is written like DE89 3704 0044 0532 0130 00."),
        ),
        (
            r"this BIC is of a bank in .+ \((?P<other>[A-Z]{2})\) but the IBAN is of an account in "
            r".+ \((?P<country>[A-Z]{2})\)",
            _(
                "This BIC is of a bank in %(other)s, but the IBAN is of an account in %(country)s. "
                "Enter the BIC of the account's bank."
            ),
        ),
        (r"not a valid BIC: .*", _("This is not a BIC. A BIC has 8 or 11 letters and digits, like COBADEFFXXX.")),
        (
            r"a Leitweg-ID is for German public buyers",
            _("Only German public buyers have a Leitweg-ID. Leave this empty."),
        ),
        (r"not a valid Leitweg-ID: the check digit is wrong", _("The check digit of this Leitweg-ID is wrong.")),
        (r"not a valid Leitweg-ID: .*", _("This is not a Leitweg-ID. It is written like 991-33333TEST-33.")),
        (r"is not an e-mail address, like .*", _("Enter an e-mail address, like invoices@example.org.")),
        (
            r"a phone number has 3 to 40 characters.*",
            _("Enter a phone number of 3 to 40 characters: digits, spaces and + - ( ) /."),
        ),
    ],
    then=FIELD_MESSAGES,
)


@dataclass(frozen=True)
class SchemeChoice:
    """One answer to how the organisation stands towards VAT, as the form offers it."""

    value: str
    label: str
    hint: str
    """Untranslated: the template translates it, naming the law (`%(basis)s`) in its own language."""


def _grouped(number: str | None) -> str | None:
    """An IBAN in groups of four, as bank statements print it."""
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4)) if number else None


def _values(billing: BillingRead) -> dict[str, str]:
    values = {name: getattr(billing, name) or "" for name in TEXT_FIELDS}
    values["iban"] = _grouped(billing.iban) or ""
    values["vat_scheme"] = billing.vat_scheme.value
    return values


def _billing_input(values: Mapping[str, str]) -> dict[str, Any]:
    """The form as the service's `BillingDetails` reads it: a field left empty is none (cleared)."""
    data: dict[str, Any] = {name: values.get(name) or None for name in TEXT_FIELDS}
    if values.get("vat_scheme"):
        data["vat_scheme"] = values["vat_scheme"]
    return data


class BillingPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/organizations/{organization_id:uuid}/billing", name="billing")
    async def billing(self, organization_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session) -> Template:
        principal = reader.require()
        return await self._page(reader, db_session, principal, organization_id, None)

    @post("/organizations/{organization_id:uuid}/billing")
    async def save(
        self,
        request: Request[Any, Any, Any],
        organization_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
    ) -> Template | Redirect:
        principal = reader.require()
        values = await form_values(request)
        form = Form(values=values)
        try:
            data = convert(_billing_input(values), BillingDetails, strict=False)
            await OrganizationService(db_session).set_billing(principal, organization_id, data)
        except InvalidInput as error:
            names = Names(language=reader.language, locale=reader.formats.locale)
            form.note(
                error,
                reader,
                say=lambda message: BILLING_MESSAGES.say(
                    message, reader.gettext, {"country": names.country, "other": names.country}
                ),
            )
            return await self._page(reader, db_session, principal, organization_id, form, status_code=422)
        return see_other(f"/organizations/{organization_id}/billing", notice="billing-saved")

    async def _page(
        self,
        reader: Reader,
        db_session: AsyncSession,
        principal: Principal,
        organization_id: uuid.UUID,
        form: Form | None,
        status_code: int = 200,
    ) -> Template:
        organizations = OrganizationService(db_session)
        organization = await organizations.read(principal, organization_id)
        billing = await organizations.billing(principal, organization_id)
        names = Names(language=reader.language, locale=reader.formats.locale)
        choices = [
            SchemeChoice(value=scheme.value, label=reader.gettext(label), hint=hint)
            for scheme, (label, hint) in SCHEME_WORDS.items()
            if scheme is not VatScheme.small_business or billing.small_business_basis or billing.vat_scheme is scheme
        ]
        languages = get_official_languages(billing.country, de_facto=True)
        given = form.values.get("leitweg_id") if form else None
        return page(
            reader,
            "organizations/billing.jinja",
            status_code=status_code,
            organization=organization,
            billing=billing,
            place=place_of(organization, names),
            scheme=next(choice for choice in choices if choice.value == billing.vat_scheme.value),
            iban=_grouped(billing.iban),
            choices=choices,
            basis_language=languages[0] if languages else "",
            manages=organization.my_role is not None and organization.my_role.at_least(Role.admin),
            form=form or Form(values=_values(billing)),
            # A Leitweg-ID is asked of German organisations; one given elsewhere is shown, to be cleared.
            asks_leitweg_id=billing.country == "DE" or bool(billing.leitweg_id or given),
        )
