"""A demand pool as the pages show it, to its hub's buyers (`web.pools`) and coordinators
(`web.hub_pools`) alike: the item in the reader's language, the hub and the delivery points' places
by name, the currency by name, and how long until the window closes (or opens), in words."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from babel import dates
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.clock import now
from kernel.negotiation import pick_language
from marketplace.api import hub_summary
from procurement.pool.models import PoolStatus
from procurement.pool.schemas import PoolRead
from web.page import Reader
from web.places import place_name


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


#: The states pools are listed by, each under its tab, in the order of the tabs.
POOL_STATES = {
    PoolStatus.open: _("Open"),
    PoolStatus.closed: _("Closed"),
    PoolStatus.failed: _("Did not come about"),
}


@dataclass(frozen=True)
class PoolView:
    """A pool as the page shows it: the item in the reader's language (else the pool's), its hub and
    places by name, and when its window closes in words."""

    pool: PoolRead
    title: str
    description: str
    language: str
    """The language the title and description are written in (a BCP 47 tag)."""
    hub_name: str
    places: dict[uuid.UUID, str]
    """Each delivery point's region or country, by name."""
    closes_in: str
    """How long until the window closes (`in 3 days`), or opens when it has not yet."""
    opens_later: bool
    currency_name: str
    """The pool's currency by name (`euro`)."""

    @property
    def point_names(self) -> dict[uuid.UUID, str]:
        return {point.id: point.name for point in self.pool.delivery_points}


def state_tabs(reader: Reader) -> list[tuple[PoolStatus, str]]:
    """The tabs of a list of pools: each state and its name in the reader's language."""
    return [(state, reader.gettext(word)) for state, word in POOL_STATES.items()]


def pool_title(reader: Reader, pool: PoolRead) -> tuple[str, str]:
    """The pool's item title in the reader's language, else in the pool's, and that language."""
    language = pick_language(list(pool.item.translations), [reader.language], pool.item.default_language)
    return pool.item.translations[language].title, language


async def pool_view(
    db_session: AsyncSession, reader: Reader, pool: PoolRead, hubs: dict[uuid.UUID, str] | None = None
) -> PoolView:
    """`pool` as the page shows it (`hubs`: the hubs' names known so far, filled in)."""
    hubs = {} if hubs is None else hubs
    if pool.hub_id not in hubs:
        hubs[pool.hub_id] = (await hub_summary(db_session, pool.hub_id)).name
    title, language = pool_title(reader, pool)
    current = now()
    opens_later = current < pool.opens_at
    moment = pool.opens_at if opens_later else pool.closes_at
    return PoolView(
        pool=pool,
        title=title,
        description=pool.item.translations[language].description,
        language=language,
        hub_name=hubs[pool.hub_id],
        places={point.id: place_name(point.jurisdiction, reader.language) for point in pool.delivery_points},
        closes_in=dates.format_timedelta(moment - current, add_direction=True, locale=reader.formats.locale),
        opens_later=opens_later,
        currency_name=reader.formats.currency_name(pool.currency),
    )
