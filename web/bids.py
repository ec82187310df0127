"""The producer's side of tenders (`/tenders`): the published tenders of the hubs its organisations
are admitted to as producers, open ones first; a tender's lots and terms; and, for each of the
reader's producer organisations, the sealed bid: prepared per lot (a lot left empty is no offer),
changed or withdrawn until the deadline, and after it the bid as submitted and what it won.

Everything goes through the services the JSON API calls: `TenderService` (public reads),
`BidService` (`submit` replaces the whole bid, as the API's PUT; `withdraw`; `read_own`, the only
read of a bid's contents before the deadline, to its own organisation's members; `missing`, what an
organisation lacks to bid on each lot) and `AwardService.read` (winners once confirmed). No other
bid is read on these pages: before the deadline nobody but the bidder sees a price of it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import babel
from babel import lists
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.errors import InvalidInput, NotFound
from kernel.numbers import read_number
from kernel.pagination import page_params
from kernel.validation import convert
from marketplace.api import hub_summary
from marketplace.organization.models import HubMembershipStatus
from marketplace.organization.schemas import OrganizationRead
from marketplace.organization.service import EmailUnverified
from procurement.award.schemas import AwardRead
from procurement.award.service import AwardService
from procurement.bid.schemas import BidRead, BidSubmit, MissingForLot
from procurement.bid.service import BidNotFound, BidService, SupplierIneligible, TenderNotOpenForBids
from procurement.settings import ProcurementSettings
from procurement.tender.models import BidStatus, TenderStatus
from procurement.tender.schemas import LotRead, TenderRead
from web.form_numbers import shown_number, shown_price
from web.mine import my_organizations, sells
from web.page import Form, Reader, form_values, page, see_other
from web.procurement_services import tender_service
from web.tender_views import TenderView, tender_view
from web.words import UNVERIFIED, credential_name

ThisReader = NamedDependency[Reader]
Session = NamedDependency[AsyncSession]
Procurement = NamedDependency[ProcurementSettings]
PER_PAGE = 20


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


#: The name of each field of a lot's offer, as the list of the form's problems says it.
LINE_FIELDS = {
    "price": _("Lot %(lot)s, unit price"),
    "quantity": _("Lot %(lot)s, most you can deliver"),
    "lead_time": _("Lot %(lot)s, lead time"),
}
#: The form's field of each field of a bid line (`BidLineSubmit`).
_LINE_FIELD_OF = {"unit_price": "price", "max_quantity": "quantity", "lead_time_days": "lead_time"}
_NO_LOT = _("Offer for at least one lot: fill in its unit price, the most you can deliver and the lead time.")
_INELIGIBLE = _(
    "The bid was not taken: %(organization)s lacks a permit or certificate that a lot you offered for "
    "requires. Leave those lots empty, or have the credentials verified by the hub first."
)
_LOT_INELIGIBLE = _("This lot requires %(credentials)s, which %(organization)s lacks.")
_CANCELLED = _("The tender was cancelled, so it takes no bids.")
_CLOSED = _("Bids closed at the deadline, %(deadline)s. Your bid can no longer be made, changed or withdrawn.")
_NO_BID = _("There is no bid of %(organization)s to withdraw.")


@dataclass
class Bidder:
    """One of the reader's producer organisations admitted to the tender's hub, with its own bid
    and what it lacks to bid on each lot."""

    organization: OrganizationRead
    bid: BidRead | None = None
    missing: dict[int, str] = field(default_factory=dict)
    """Per lot number, the credentials it lacks, by name in a list (`Organic certificate and Trade
    permit`); known while the tender takes bids."""
    won: list[dict[str, Any]] = field(default_factory=list)
    """What it won per lot, once the award is confirmed."""

    @property
    def bid_in(self) -> bool:
        return self.bid is not None and self.bid.status is BidStatus.submitted


class BidPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/tenders", name="tenders")
    async def tenders(
        self,
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
        page_number: Annotated[int, QueryParameter(name="page")] = 1,
    ) -> Template:
        principal = reader.require()
        pages = _Pages(db_session, procurement_settings, reader, principal)
        producers = await pages.producers()
        hub_ids = sorted({h.hub_id for o in producers for h in o.hubs if h.status == HubMembershipStatus.admitted})
        paging = page_params(max(page_number, 1), PER_PAGE)
        found = await pages.tender_service.list_for_hubs(hub_ids, paging)
        hubs: dict[uuid.UUID, str] = {}
        cards = []
        for tender in found.items:
            view = await pages.view(tender, hubs)
            bidders = await pages.bidders(tender, producers)
            cards.append((view, bidders))
        return page(
            reader,
            "bids/list.jinja",
            open_cards=[card for card in cards if card[0].tender.accepting_bids],
            past_cards=[card for card in cards if not card[0].tender.accepting_bids],
            has_producers=bool(producers),
            page_number=paging.page,
            pages=max(1, -(-found.total // PER_PAGE)),
        )

    @get("/tenders/{tender_id:uuid}", name="tender")
    async def tender(
        self,
        tender_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
        organization: FromQuery[uuid.UUID | None] = None,
    ) -> Template:
        principal = reader.require()
        pages = _Pages(db_session, procurement_settings, reader, principal)
        return await pages.tender_page(tender_id, organization, None)

    @post("/tenders/{tender_id:uuid}/bids/{organization_id:uuid}")
    async def submit(
        self,
        request: Request[Any, Any, Any],
        tender_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
    ) -> Template | Redirect:
        principal = reader.require()
        pages = _Pages(db_session, procurement_settings, reader, principal)
        tender, bidder = await pages.acting(tender_id, organization_id)
        values = await form_values(request)
        form = Form(values=values)
        data, fields, offered = _bid(tender, values, reader)
        try:
            bid = convert(data, BidSubmit, strict=False)
            await pages.bids.submit(principal, tender_id, organization_id, bid)
        except SupplierIneligible as error:
            await pages.ineligible(form, error, tender, bidder, offered)
            return await pages.tender_page(tender_id, organization_id, form, status_code=error.status)
        except InvalidInput as error:
            form.note(error, reader, fields)
            if "lines" in form.errors:
                del form.errors["lines"]
                form.problem = reader.gettext(_NO_LOT)
            if "currency" in form.errors:  # a bid in another currency, which there is no rate for
                form.problem = form.errors.pop("currency")
            return await pages.tender_page(tender_id, organization_id, form, status_code=error.status)
        except TenderNotOpenForBids as error:
            form.problem = _closed(reader, tender)
            return await pages.tender_page(tender_id, organization_id, form, status_code=error.status)
        except EmailUnverified as error:
            form.problem = reader.gettext(UNVERIFIED)
            return await pages.tender_page(tender_id, organization_id, form, status_code=error.status)
        notice = "bid-changed" if bidder.bid_in else "bid-submitted"
        return see_other(f"/tenders/{tender_id}", notice=notice, organization=organization_id)

    @post("/tenders/{tender_id:uuid}/bids/{organization_id:uuid}/withdraw")
    async def withdraw(
        self,
        tender_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
    ) -> Template | Redirect:
        principal = reader.require()
        pages = _Pages(db_session, procurement_settings, reader, principal)
        tender, bidder = await pages.acting(tender_id, organization_id)
        form = Form()
        try:
            await pages.bids.withdraw(principal, tender_id, organization_id)
        except TenderNotOpenForBids as error:
            form.problem = _closed(reader, tender)
            return await pages.tender_page(tender_id, organization_id, form, status_code=error.status)
        except BidNotFound as error:
            form.problem = reader.gettext(_NO_BID) % {"organization": bidder.organization.legal_name}
            return await pages.tender_page(tender_id, organization_id, form, status_code=error.status)
        except EmailUnverified as error:
            form.problem = reader.gettext(UNVERIFIED)
            return await pages.tender_page(tender_id, organization_id, form, status_code=error.status)
        return see_other(f"/tenders/{tender_id}", notice="bid-withdrawn", organization=organization_id)


class _Pages:
    """The services the pages read, for one reader."""

    def __init__(
        self, session: AsyncSession, settings: ProcurementSettings, reader: Reader, principal: Principal
    ) -> None:
        self.session = session
        self.reader = reader
        self.principal = principal
        self.tender_service = tender_service(session, settings, reader)
        self.bids = BidService(session, settings.sealing_secret)

    async def producers(self) -> list[OrganizationRead]:
        """The reader's organisations that sell (the ones that may bid)."""
        return [o for o in await my_organizations(self.session, self.principal) if sells(o.kind)]

    async def view(self, tender: TenderRead, hubs: dict[uuid.UUID, str] | None = None) -> TenderView:
        """`tender` as the pages show it (`hubs`: the hubs' names known so far, filled in)."""
        hubs = {} if hubs is None else hubs
        if tender.hub_id not in hubs:
            hubs[tender.hub_id] = (await hub_summary(self.session, tender.hub_id)).name
        return tender_view(self.reader, tender, hubs[tender.hub_id])

    async def bidders(self, tender: TenderRead, producers: Sequence[OrganizationRead]) -> list[Bidder]:
        """The reader's producer organisations admitted to the tender's hub, each with its own bid
        (`read_own`: no one else's) and what it lacks while the tender takes bids."""
        bidders = [
            Bidder(organization=o)
            for o in producers
            if any(h.hub_id == tender.hub_id and h.status == HubMembershipStatus.admitted for h in o.hubs)
        ]
        for bidder in bidders:
            organization_id = bidder.organization.id
            try:
                bidder.bid = await self.bids.read_own(self.principal, tender.id, organization_id)
            except BidNotFound:
                bidder.bid = None
            if tender.accepting_bids:
                bidder.missing = self._missing_by_lot(
                    await self.bids.missing(self.principal, tender.id, organization_id)
                )
        return bidders

    def _missing_by_lot(self, missing: Sequence[MissingForLot]) -> dict[int, str]:
        by_lot: dict[int, list[str]] = {}
        for problem in missing:
            names = by_lot.setdefault(problem.lot_number, [])
            name = credential_name(problem.credential_type, self.reader.gettext)
            if name not in names:
                names.append(name)
        locale = self.reader.formats.locale
        return {number: lists.format_list(names, locale=locale) for number, names in by_lot.items()}

    async def acting(self, tender_id: uuid.UUID, organization_id: uuid.UUID) -> tuple[TenderRead, Bidder]:
        """The tender and one of the reader's producer organisations admitted to its hub, with its
        bid; the not-found page for any other organisation (the reader's or not)."""
        tender = await self.tender_service.read_public(tender_id)
        producers = [o for o in await self.producers() if o.id == organization_id]
        bidders = await self.bidders(tender, producers)
        if not bidders:
            raise NotFound("no such organization of yours in the tender's hub")
        return tender, bidders[0]

    async def ineligible(
        self, form: Form, error: SupplierIneligible, tender: TenderRead, bidder: Bidder, offered: Mapping[int, int]
    ) -> None:
        """The service's refusal of an ineligible supplier, said on the form: the whole of it, and on
        each lot offered for that the organisation may not supply, the credentials it lacks."""
        reader = self.reader
        name = bidder.organization.legal_name
        form.problem = reader.gettext(_INELIGIBLE) % {"organization": name}
        missing = self._missing_by_lot(await self.bids.missing(self.principal, tender.id, bidder.organization.id))
        for problem in error.errors or []:
            line = _line_index(problem.field)
            number = offered.get(line) if line is not None else None
            if number is None or f"price-{number}" in form.errors:
                continue
            form.errors[f"price-{number}"] = reader.gettext(_LOT_INELIGIBLE) % {
                "credentials": missing.get(number, ""),
                "organization": name,
            }

    async def tender_page(
        self,
        tender_id: uuid.UUID,
        organization_id: uuid.UUID | None,
        form: Form | None,
        *,
        status_code: int = 200,
    ) -> Template:
        """The tender's page; the form (or the bid) of `organization_id`, else of the reader's first
        producer organisation admitted to its hub. `form`: the form as posted, None to show the
        organisation's bid in it."""
        reader = self.reader
        tender = await self.tender_service.read_public(tender_id)
        view = await self.view(tender)
        bidders = await self.bidders(tender, await self.producers())
        award = None
        if bidders and tender.bids_opened_at is not None:
            award = await AwardService(self.session).read(self.principal, tender.id)
            for bidder in bidders:
                bidder.won = _won(award, bidder.organization.id)
        chosen = next((b for b in bidders if b.organization.id == organization_id), bidders[0] if bidders else None)
        if form is None:
            form = Form(values=_bid_values(chosen.bid if chosen else None, tender.currency, reader.formats.locale))
        form_currency = form.values.get("currency") or tender.currency
        lots = [
            {
                "lot": lot,
                "place": view.places[lot.id],
                "missing": chosen.missing.get(lot.number, "") if chosen else "",
                "line": _line_of(chosen.bid, lot) if chosen else None,
            }
            for lot in tender.lots
        ]
        return page(
            reader,
            "bids/tender.jinja",
            status_code=status_code,
            view=view,
            tender=tender,
            bidders=bidders,
            chosen=chosen,
            lots=lots,
            form=form,
            labels=_labels(reader, tender),
            form_currency=form_currency,
            form_currency_name=reader.formats.currency_name(form_currency),
            award_state=award.state if award is not None else None,
            credential_names={
                kind: credential_name(kind, reader.gettext)
                for kind in (item.get("credential_type") for item in _ineligibility(chosen))
                if kind
            },
        )


def _bid(
    tender: TenderRead, values: Mapping[str, str], reader: Reader
) -> tuple[dict[str, Any], dict[str, str], dict[int, int]]:
    """The bid the form says, as the service takes it (a lot left empty is no offer for it), the
    form's field of each of the service's fields, and the lot number of each line."""
    locale = reader.formats.locale
    lines: list[dict[str, Any]] = []
    fields: dict[str, str] = {}
    offered: dict[int, int] = {}
    for lot in tender.lots:
        n = lot.number
        typed = {name: values.get(f"{name}-{n}", "") for name in ("price", "quantity", "lead_time")}
        if not any(typed.values()):
            continue
        index = len(lines)
        offered[index] = n
        line: dict[str, Any] = {"lot_id": str(lot.id)}
        for service_field, name in _LINE_FIELD_OF.items():
            fields[f"$.lines[{index}].{service_field}"] = f"{name}-{n}"
            if typed[name]:
                line[service_field] = typed[name] if name == "lead_time" else read_number(typed[name], locale)
        fields[f"$.lines[{index}].lot_id"] = f"price-{n}"
        lines.append(line)
    data: dict[str, Any] = {"currency": values.get("currency") or tender.currency, "lines": lines}
    capacity = values.get("total_capacity", "")
    if capacity:
        data["total_capacity"] = read_number(capacity, locale)
    return data, fields, offered


def _line_index(path: str) -> int | None:
    """The line a service's field is of (`$.lines[2].lot_id` → 2)."""
    prefix = "$.lines["
    if not path.startswith(prefix) or "]" not in path:
        return None
    number = path[len(prefix) : path.index("]")]
    return int(number) if number.isdigit() else None


def _bid_values(bid: BidRead | None, currency: str, locale: babel.Locale) -> dict[str, str]:
    """The organisation's standing bid as its form shows it, numbers written the reader's way
    (empty for no bid, or a withdrawn one)."""
    if bid is None or bid.status is not BidStatus.submitted:
        return {"currency": currency}
    values = {"currency": bid.currency or currency}
    for line in bid.lines:
        values[f"price-{line.lot_number}"] = shown_price(line.unit_price, line.currency, locale)
        values[f"quantity-{line.lot_number}"] = shown_number(line.max_quantity, locale)
        values[f"lead_time-{line.lot_number}"] = str(line.lead_time_days)
    if bid.total_capacity is not None:
        values["total_capacity"] = shown_number(bid.total_capacity, locale)
    return values


def _line_of(bid: BidRead | None, lot: LotRead) -> Any:
    if bid is None:
        return None
    return next((line for line in bid.lines if line.lot_id == lot.id), None)


def _labels(reader: Reader, tender: TenderRead) -> dict[str, str]:
    """Each field's name as the list of the form's problems says it."""
    labels = {
        f"{name}-{lot.number}": reader.gettext(text) % {"lot": reader.formats.number(lot.number)}
        for lot in tender.lots
        for name, text in LINE_FIELDS.items()
    }
    labels["total_capacity"] = reader.gettext("Most you can deliver across all lots")
    return labels


def _ineligibility(bidder: Bidder | None) -> list[dict[str, Any]]:
    """What the bidder lacked at the deadline (its opened bid's reasons), if anything."""
    if bidder is None or bidder.bid is None:
        return []
    return bidder.bid.ineligibility or []


def _won(award: AwardRead, organization_id: uuid.UUID) -> list[dict[str, Any]]:
    """What the organisation won per lot (the confirmed award's winners; nothing before)."""
    if award.state != "confirmed":
        return []
    return [
        {
            "number": lot.number,
            "name": lot.name,
            "quantity": winner.quantity,
            "unit_price_minor": winner.unit_price_minor,
            "currency": winner.currency,
        }
        for lot in award.lots
        for winner in lot.winners
        if winner.organization_id == organization_id
    ]


def _closed(reader: Reader, tender: TenderRead) -> str:
    """Why the tender takes no bid now (the service refused: `TenderNotOpenForBids`)."""
    if tender.status is TenderStatus.cancelled:
        return reader.gettext(_CANCELLED)
    return reader.gettext(_CLOSED) % {"deadline": reader.formats.datetime(tender.bid_deadline)}
