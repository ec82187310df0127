"""The coordinator's evaluation and award page of a tender (`/hubs/{hub}/tenders/{tender}/award`):
where the evaluation stands; after the deadline every offer with its price, its rank and, for an
offer that may not win, why; the proposed award per lot and what the solver says of it; the forms
to evaluate now, to confirm the proposal and to award differently (an override, with a written
justification); once decided, what each buyer receives, the orders placed and the savings.

Everything goes through the services the JSON API calls: `TenderService.read_public` (the tender,
checked to be this hub's), `AwardService` (`read`, `evaluate_now`, `confirm`, `override`,
`outcomes`, `savings`), `PoolService.read` (the delivery points' addresses) and `OrderService.read`
(an order is linked only when the reader may open it). Before the deadline `AwardService.read`
says no more than the state: no price of a sealed bid reaches this page.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.errors import Conflict, DomainError, InvalidInput, NotFound
from kernel.numbers import parse_number, read_number
from kernel.validation import convert
from marketplace.api import trading_parties
from marketplace.hub.schemas import HubRead
from marketplace.order.service import OrderService
from procurement.award.schemas import (
    AwardOverride,
    AwardRead,
    BuyerSavings,
    CommitmentOutcome,
    LotAwardRead,
    SavingsRead,
    ScoreRead,
    WinnerRead,
)
from procurement.award.service import AwardAlreadyDecided, AwardService, EvaluationNotPossible, NothingToAward
from procurement.award.tendered import total_minor
from procurement.pool.service import PoolService
from procurement.settings import ProcurementSettings
from procurement.tender.errors import TenderNotFound
from procurement.tender.schemas import LotRead, TenderRead
from web.award_words import Outcome, Said, Words, offer_reasons, outcome_sentences, override_message
from web.form_numbers import shown_number
from web.mine import coordinated_hub
from web.orders import status_words
from web.page import Form, Reader, form_values, page, see_other
from web.procurement_services import tender_service

ThisReader = NamedDependency[Reader]
Session = NamedDependency[AsyncSession]
Procurement = NamedDependency[ProcurementSettings]
#: Whether card payments are on (an award's orders are paid by card then, unless the buyer has invoice terms).
CardPayments = NamedDependency[bool]

_PATH = "/hubs/{hub_id:uuid}/tenders/{tender_id:uuid}/award"
#: An override form's quantity field: one per eligible offer of each lot.
_ROW = re.compile(r"lines\[(\d{1,6})\]\.quantity")


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


#: The page's sentence for a refusal of the service, by its kind (their words are English).
REFUSALS: dict[type[DomainError], str] = {
    AwardAlreadyDecided: _("The award was already decided, and it cannot be decided twice. The page shows it."),
    NothingToAward: _("There is no proposed award to decide on now. The page shows where the evaluation stands."),
    EvaluationNotPossible: _(
        "The tender cannot be evaluated now: its bids are opened at the deadline, and it is evaluated once. "
        "The page shows where it stands."
    ),
}
#: The evaluation's steps as the page lists them, and the states in which each is done.
STEPS = [
    (_("Bids stay sealed until the deadline"), {"queued", "running", "proposed", "confirmed", "unsuccessful"}),
    (_("Bids are opened and evaluated"), {"proposed", "confirmed", "unsuccessful"}),
    (_("The award is proposed"), {"confirmed"}),
    (_("The award is confirmed and the orders are placed"), {"confirmed"}),
]
#: The step each state is at (its index in `STEPS`); none for a tender that ended otherwise.
CURRENT_STEP = {"open": 0, "queued": 1, "running": 1, "proposed": 2, "confirmed": 3}


@dataclass(frozen=True)
class OfferView:
    """One offer for a lot as evaluated: its score row, why it may not win, its preference."""

    score: ScoreRead
    reasons: list[Said]
    preferred: str
    """The verified inclusion attributes that earned the preference margin, listed by name."""


@dataclass(frozen=True)
class WinnerView:
    winner: WinnerRead
    total_minor: int
    """Quantity times unit price, in the supplier's currency."""


@dataclass(frozen=True)
class LotView:
    """A lot as the page shows it: its delivery point by name and place, its offers and award."""

    lot: LotRead
    place: str
    address: str
    award: LotAwardRead | None
    offers: list[OfferView]
    winners: list[WinnerView]
    """The final award once decided, the proposal before."""


@dataclass(frozen=True)
class OverrideRow:
    """One line of the override form: an eligible offer for a lot, and the quantity proposed for it."""

    index: int
    lot: LotRead
    score: ScoreRead
    proposed: Decimal | None
    typed: str
    """The quantity proposed as its field shows it, the reader's way (`1000`, no group separator)."""

    @property
    def name(self) -> str:
        return f"lines[{self.index}].quantity"


@dataclass(frozen=True)
class OrderView:
    order_id: uuid.UUID
    buyer: str
    supplier: str
    visible: bool
    """Whether the reader may open the order (then linked, with its state and total)."""
    status: str = ""
    total: str = ""


@dataclass(frozen=True)
class Delivery:
    """What one buyer receives from one supplier at one delivery point, and the order for it."""

    buyer: str
    lot: LotView
    supplier: str
    quantity: Decimal
    unit_price_minor: int
    currency: str
    order: OrderView


@dataclass(frozen=True)
class Shortfall:
    buyer: str
    lot: LotView
    committed: Decimal
    short: Decimal


@dataclass(frozen=True)
class SavingsRow:
    buyer: str
    quantity: Decimal
    pooled_minor: int
    compared_quantity: Decimal
    individual_minor: int
    pooled_compared_minor: int
    savings_minor: int
    percent: str
    """The savings as a percentage of the price alone, the reader's way (empty: nothing compared)."""


@dataclass(frozen=True)
class Decided:
    """After the award is confirmed: the deliveries per buyer, the orders and the savings."""

    deliveries: list[Delivery]
    shortfalls: list[Shortfall]
    orders: list[OrderView]
    savings: SavingsRead
    rows: list[SavingsRow]
    total: SavingsRow


class HubAwardPages(Controller):
    path = "/"
    include_in_schema = False

    @get(_PATH, name="hub-tender-award")
    async def award(
        self,
        hub_id: FromPath[uuid.UUID],
        tender_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
    ) -> Template:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        return await _award_page(reader, db_session, procurement_settings, principal, hub, tender_id, Form())

    @post(f"{_PATH}/evaluate")
    async def evaluate(
        self,
        hub_id: FromPath[uuid.UUID],
        tender_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
        card_payments: CardPayments,
    ) -> Template | Redirect:
        """Evaluate the tender at once (the worker does it on its own soon after the deadline)."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        tender = await _tender(db_session, procurement_settings, reader, hub, tender_id)
        try:
            await _awards(db_session, procurement_settings, card_payments).evaluate_now(principal, tender.id)
        except Conflict as error:
            return await _refused(reader, db_session, procurement_settings, principal, hub, tender_id, error)
        return see_other(_path(hub, tender), notice="award-evaluated")

    @post(f"{_PATH}/confirm")
    async def confirm(
        self,
        hub_id: FromPath[uuid.UUID],
        tender_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
        card_payments: CardPayments,
    ) -> Template | Redirect:
        """Make the proposal the award: the buyers' orders are placed (a proposal awarding nothing
        closes the tender as unsuccessful instead)."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        tender = await _tender(db_session, procurement_settings, reader, hub, tender_id)
        try:
            award = await _awards(db_session, procurement_settings, card_payments).confirm(principal, tender.id)
        except Conflict as error:
            return await _refused(reader, db_session, procurement_settings, principal, hub, tender_id, error)
        notice = "award-confirmed" if award.state == "confirmed" else "tender-unsuccessful"
        return see_other(_path(hub, tender), notice=notice)

    @post(f"{_PATH}/override")
    async def override(
        self,
        request: Request[Any, Any, Any],
        hub_id: FromPath[uuid.UUID],
        tender_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
        card_payments: CardPayments,
    ) -> Template | Redirect:
        """Award as the coordinator entered it: the proposal's quantities changed per lot and
        supplier, with a justification (published). The page again, naming each line's problem,
        when the service refuses it."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        tender = await _tender(db_session, procurement_settings, reader, hub, tender_id)
        values = await form_values(request)
        form = Form(values=values)
        lines, fields = _override_lines(values, reader)
        awards = _awards(db_session, procurement_settings, card_payments)
        try:
            data = convert({"justification": values.get("justification", ""), "lines": lines}, AwardOverride)
            await awards.override(principal, tender.id, data)
        except InvalidInput as error:
            await _note_refusal(form, error, fields, awards, tender, reader)
            return await _award_page(
                reader, db_session, procurement_settings, principal, hub, tender_id, form, status_code=422
            )
        except Conflict as error:
            return await _refused(reader, db_session, procurement_settings, principal, hub, tender_id, error)
        return see_other(_path(hub, tender), notice="award-overridden")


def _path(hub: HubRead, tender: TenderRead) -> str:
    return f"/hubs/{hub.id}/tenders/{tender.id}/award"


def _awards(session: AsyncSession, settings: ProcurementSettings, card_payments: bool) -> AwardService:
    """The award service as the API builds it (`procurement.award.controllers.provide_award_service`)."""
    return AwardService(session, time_limit=settings.award_time_limit_seconds, stripe_enabled=card_payments)


async def _tender(
    session: AsyncSession, settings: ProcurementSettings, reader: Reader, hub: HubRead, tender_id: uuid.UUID
) -> TenderRead:
    """The published tender of `hub` (`TenderNotFound`, a 404 page, for another hub's or a draft)."""
    tender = await tender_service(session, settings, reader).read_public(tender_id)
    if tender.hub_id != hub.id:
        raise TenderNotFound("no such tender in this hub")
    return tender


def _override_lines(values: dict[str, str], reader: Reader) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The override's lines as the service takes them (a line left empty, or 0, awards nothing),
    and where each line's problems go: the service's `$.lines[k]...` to the form's quantity field."""
    lines: list[dict[str, Any]] = []
    fields = {"$.lines": "lines"}
    indexes = sorted(int(found.group(1)) for key in values if (found := _ROW.fullmatch(key)) is not None)
    for index in indexes:
        typed = values.get(f"lines[{index}].quantity", "")
        if not typed or parse_number(typed, reader.formats.locale) == 0:
            continue
        lot = values.get(f"lines[{index}].lot", "")
        for suffix in ("", ".lot", ".organization_id", ".quantity"):
            fields[f"$.lines[{len(lines)}]{suffix}"] = f"lines[{index}].quantity"
        lines.append(
            {
                "lot": int(lot) if lot.isdigit() else lot,
                "organization_id": values.get(f"lines[{index}].organization_id", ""),
                "quantity": read_number(typed, reader.formats.locale),
            }
        )
    return lines, fields


async def _note_refusal(
    form: Form, error: InvalidInput, fields: dict[str, str], awards: AwardService, tender: TenderRead, reader: Reader
) -> None:
    """The override's problems on the form: each line's on its quantity field, naming the lot and
    supplier, the totals' above the lines; suppliers by name, quantities in the pool's unit."""
    principal = reader.require()
    suppliers: dict[uuid.UUID, str] = {}
    for lot in (await awards.read(principal, tender.id)).lots:
        for score in lot.scores or []:
            suppliers[score.organization_id] = score.supplier
            suppliers[score.bid_id] = score.supplier
    words = _words(reader)

    def say(message: str) -> str:
        return override_message(message, words, tender.item.unit, suppliers)

    form.note(error, reader, fields, say)
    # Every problem of a field said (`Form.note` keeps the first): a line can be both more than
    # offered and more than the share cap, and several lots can be awarded too much.
    said: dict[str, list[str]] = {}
    for problem in error.errors or []:
        name = fields.get(problem.field, problem.field.removeprefix("$."))
        text = say(problem.message)
        if text not in said.setdefault(name, []):
            said[name].append(text)
    for name, texts in said.items():
        if name in form.errors:
            form.errors[name] = " ".join(texts)
    for name in list(form.errors):
        if (found := _ROW.fullmatch(name)) is None:
            continue
        index = found.group(1)
        try:
            supplier = suppliers.get(uuid.UUID(form.values.get(f"lines[{index}].organization_id", "")), "")
        except ValueError:
            supplier = ""
        form.errors[name] = reader.gettext(_("Lot %(lot)s, %(supplier)s: %(problem)s")) % {
            "lot": form.values.get(f"lines[{index}].lot", ""),
            "supplier": supplier,
            "problem": form.errors[name],
        }


async def _refused(
    reader: Reader,
    session: AsyncSession,
    settings: ProcurementSettings,
    principal: Principal,
    hub: HubRead,
    tender_id: uuid.UUID,
    error: Conflict,
) -> Template:
    """The page again, saying why the service refused (409): decided already, nothing to decide, too early."""
    said = next((text for kind, text in REFUSALS.items() if isinstance(error, kind)), None)
    form = Form(problem=reader.gettext(said) if said else reader.gettext(error.detail))
    return await _award_page(reader, session, settings, principal, hub, tender_id, form, status_code=error.status)


def _words(reader: Reader) -> Words:
    return Words(texts=reader.texts, formats=reader.formats, language=reader.language)


async def _award_page(
    reader: Reader,
    session: AsyncSession,
    settings: ProcurementSettings,
    principal: Principal,
    hub: HubRead,
    tender_id: uuid.UUID,
    form: Form,
    *,
    status_code: int = 200,
) -> Template:
    tender = await _tender(session, settings, reader, hub, tender_id)
    awards = AwardService(session)
    award = await awards.read(principal, tender.id)
    pool = await PoolService(session).read(principal, tender.pool_id)
    addresses = {point.id: point.address for point in pool.delivery_points}
    words = _words(reader)
    lots = [_lot_view(lot, award, addresses, words) for lot in tender.lots]
    decided = await _decided(session, principal, tender, award, lots, reader) if award.state == "confirmed" else None
    outcome = outcome_sentences(award.outcome, words) if award.status is not None else Outcome([], [])
    return page(
        reader,
        "hub/awards/award.jinja",
        status_code=status_code,
        hub=hub,
        tender=tender,
        award=award,
        lots=lots,
        steps=_steps(award, reader),
        currency_name=words.currency(award.currency),
        outcome=outcome,
        gap="" if award.gap is None else _rounded_percent(Decimal(str(award.gap)) * 100, words),
        awards_nothing=bool(award.lots) and not any(lot.winners for lot in lots),
        rows=_override_rows(tender, award, reader),
        form=form,
        decided=decided,
        path=_path(hub, tender),
    )


def _steps(award: AwardRead, reader: Reader) -> list[tuple[str, bool, bool]]:
    """The evaluation's steps: each by name, whether done, whether it is where the tender is now
    (none for a tender that ended otherwise: unsuccessful, cancelled)."""
    current = CURRENT_STEP.get(award.state)
    if current is None:
        return []
    steps = []
    for index, (label, done_in) in enumerate(STEPS):
        done = award.state in done_in
        steps.append((reader.gettext(label), done, index == current and not done))
    return steps


def _lot_view(lot: LotRead, award: AwardRead, addresses: dict[uuid.UUID, str], words: Words) -> LotView:
    awarded = next((a for a in award.lots if a.number == lot.number), None)
    offers = [
        OfferView(
            score=score,
            reasons=offer_reasons(score.reasons, words),
            preferred=words.listed([words.attribute(code) for code in score.preferred_for])
            if score.preferred_for
            else "",
        )
        for score in (awarded.scores or [] if awarded else [])
    ]
    winners = [
        WinnerView(winner=w, total_minor=total_minor(w.unit_price_minor, w.quantity, w.currency))
        for w in (awarded.winners if awarded else [])
    ]
    return LotView(
        lot=lot,
        place=words.place(lot.jurisdiction),
        address=addresses.get(lot.delivery_point_id, ""),
        award=awarded,
        offers=offers,
        winners=winners,
    )


def _override_rows(tender: TenderRead, award: AwardRead, reader: Reader) -> list[OverrideRow]:
    """The override form's lines: every eligible offer of each lot, with the quantity proposed for it."""
    if award.state != "proposed":
        return []
    by_number = {lot.number: lot for lot in tender.lots}
    rows: list[OverrideRow] = []
    for lot in award.lots:
        proposed = {w.organization_id: w.quantity for w in lot.proposed}
        for score in lot.scores or []:
            if score.eligible:
                quantity = proposed.get(score.organization_id)
                rows.append(
                    OverrideRow(
                        index=len(rows),
                        lot=by_number[lot.number],
                        score=score,
                        proposed=quantity,
                        typed="" if quantity is None else shown_number(quantity, reader.formats.locale),
                    )
                )
    return rows


async def _decided(
    session: AsyncSession,
    principal: Principal,
    tender: TenderRead,
    award: AwardRead,
    lots: list[LotView],
    reader: Reader,
) -> Decided:
    """What the confirmed award gave each buyer, the orders placed for it and the savings."""
    awards = AwardService(session)
    words = _words(reader)
    outcomes = await awards.outcomes(principal, tender.id, None)
    savings = await awards.savings(principal, tender.id, None)
    ids = {o.buyer_organization_id for o in outcomes} | {
        a.supplier_organization_id for o in outcomes for a in o.allocations
    }
    names = {party.organization_id: party.name for party in await trading_parties(session, tender.hub_id, sorted(ids))}
    by_number = {view.lot.number: view for view in lots}
    orders = await _orders(session, principal, outcomes, names, reader)
    deliveries: list[Delivery] = []
    shortfalls: list[Shortfall] = []
    for outcome in sorted(outcomes, key=lambda o: (names.get(o.buyer_organization_id, ""), o.lot)):
        buyer, lot = names.get(outcome.buyer_organization_id, ""), by_number[outcome.lot]
        deliveries += [
            Delivery(
                buyer=buyer,
                lot=lot,
                supplier=names.get(a.supplier_organization_id, ""),
                quantity=a.quantity,
                unit_price_minor=a.unit_price_minor,
                currency=a.currency,
                order=orders[a.order_id],
            )
            for a in outcome.allocations
        ]
        if outcome.shortfall > 0:
            shortfalls.append(Shortfall(buyer=buyer, lot=lot, committed=outcome.committed, short=outcome.shortfall))
    rows = [
        _savings_row(names.get(s.buyer_organization_id, "") if s.buyer_organization_id else "", s, words)
        for s in savings.buyers
    ]
    return Decided(
        deliveries=deliveries,
        shortfalls=shortfalls,
        orders=list(orders.values()),
        savings=savings,
        rows=sorted(rows, key=lambda row: row.buyer),
        total=_savings_row("", savings.total, words),
    )


async def _orders(
    session: AsyncSession,
    principal: Principal,
    outcomes: list[CommitmentOutcome],
    names: dict[uuid.UUID, str],
    reader: Reader,
) -> dict[uuid.UUID, OrderView]:
    """The orders the award placed, each once, in the order of the allocations: linked with their
    state and total when the reader may open them (`OrderService.read`), else named only."""
    service = OrderService(session)
    orders: dict[uuid.UUID, OrderView] = {}
    for outcome in outcomes:
        for allocation in outcome.allocations:
            if allocation.order_id in orders:
                continue
            buyer = names.get(allocation.buyer_organization_id, "")
            supplier = names.get(allocation.supplier_organization_id, "")
            try:
                order = await service.read(principal, allocation.order_id)
            except NotFound:
                orders[allocation.order_id] = OrderView(
                    order_id=allocation.order_id, buyer=buyer, supplier=supplier, visible=False
                )
                continue
            orders[allocation.order_id] = OrderView(
                order_id=order.id,
                buyer=buyer,
                supplier=supplier,
                visible=True,
                status=status_words(order, reader),
                total=reader.formats.money(order.total.amount_minor, order.total.currency),
            )
    return orders


def _savings_row(buyer: str, savings: BuyerSavings, words: Words) -> SavingsRow:
    return SavingsRow(
        buyer=buyer,
        quantity=savings.quantity,
        pooled_minor=savings.pooled_minor,
        compared_quantity=savings.compared_quantity,
        individual_minor=savings.individual_minor,
        pooled_compared_minor=savings.pooled_compared_minor,
        savings_minor=savings.savings_minor,
        percent="" if savings.savings_percent is None else _rounded_percent(savings.savings_percent, words),
    )


def _rounded_percent(value: Decimal, words: Words) -> str:
    """`value` percent, rounded to two decimals, the reader's way (`3.41%`, `3,41 %`)."""
    return words.formats.percent(value.quantize(Decimal("0.01")).normalize())
