"""The coordinator's tenders of a hub before the award (`/hubs/{hub_id}/tenders`): every tender of
the hub by state; a new tender from a closed pool (`/tenders/new?pool=`); a tender's lots, terms,
change log and who may bid, with the forms to publish, amend and cancel it. After the deadline the
tender links to its evaluation and award (`/tenders/{tender_id}/award`, another page's).

Bids stay sealed until the deadline: nothing here shows a bid, a bidder or how many bids there
are before it (`TenderRead.number_of_bids` is known from the opening on, and shown then).

The tender in words is `web.hub_tender_views`'; the forms of terms are read and written by
`web.tender_forms`.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.errors import Conflict, Forbidden, InvalidInput
from kernel.pagination import MAX_PER_PAGE, page_params
from kernel.validation import convert
from marketplace.hub.schemas import HubRead
from marketplace.hub.service import HubService
from procurement.bid.service import BidService
from procurement.pool.models import PoolStatus
from procurement.pool.schemas import PoolRead
from procurement.pool.service import PoolNotFound, PoolService
from procurement.settings import ProcurementSettings
from procurement.tender.errors import TenderNotFound
from procurement.tender.models import AwardMethod, TenderStatus
from procurement.tender.schemas import TenderAmendmentCreate, TenderCancel, TenderCreate, TenderRead
from procurement.tender.service import TenderService
from web.hub_tender_views import (
    GROUPS,
    Supplier,
    classification_words,
    hub_tender_view,
    log_entry,
    supplier,
    term_choices,
)
from web.messages import Phrasebook
from web.mine import coordinated_hub
from web.page import Form, Reader, page, see_other
from web.places import place_name
from web.pool_views import pool_title
from web.procurement_services import tender_service
from web.tender_forms import note, posted, same, shown, terms

ThisReader = NamedDependency[Reader]
Session = NamedDependency[AsyncSession]
Procurement = NamedDependency[ProcurementSettings]

HubId = FromPath[uuid.UUID]
TenderId = FromPath[uuid.UUID]


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


#: The services' refusals of a tender as a whole (`Conflict`), as the pages say them.
TENDER_CONFLICTS = Phrasebook(
    [
        (r"the pool failed.*", _("This pool did not reach its minimum, so it cannot be tendered.")),
        (r"the pool is still open.*", _("The pool is still open. Close it first, then create the tender.")),
        (
            r"the pool already has a tender.*",
            _("The pool already has a tender. Cancel that one to tender the pool again."),
        ),
        (
            r"the amendment changes nothing",
            _("Nothing was changed. Change the deadline, the description or a term, or go back to the tender."),
        ),
        (
            r"only a draft, or a published tender before its deadline, can be amended",
            _("The tender can no longer be changed: its deadline has passed, or it was cancelled."),
        ),
        (r"the tender is already cancelled", _("The tender is already cancelled.")),
        (r"the tender is already awarded", _("The tender is already awarded: it can no longer be cancelled.")),
        (r"the tender is \w+, not a draft", _("The tender is no longer a draft: it was published or cancelled.")),
    ]
)
_PUBLISH_LATE = _("The bid deadline has passed. Move it later with the form to change the draft, then publish.")


class HubTenderPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/hubs/{hub_id:uuid}/tenders", name="hub-tenders")
    async def tenders(
        self,
        hub_id: HubId,
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
        page_number: Annotated[int, QueryParameter(name="page")] = 1,
    ) -> Template:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        paging = page_params(max(page_number, 1), MAX_PER_PAGE)
        found = await tender_service(db_session, procurement_settings, reader).hub_tenders(principal, hub.id, paging)
        views = [hub_tender_view(reader, tender) for tender in found.items]
        groups = [
            (key, reader.gettext(heading), [view for view in views if view.tender.status in states])
            for key, heading, states in GROUPS
        ]
        return page(
            reader,
            "hub/tenders/list.jinja",
            hub=hub,
            groups=groups,
            total=found.total,
            page_number=paging.page,
            pages=max(1, -(-found.total // MAX_PER_PAGE)),
        )

    @get("/hubs/{hub_id:uuid}/tenders/new", name="hub-tender-new")
    async def new_form(
        self,
        hub_id: HubId,
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
        pool: FromQuery[uuid.UUID | None] = None,
    ) -> Template:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        if pool is None:
            return await _choose_pool_page(reader, db_session, procurement_settings, principal, hub)
        chosen = await _hub_pool(db_session, principal, hub, pool)
        values: dict[str, Any] = {
            "pool": str(chosen.id),
            "award_method": AwardMethod.lowest_price.value,
            "required_credential_types": list(chosen.required_credential_types),
            "preferred_attributes": [],
        }
        return _new_page(reader, hub, chosen, Form(values=values))

    @post("/hubs/{hub_id:uuid}/tenders")
    async def create(
        self,
        request: Request[Any, Any, Any],
        hub_id: HubId,
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
    ) -> Template | Redirect:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        values = await posted(request)
        try:
            pool_id = uuid.UUID(str(values.get("pool", "")))
        except ValueError:
            raise PoolNotFound("no such pool") from None
        chosen = await _hub_pool(db_session, principal, hub, pool_id)
        form = Form(values=values)
        fields = terms(values, reader)
        fields["pool_id"] = str(chosen.id)
        tenders = tender_service(db_session, procurement_settings, reader)
        try:
            data = convert(fields, TenderCreate)
            created = await tenders.create(principal, data)
        except InvalidInput as error:
            note(form, error, reader)
            return _new_page(reader, hub, chosen, form, status_code=422)
        except Conflict as error:
            form.problem = TENDER_CONFLICTS.say(error.detail, reader.gettext)
            return _new_page(reader, hub, chosen, form, status_code=error.status)
        return see_other(f"/hubs/{hub.id}/tenders/{created.id}", notice="tender-created")

    @get("/hubs/{hub_id:uuid}/tenders/{tender_id:uuid}", name="hub-tender")
    async def tender(
        self,
        hub_id: HubId,
        tender_id: TenderId,
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
    ) -> Template:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        return await _tender_page(reader, db_session, procurement_settings, principal, hub, tender_id)

    @post("/hubs/{hub_id:uuid}/tenders/{tender_id:uuid}/publish")
    async def publish(
        self,
        hub_id: HubId,
        tender_id: TenderId,
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
    ) -> Template | Redirect:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        tenders = tender_service(db_session, procurement_settings, reader)
        await _hub_tender(tenders, principal, hub, tender_id)
        form = Form()
        try:
            await tenders.publish(principal, tender_id)
        except InvalidInput as error:
            form.problem = reader.gettext(_PUBLISH_LATE)
            return await _tender_page(
                reader,
                db_session,
                procurement_settings,
                principal,
                hub,
                tender_id,
                publish=form,
                status_code=error.status,
            )
        except Conflict as error:
            form.problem = TENDER_CONFLICTS.say(error.detail, reader.gettext)
            return await _tender_page(
                reader,
                db_session,
                procurement_settings,
                principal,
                hub,
                tender_id,
                publish=form,
                status_code=error.status,
            )
        return see_other(f"/hubs/{hub.id}/tenders/{tender_id}", notice="tender-published")

    @get("/hubs/{hub_id:uuid}/tenders/{tender_id:uuid}/amend", name="hub-tender-amend")
    async def amend_form(
        self,
        hub_id: HubId,
        tender_id: TenderId,
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
    ) -> Template:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        tender = await _hub_tender(tender_service(db_session, procurement_settings, reader), principal, hub, tender_id)
        return _amend_page(reader, hub, tender, Form(values=shown(tender, reader)))

    @post("/hubs/{hub_id:uuid}/tenders/{tender_id:uuid}/amendments")
    async def amend(
        self,
        request: Request[Any, Any, Any],
        hub_id: HubId,
        tender_id: TenderId,
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
    ) -> Template | Redirect:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        tenders = tender_service(db_session, procurement_settings, reader)
        tender = await _hub_tender(tenders, principal, hub, tender_id)
        values = await posted(request)
        form = Form(values=values)
        # Only what the form changed is sent: a term shown and sent back as it was is no change.
        before = terms(shown(tender, reader), reader)
        fields = {key: value for key, value in terms(values, reader).items() if not same(before.get(key), value)}
        fields["rationale"] = values.get("rationale", "")
        try:
            data = convert(fields, TenderAmendmentCreate)
            await tenders.amend(principal, tender_id, data)
        except InvalidInput as error:
            note(form, error, reader)
            return _amend_page(reader, hub, tender, form, status_code=422)
        except Conflict as error:
            form.problem = TENDER_CONFLICTS.say(error.detail, reader.gettext)
            return _amend_page(reader, hub, tender, form, status_code=error.status)
        return see_other(f"/hubs/{hub.id}/tenders/{tender_id}", notice="tender-amended")

    @post("/hubs/{hub_id:uuid}/tenders/{tender_id:uuid}/cancel")
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        hub_id: HubId,
        tender_id: TenderId,
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
    ) -> Template | Redirect:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        tenders = tender_service(db_session, procurement_settings, reader)
        await _hub_tender(tenders, principal, hub, tender_id)
        values = await posted(request)
        form = Form(values=values)
        try:
            data = convert({"reason": values.get("reason", "")}, TenderCancel)
            await tenders.cancel(principal, tender_id, data.reason)
        except InvalidInput as error:
            note(form, error, reader)
            return await _tender_page(
                reader, db_session, procurement_settings, principal, hub, tender_id, cancel=form, status_code=422
            )
        except Conflict as error:
            form.problem = TENDER_CONFLICTS.say(error.detail, reader.gettext)
            return await _tender_page(
                reader,
                db_session,
                procurement_settings,
                principal,
                hub,
                tender_id,
                cancel=form,
                status_code=error.status,
            )
        return see_other(f"/hubs/{hub.id}/tenders/{tender_id}", notice="tender-cancelled")


# --- services and reads -----------------------------------------------------------------


async def _hub_tender(tenders: TenderService, principal: Principal, hub: HubRead, tender_id: uuid.UUID) -> TenderRead:
    """The tender as the hub's coordinators read it; `TenderNotFound` (a 404 page) for a tender of
    another hub, published or not."""
    try:
        tender = await tenders.read_for_coordinator(principal, tender_id)
    except Forbidden:
        raise TenderNotFound("no such tender") from None
    if tender.hub_id != hub.id:
        raise TenderNotFound("no such tender")
    return tender


async def _hub_pool(db_session: AsyncSession, principal: Principal, hub: HubRead, pool_id: uuid.UUID) -> PoolRead:
    """The pool of this hub (`PoolNotFound`, a 404 page, for another hub's)."""
    pool = await PoolService(db_session).read(principal, pool_id)
    if pool.hub_id != hub.id:
        raise PoolNotFound("no such pool")
    return pool


async def _tender_page(
    reader: Reader,
    db_session: AsyncSession,
    settings: ProcurementSettings,
    principal: Principal,
    hub: HubRead,
    tender_id: uuid.UUID,
    *,
    publish: Form | None = None,
    cancel: Form | None = None,
    status_code: int = 200,
) -> Template:
    """The tender's page: state, lots, terms, the change log, who may bid, and its forms."""
    tender = await _hub_tender(tender_service(db_session, settings, reader), principal, hub, tender_id)
    view = hub_tender_view(reader, tender)
    suppliers: list[Supplier] = []
    if tender.status in (TenderStatus.draft, TenderStatus.published):
        eligibility = await BidService(db_session, settings.sealing_secret).who_may_bid(principal, tender.id)
        suppliers = [supplier(reader, tender, found) for found in eligibility]
    names = {c.user_id: c.full_name for c in await HubService(db_session).coordinators(principal, hub.id)}
    return page(
        reader,
        "hub/tenders/tender.jinja",
        status_code=status_code,
        hub=hub,
        view=view,
        tender=tender,
        log=[log_entry(reader, tender, amendment, names) for amendment in reversed(tender.amendments)],
        suppliers=suppliers,
        publish_form=publish or Form(),
        cancel_form=cancel or Form(),
    )


async def _choose_pool_page(
    reader: Reader, db_session: AsyncSession, settings: ProcurementSettings, principal: Principal, hub: HubRead
) -> Template:
    """The hub's closed pools to tender, each linked to the form (or to its tender, when it has one)."""
    everything = page_params(1, MAX_PER_PAGE)
    pools = (await PoolService(db_session).list_pools(principal, hub.id, PoolStatus.closed, everything)).items
    tenders = (await tender_service(db_session, settings, reader).hub_tenders(principal, hub.id, everything)).items
    live = {t.pool_id: t for t in tenders if t.status is not TenderStatus.cancelled}
    return page(
        reader,
        "hub/tenders/choose_pool.jinja",
        hub=hub,
        pools=[(pool, pool_title(reader, pool), live.get(pool.id)) for pool in pools],
    )


# --- pages of forms ---------------------------------------------------------------------


def _new_page(reader: Reader, hub: HubRead, pool: PoolRead, form: Form, *, status_code: int = 200) -> Template:
    return page(
        reader,
        "hub/tenders/new.jinja",
        status_code=status_code,
        hub=hub,
        pool=pool,
        pool_title=pool_title(reader, pool),
        classification=classification_words(reader, pool.item.classification.scheme, pool.item.classification.code),
        places={point.id: place_name(point.jurisdiction, reader.language) for point in pool.delivery_points},
        lots=[point for point in pool.delivery_points if point.committed_quantity > 0],
        form=form,
        **term_choices(reader, pool.required_credential_types, pool.item.unit),
    )


def _amend_page(reader: Reader, hub: HubRead, tender: TenderRead, form: Form, *, status_code: int = 200) -> Template:
    return page(
        reader,
        "hub/tenders/amend.jinja",
        status_code=status_code,
        hub=hub,
        tender=tender,
        view=hub_tender_view(reader, tender),
        form=form,
        **term_choices(reader, tender.required_credential_types, tender.item.unit),
    )
