"""A hub's demand pools, for its coordinators (`/hubs/{hub_id}/pools`): the pools by state, each
with its item, unit, window and what is committed against the minimum; the form to open a pool
(the item in the hub's languages, its classification and unit by name, delivery points each in a
region of the hub chosen by name, the window in the reader's time zone, currency, reserve price and
minimum); and a pool's page, where the commitments come in per delivery point with the name of
each committing organisation, the window can be closed early, and a closed pool leads on to its
tender.

Every page starts with `coordinated_hub` (a 404 page for no hub, 403 for anyone but its
coordinators), and a pool of another hub is a 404 page here, as it is not this hub's. Opening and
closing go through `PoolService` as `procurement.pool.controllers` calls it; the commitments with
their organisations' names come from `PoolService.commitments_of_buyers`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from babel import numbers
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import codes
from kernel.auth import Principal
from kernel.clock import now
from kernel.errors import InvalidInput
from kernel.numbers import read_number
from kernel.pagination import page_params
from kernel.validation import convert
from marketplace.api import classification_name, shown_classification
from marketplace.catalog.classification import Scheme
from marketplace.hub.schemas import HubRead
from procurement.pool.models import PoolStatus
from procurement.pool.schemas import MAX_DELIVERY_POINTS, BuyerCommitmentRead, PoolCreate, PoolRead
from procurement.pool.service import PoolNotFound, PoolNotOpen, PoolService
from web.i18n import language_name
from web.mine import coordinated_hub
from web.page import Form, Reader, page, see_other
from web.pickers import classification_picker, place_choices, read_classification, unit_choices
from web.pool_views import PoolView, pool_view, state_tabs
from web.times import read_moment, zone_name

ThisReader = NamedDependency[Reader]
Session = NamedDependency[AsyncSession]

PER_PAGE = 20
#: Empty delivery point rows the form offers below the filled ones (and adds on "more rows").
FREE_POINT_ROWS = 3
#: Rows of delivery points read from a form at most (a pool has at most `MAX_DELIVERY_POINTS`).
MAX_POINT_ROWS = MAX_DELIVERY_POINTS + FREE_POINT_ROWS
_POINT = re.compile(r"^point-(\d{1,3})-(name|jurisdiction|address)$")
_POINT_FIELDS = ("name", "jurisdiction", "address")
_TITLE, _DESCRIPTION = "title-", "description-"


def _pools_path(hub_id: uuid.UUID) -> str:
    return f"/hubs/{hub_id}/pools"


# --- the form, read --------------------------------------------------------------------------------


def _form_languages(hub: HubRead, reader: Reader) -> list[str]:
    """The languages the item is written in on the form: the hub's (the reader's when it has none)."""
    return list(dict.fromkeys(hub.languages)) or [reader.catalog_language]


def _point_rows(values: Mapping[str, Any]) -> list[int]:
    """The delivery point rows the form sent (filled or not), in order."""
    rows = {int(found[1]) for key in values if (found := _POINT.match(key))}
    return sorted(row for row in rows if row < MAX_POINT_ROWS)


def _rows_shown(values: Mapping[str, Any], *, more: bool = False) -> int:
    """How many delivery point rows the form shows: as many as it showed (`point_rows`), at least
    every filled one and `FREE_POINT_ROWS`; `FREE_POINT_ROWS` more when more were asked for."""
    shown = values.get("point_rows", "")
    count = int(shown) if shown.isascii() and shown.isdigit() else 0
    filled = [row for row in _point_rows(values) if any(values.get(f"point-{row}-{name}") for name in _POINT_FIELDS)]
    count = max(count, max(filled, default=-1) + 1, FREE_POINT_ROWS)
    return min(count + (FREE_POINT_ROWS if more else 0), MAX_POINT_ROWS)


def _pool_body(hub: HubRead, values: Mapping[str, Any], reader: Reader) -> tuple[dict[str, Any], dict[str, str]]:
    """The body `POST /api/v1/pools` would get for this form, and which form field each of its
    fields is (`$.delivery_points[1].name` is the second filled row's `point-4-name`)."""
    languages = _form_languages(hub, reader)
    texts: dict[str, dict[str, str]] = {}
    for tag in languages:
        title, description = values.get(_TITLE + tag, ""), values.get(_DESCRIPTION + tag, "")
        if title or description:
            texts[tag] = {"title": title, "description": description}
    if not texts:  # nothing written at all: the first title is the one missing
        texts = {languages[0]: {"title": "", "description": ""}}
    first = next(iter(texts))
    fields = {
        "$.item.translations": _TITLE + first,
        "$.item.default_language": _TITLE + first,
        "$.item.classification": "code",
        "$.item.classification.code": "code",
        "$.item.classification.scheme": "scheme",
        "$.item.unit": "unit",
        "$.item.quality_notes": "quality_notes",
        "$.opens_at": "opens_date",
        "$.closes_at": "closes_date",
    }
    for tag in languages:
        fields[f"$.item.translations.{tag}"] = fields[f"$.item.translations.{tag}.title"] = _TITLE + tag
        fields[f"$.item.translations.{tag}.description"] = _DESCRIPTION + tag
    points: list[dict[str, str]] = []
    rows = _point_rows(values)
    for row in rows:
        point = {name: values.get(f"point-{row}-{name}", "") for name in _POINT_FIELDS}
        if not any(point.values()):
            continue
        index = len(points)
        points.append(point)
        fields[f"$.delivery_points[{index}]"] = f"point-{row}-name"
        for name in _POINT_FIELDS:
            fields[f"$.delivery_points[{index}].{name}"] = f"point-{row}-{name}"
    filled_rows = [fields[f"$.delivery_points[{index}]"] for index in range(len(points))]
    fields["$.delivery_points"] = filled_rows[0] if filled_rows else f"point-{rows[0] if rows else 0}-name"
    locale, zone = reader.formats.locale, reader.formats.zone
    body: dict[str, Any] = {
        "hub_id": str(hub.id),
        "item": {
            "classification": read_classification(values),
            "unit": values.get("unit", ""),
            "translations": texts,
            "default_language": first,
            "quality_notes": values.get("quality_notes", ""),
        },
        "delivery_points": points,
        "closes_at": read_moment(values.get("closes_date", ""), values.get("closes_time", ""), zone) or "",
        "currency": values.get("currency", ""),
    }
    opens_at = read_moment(values.get("opens_date", ""), values.get("opens_time", ""), zone)
    if opens_at is not None:
        body["opens_at"] = opens_at
    for name in ("reserve_unit_price", "minimum_total_quantity"):
        if values.get(name):
            body[name] = read_number(values[name], locale)
    return body, fields


# --- what the form offers --------------------------------------------------------------------------


def _currency_choices(hub: HubRead, reader: Reader) -> list[tuple[str, str]]:
    """The hub's reporting currency and those of its countries, by name (the code after it)."""
    found = [hub.reporting_currency]
    for scope in hub.jurisdictions:
        found += numbers.get_territory_currencies(codes.jurisdiction_country(scope), tender=True)
    return [(code, f"{reader.formats.currency_name(code)} ({code})") for code in dict.fromkeys(found)]


def _form_page(reader: Reader, hub: HubRead, form: Form, *, status_code: int = 200) -> Template:
    locale = reader.formats.locale
    rows = _rows_shown(form.values)
    return page(
        reader,
        "hub/pools/new.jinja",
        status_code=status_code,
        hub=hub,
        form=form,
        text_languages=[(tag, language_name(tag, locale)) for tag in _form_languages(hub, reader)],
        units=unit_choices(reader, None),
        point_rows=range(rows),
        rows_shown=rows,
        more_rows=rows < MAX_POINT_ROWS,
        regions=place_choices(hub, reader),
        currencies=_currency_choices(hub, reader),
        zone_name=zone_name(reader.formats),
        labels=_labels(reader, hub, rows),
        **classification_picker(reader, form.values),
    )


def _labels(reader: Reader, hub: HubRead, rows: int) -> dict[str, str]:
    """Each field's label, to name it in the form's list of problems."""
    locale = reader.formats.locale
    labels: dict[str, str] = {}
    for tag in _form_languages(hub, reader):
        name = language_name(tag, locale)
        labels[_TITLE + tag] = reader.gettext("Title in %(language)s") % {"language": name}
        labels[_DESCRIPTION + tag] = reader.gettext("Description in %(language)s") % {"language": name}
    for row in range(rows):
        labels[f"point-{row}-name"] = reader.gettext("Name of delivery point %(row)s") % {"row": row + 1}
        labels[f"point-{row}-jurisdiction"] = reader.gettext("Region of delivery point %(row)s") % {"row": row + 1}
        labels[f"point-{row}-address"] = reader.gettext("Address of delivery point %(row)s") % {"row": row + 1}
    labels.update(
        {
            "scheme": reader.gettext("Code list"),
            "code": reader.gettext("Classification"),
            "unit": reader.gettext("Unit"),
            "quality_notes": reader.gettext("Quality"),
            "opens_date": reader.gettext("Opens on"),
            "closes_date": reader.gettext("Closes on"),
            "currency": reader.gettext("Currency"),
            "reserve_unit_price": reader.gettext("Reserve price per unit"),
            "minimum_total_quantity": reader.gettext("Minimum in total"),
        }
    )
    return labels


# --- a pool's page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PointCommitments:
    """The active commitments at one delivery point, as its coordinator reads them."""

    point_id: uuid.UUID
    name: str
    place: str
    address: str
    total: Decimal
    commitments: list[BuyerCommitmentRead]


async def _hub_pool(pools: PoolService, principal: Principal, hub: HubRead, pool_id: uuid.UUID) -> PoolRead:
    """The pool, if it is one of this hub's (`PoolNotFound`, a 404 page, for any other)."""
    pool = await pools.read(principal, pool_id)
    if pool.hub_id != hub.id:
        raise PoolNotFound("no such pool in this hub")
    return pool


def _classification_words(reader: Reader, pool: PoolRead) -> tuple[str | None, str]:
    """The pool's classification: its name in the reader's language (None for a code without one),
    and the code as people write it, with its list (`CPV 03142100-9`)."""
    scheme, code = pool.item.classification.scheme, pool.item.classification.code
    shown = shown_classification(Scheme(scheme), code) if scheme in {s.value for s in Scheme} else code
    return classification_name(scheme, code, reader.language), f"{scheme} {shown}"


async def _pool_page(
    reader: Reader,
    db_session: AsyncSession,
    principal: Principal,
    hub: HubRead,
    pool_id: uuid.UUID,
    form: Form,
    *,
    status_code: int = 200,
) -> Template:
    pools = PoolService(db_session)
    pool = await _hub_pool(pools, principal, hub, pool_id)
    view: PoolView = await pool_view(db_session, reader, pool, {hub.id: hub.name})
    active = [c for c in await pools.commitments_of_buyers(principal, pool_id) if not c.withdrawn]
    points = [
        PointCommitments(
            point_id=point.id,
            name=point.name,
            place=view.places[point.id],
            address=point.address,
            total=point.committed_quantity,
            commitments=[c for c in active if c.delivery_point_id == point.id],
        )
        for point in pool.delivery_points
    ]
    minimum = pool.minimum_total_quantity
    classification, code = _classification_words(reader, pool)
    return page(
        reader,
        "hub/pools/pool.jinja",
        status_code=status_code,
        hub=hub,
        view=view,
        pool=pool,
        points=points,
        buyers=len({c.organization_id for c in active}),
        still_needed=None if minimum is None else max(minimum - pool.total_quantity, Decimal(0)),
        window_over=now() >= pool.closes_at,
        classification=classification,
        code=code,
        form=form,
    )


# --- the pages -------------------------------------------------------------------------------------


class HubPoolPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/hubs/{hub_id:uuid}/pools", name="hub-pools")
    async def pools(
        self,
        hub_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
        status: FromQuery[PoolStatus] = PoolStatus.open,
        page_number: Annotated[int, QueryParameter(name="page")] = 1,
    ) -> Template:
        """The hub's pools in one state, the latest closing first."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        paging = page_params(max(page_number, 1), PER_PAGE)
        found = await PoolService(db_session).list_pools(principal, hub.id, status, paging)
        hubs = {hub.id: hub.name}
        views = [await pool_view(db_session, reader, pool, hubs) for pool in found.items]
        return page(
            reader,
            "hub/pools/list.jinja",
            hub=hub,
            views=views,
            status=status,
            tabs=state_tabs(reader),
            page_number=paging.page,
            pages=max(1, -(-found.total // PER_PAGE)),
        )

    @get("/hubs/{hub_id:uuid}/pools/new")
    async def new_pool(self, hub_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session) -> Template:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        values = {
            "scheme": Scheme.CPV.value,
            "currency": hub.reporting_currency,
            "closes_time": "12:00",
            "point_rows": str(FREE_POINT_ROWS),
        }
        return _form_page(reader, hub, Form(values=values))

    @post("/hubs/{hub_id:uuid}/pools")
    async def open_pool(
        self, request: Request[Any, Any, Any], hub_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session
    ) -> Template | Redirect:
        """Open the pool; or show the form again with more delivery point rows when they were asked
        for (nothing typed is lost)."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        form_data = await request.form()
        values = {key: str(value).strip() for key, value in form_data.items() if key != "_csrf_token"}
        if values.pop("more_rows", ""):
            return _form_page(reader, hub, Form(values={**values, "point_rows": str(_rows_shown(values, more=True))}))
        form = Form(values={**values, "point_rows": str(_rows_shown(values))})
        body, fields = _pool_body(hub, values, reader)
        try:
            data = convert(body, PoolCreate, strict=False)
            pool = await PoolService(db_session).open_pool(principal, data)
        except InvalidInput as error:
            form.note(error, reader, fields)
            return _form_page(reader, hub, form, status_code=422)
        return see_other(f"{_pools_path(hub.id)}/{pool.id}", notice="pool-opened")

    @get("/hubs/{hub_id:uuid}/pools/{pool_id:uuid}", name="hub-pool")
    async def pool(
        self, hub_id: FromPath[uuid.UUID], pool_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session
    ) -> Template:
        """The commitments per delivery point, the totals against the minimum and the time left; the
        form to close the window early; what came of the pool once it closed."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        return await _pool_page(reader, db_session, principal, hub, pool_id, Form())

    @post("/hubs/{hub_id:uuid}/pools/{pool_id:uuid}/close")
    async def close(
        self, hub_id: FromPath[uuid.UUID], pool_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session
    ) -> Template | Redirect:
        """Close the window now: the pool comes about (`closed`) or not (`failed`), as the service decides."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        pools = PoolService(db_session)
        await _hub_pool(pools, principal, hub, pool_id)
        try:
            closed = await pools.close_early(principal, pool_id)
        except PoolNotOpen as error:
            form = Form(problem=reader.gettext("The pool's window has already closed."))
            return await _pool_page(reader, db_session, principal, hub, pool_id, form, status_code=error.status)
        notice = "pool-closed" if closed.status is PoolStatus.closed else "pool-failed"
        return see_other(f"{_pools_path(hub.id)}/{pool_id}", notice=notice)
