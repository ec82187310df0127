"""The demand pools of the buyer's hubs (`/pools`): what each pools, where, in which unit and until
when; a pool's running totals per delivery point (never who committed), the buying organisation's
own commitments and the forms to commit, change and withdraw while the window is open; after it
closed, what each commitment received and the orders that came of it, else the pool's state."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

import babel
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.clock import now
from kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from kernel.numbers import read_number
from kernel.pagination import page_params
from kernel.validation import convert
from marketplace.api import trading_parties
from marketplace.organization.models import HubMembershipStatus
from marketplace.organization.schemas import OrganizationRead
from procurement.award.schemas import CommitmentOutcome
from procurement.award.service import AwardService
from procurement.pool.models import PoolStatus
from procurement.pool.schemas import CommitmentCreate, CommitmentRead, CommitmentUpdate
from procurement.pool.service import PoolNotOpen, PoolService
from web.form_numbers import shown_number
from web.mine import my_organizations
from web.page import Form, Reader, form_values, page, see_other
from web.pool_views import PoolView, pool_view, state_tabs

ThisReader = NamedDependency[Reader]
Session = NamedDependency[AsyncSession]
PER_PAGE = 20


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


#: The page's sentence for a refusal of the service, by the kind of refusal (their words are English).
_ALREADY_COMMITTED = _(
    "Your organisation has already committed at this delivery point. Change that commitment instead."
)
_WITHDRAWN = _("This commitment was withdrawn. Commit again with the form on the pool's page.")


@dataclass
class Commitments:
    """The reader's organisations that buy in the pool's hub, and their active commitments in it."""

    organizations: list[OrganizationRead]
    active: list[CommitmentRead] = field(default_factory=list)

    @property
    def names(self) -> dict[uuid.UUID, str]:
        return {organization.id: organization.legal_name for organization in self.organizations}

    def find(self, commitment_id: uuid.UUID) -> CommitmentRead:
        for commitment in self.active:
            if commitment.id == commitment_id:
                return commitment
        raise NotFound("no such commitment")


class PoolPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/pools", name="pools")
    async def pools(
        self,
        reader: ThisReader,
        db_session: Session,
        status: FromQuery[PoolStatus] = PoolStatus.open,
        page_number: Annotated[int, QueryParameter(name="page")] = 1,
    ) -> Template:
        principal = reader.require()
        paging = page_params(max(page_number, 1), PER_PAGE)
        found = await PoolService(db_session).list_pools(principal, None, status, paging)
        hubs: dict[uuid.UUID, str] = {}
        views = [await pool_view(db_session, reader, pool, hubs) for pool in found.items]
        pages = max(1, -(-found.total // PER_PAGE))
        return page(
            reader,
            "pools/list.jinja",
            views=views,
            status=status,
            tabs=state_tabs(reader),
            page_number=paging.page,
            pages=pages,
        )

    @get("/pools/{pool_id:uuid}", name="pool")
    async def pool(self, pool_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session) -> Template:
        principal = reader.require()
        return await _pool_page(reader, db_session, principal, pool_id, Form())

    @post("/pools/{pool_id:uuid}/commitments")
    async def commit(
        self, request: Request[Any, Any, Any], pool_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session
    ) -> Template | Redirect:
        principal = reader.require()
        values = await form_values(request)
        form = Form(values=values)
        fields = {
            "organization_id": values.get("organization_id", ""),
            "delivery_point_id": values.get("delivery_point_id", ""),
            "quantity": read_number(values.get("quantity", ""), reader.formats.locale),
            "needed_by": values.get("needed_by", ""),
            "max_unit_price": read_number(values.get("max_unit_price", ""), reader.formats.locale),
        }
        pools = PoolService(db_session)
        try:
            data = convert({key: value for key, value in fields.items() if value}, CommitmentCreate)
            await pools.commit(principal, pool_id, data)
        except InvalidInput as error:
            form.note(error, reader)
            return await _pool_page(reader, db_session, principal, pool_id, form, status_code=422)
        except PoolNotOpen as error:
            form.problem = await _window_closed(reader, pools, principal, pool_id)
            return await _pool_page(reader, db_session, principal, pool_id, form, status_code=error.status)
        except Conflict as error:
            form.problem = reader.gettext(_ALREADY_COMMITTED)
            return await _pool_page(reader, db_session, principal, pool_id, form, status_code=error.status)
        except Forbidden as error:
            form.problem = reader.gettext(error.detail)
            return await _pool_page(reader, db_session, principal, pool_id, form, status_code=error.status)
        return see_other(f"/pools/{pool_id}", notice="committed")

    @get("/pools/{pool_id:uuid}/commitments/{commitment_id:uuid}")
    async def change_form(
        self,
        pool_id: FromPath[uuid.UUID],
        commitment_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
    ) -> Template:
        principal = reader.require()
        view, commitments = await _pool_and_commitments(reader, db_session, principal, pool_id)
        commitment = commitments.find(commitment_id)
        form = Form(values=_commitment_values(commitment, reader.formats.locale))
        return _change_page(reader, view, commitments, commitment, form)

    @post("/pools/{pool_id:uuid}/commitments/{commitment_id:uuid}")
    async def change(
        self,
        request: Request[Any, Any, Any],
        pool_id: FromPath[uuid.UUID],
        commitment_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
    ) -> Template | Redirect:
        principal = reader.require()
        view, commitments = await _pool_and_commitments(reader, db_session, principal, pool_id)
        commitment = commitments.find(commitment_id)
        values = await form_values(request)
        form = Form(values=values)
        pools = PoolService(db_session)
        try:
            data = convert(_changes(commitment, values, reader.formats.locale), CommitmentUpdate)
            await pools.change(principal, pool_id, commitment_id, data)
        except InvalidInput as error:
            form.note(error, reader)
            return _change_page(reader, view, commitments, commitment, form, status_code=422)
        except PoolNotOpen as error:
            form.problem = await _window_closed(reader, pools, principal, pool_id)
            return _change_page(reader, view, commitments, commitment, form, status_code=error.status)
        except Conflict as error:
            form.problem = reader.gettext(_WITHDRAWN)
            return _change_page(reader, view, commitments, commitment, form, status_code=error.status)
        return see_other(f"/pools/{pool_id}", notice="commitment-changed")

    @post("/pools/{pool_id:uuid}/commitments/{commitment_id:uuid}/withdraw")
    async def withdraw(
        self,
        pool_id: FromPath[uuid.UUID],
        commitment_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
    ) -> Template | Redirect:
        principal = reader.require()
        pools = PoolService(db_session)
        try:
            await pools.withdraw(principal, pool_id, commitment_id)
        except PoolNotOpen as error:
            form = Form(problem=await _window_closed(reader, pools, principal, pool_id))
            return await _pool_page(reader, db_session, principal, pool_id, form, status_code=error.status)
        return see_other(f"/pools/{pool_id}", notice="commitment-withdrawn")


async def _pool_page(
    reader: Reader,
    db_session: AsyncSession,
    principal: Principal,
    pool_id: uuid.UUID,
    form: Form,
    *,
    status_code: int = 200,
) -> Template:
    """The pool's page: running totals, the reader's commitments, the form to commit (open window),
    or what the commitments received (closed)."""
    view, commitments = await _pool_and_commitments(reader, db_session, principal, pool_id)
    pool = view.pool
    outcomes: list[CommitmentOutcome] = []
    suppliers: dict[uuid.UUID, str] = {}
    if pool.status is PoolStatus.closed:
        awards = AwardService(db_session)
        for organization_id in sorted({c.organization_id for c in commitments.active}):
            try:
                outcomes += await awards.pool_outcomes(principal, pool_id, organization_id)
            except NotFound:
                continue
        supplier_ids = sorted({a.supplier_organization_id for o in outcomes for a in o.allocations})
        if supplier_ids:
            parties = await trading_parties(db_session, pool.hub_id, supplier_ids)
            suppliers = {party.organization_id: party.name for party in parties}
    own_at = {c.delivery_point_id: c for c in commitments.active}
    of_commitment = {c.id: c for c in commitments.active}
    return page(
        reader,
        "pools/pool.jinja",
        status_code=status_code,
        view=view,
        pool=pool,
        commitments=commitments,
        own_at=own_at,
        of_commitment=of_commitment,
        outcomes=outcomes,
        suppliers=suppliers,
        form=form,
        point_options=[(point.id, point.name) for point in pool.delivery_points],
        organization_options=[(o.id, o.legal_name) for o in commitments.organizations],
    )


def _change_page(
    reader: Reader,
    view: PoolView,
    commitments: Commitments,
    commitment: CommitmentRead,
    form: Form,
    *,
    status_code: int = 200,
) -> Template:
    return page(
        reader,
        "pools/change.jinja",
        status_code=status_code,
        view=view,
        pool=view.pool,
        commitment=commitment,
        organization_name=commitments.names.get(commitment.organization_id, ""),
        point_name=view.point_names.get(commitment.delivery_point_id, ""),
        form=form,
    )


async def _pool_and_commitments(
    reader: Reader, db_session: AsyncSession, principal: Principal, pool_id: uuid.UUID
) -> tuple[PoolView, Commitments]:
    """The pool (`PoolNotFound`, a 404 page, outside the reader's hubs) and the active commitments
    of the reader's organisations that buy in its hub."""
    pools = PoolService(db_session)
    pool = await pools.read(principal, pool_id)
    view = await pool_view(db_session, reader, pool)
    commitments = Commitments(organizations=await _buying_organizations(db_session, principal, pool.hub_id))
    for organization in commitments.organizations:
        for commitment in await pools.all_commitments(principal, pool_id, organization.id):
            if not commitment.withdrawn:
                commitments.active.append(commitment)
    return view, commitments


async def _buying_organizations(
    db_session: AsyncSession, principal: Principal, hub_id: uuid.UUID
) -> list[OrganizationRead]:
    """The reader's organisations admitted to the hub that buy (the ones a commitment may be for)."""
    return [
        organization
        for organization in await my_organizations(db_session, principal, buying=True)
        if any(h.hub_id == hub_id and h.status == HubMembershipStatus.admitted for h in organization.hubs)
    ]


async def _window_closed(reader: Reader, pools: PoolService, principal: Principal, pool_id: uuid.UUID) -> str:
    """Why the pool takes no commitment now, in the reader's language (the service refused: `PoolNotOpen`)."""
    pool = await pools.read(principal, pool_id)
    f = reader.formats
    if pool.status is PoolStatus.failed:
        return reader.gettext(
            "The pool's window closed on %(date)s with less than its minimum committed, so nothing can be "
            "committed or changed any more."
        ) % {"date": f.datetime(pool.closed_at or pool.closes_at)}
    if now() < pool.opens_at:
        return reader.gettext("The pool's window opens on %(date)s. Commit from then on.") % {
            "date": f.datetime(pool.opens_at)
        }
    return reader.gettext(
        "The pool's window closed on %(date)s. Commitments are binding now and can no longer be made, "
        "changed or withdrawn."
    ) % {"date": f.datetime(pool.closed_at or pool.closes_at)}


def _commitment_values(commitment: CommitmentRead, locale: babel.Locale) -> dict[str, str]:
    """A commitment's values as its change form shows them, numbers written the reader's way."""
    return {
        "quantity": shown_number(commitment.quantity, locale),
        "needed_by": commitment.needed_by.isoformat(),
        "max_unit_price": "" if commitment.max_unit_price is None else shown_number(commitment.max_unit_price, locale),
    }


def _changes(commitment: CommitmentRead, values: dict[str, str], locale: babel.Locale) -> dict[str, Any]:
    """What the change form changed (only that is sent: an unchanged needed-by date that has passed
    must not stop a new quantity); an emptied maximum price removes the limit, an emptied quantity
    or date is the service's to refuse."""
    shown = _commitment_values(commitment, locale)
    changes: dict[str, Any] = {}
    quantity = read_number(values.get("quantity", ""), locale)
    if quantity != read_number(shown["quantity"], locale):
        changes["quantity"] = quantity
    needed_by = values.get("needed_by", "")
    if needed_by != shown["needed_by"]:
        changes["needed_by"] = needed_by
    price = read_number(values.get("max_unit_price", ""), locale)
    if price != read_number(shown["max_unit_price"], locale):
        changes["max_unit_price"] = price or None
    return changes
