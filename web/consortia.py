"""A microfinance consortium's pages, for its officers: the consortia one is an officer of
(`/consortia`, straight to the one when there is one), and a consortium's page (`/consortia/<id>`):
its queue (the requests to decide on and the approved advances to pay out, the oldest first; the
others by state), its rules and terms per currency, its funders and officers, and its books per
currency (what each funder put up, lent and earned, the money available to lend).

Every figure is `FinancingService`'s (`queue`, `read_consortium`, `books`), called as the JSON API
calls it; the page is its officers' only (a 404 page for anyone else, the hubs' coordinators too: the
books are not theirs to read).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.money import Amount
from kernel.pagination import MAX_PER_PAGE, PageParams, page_params
from marketplace.api import hub_summary
from marketplace.financing.models import Account, AdvanceStatus
from marketplace.financing.schemas import BooksRead
from marketplace.financing.service import FinancingService
from web.advance_views import ACCOUNT_WORDS, STATUS_WORDS, iban_groups, listed, organization_names
from web.page import Form, Reader, page, see_other
from web.places import place_name
from web.words import inclusion_name

ThisReader = NamedDependency[Reader]
Session = NamedDependency[AsyncSession]

#: Advances of a chosen state listed on one page.
PER_PAGE = 20
#: Everything waiting for the officers on one page: the oldest first, as they are worked through.
_WAITING = PageParams(page=1, per_page=MAX_PER_PAGE)
#: The states of the queue itself (the service's default); the filter offers the others.
_QUEUED = frozenset({AdvanceStatus.requested, AdvanceStatus.approved})


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


_COLLECTION_ACCOUNT = _("Collection account")


@dataclass(frozen=True)
class BookLine:
    """A balance of the books in words: whose, of which account, how much, and on which side."""

    funder: str
    account: str
    balance: Amount
    """Its size (the side says whether it is a debit or a credit)."""
    debit: bool


@dataclass(frozen=True)
class Book:
    books: BooksRead
    lines: list[BookLine]


def _book(books: BooksRead, reader: Reader) -> Book:
    lines = []
    for line in books.lines:
        account = reader.gettext(ACCOUNT_WORDS[Account(line.account)])
        funder = line.name or reader.gettext(_COLLECTION_ACCOUNT)
        size = Amount(amount_minor=abs(line.balance.amount_minor), currency=line.balance.currency)
        lines.append(BookLine(funder=funder, account=account, balance=size, debit=line.balance.amount_minor > 0))
    return Book(books=books, lines=lines)


def _status(value: str | None) -> AdvanceStatus | None:
    """The state chosen in the filter (none for none, or for a state no advance has)."""
    try:
        return AdvanceStatus(value) if value else None
    except ValueError:
        return None


class ConsortiumPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/consortia", name="consortia")
    async def consortia(self, reader: ThisReader, db_session: Session) -> Template | Redirect:
        """The consortia the reader is an officer of: the one consortium's page straight away, when there is one."""
        principal = reader.require()
        consortia = await FinancingService(db_session).my_consortia(principal)
        if len(consortia) == 1:
            return see_other(f"/consortia/{consortia[0].id}")
        return page(reader, "consortia/list.jinja", consortia=sorted(consortia, key=lambda c: c.name))

    @get("/consortia/{consortium_id:uuid}", name="consortium")
    async def consortium(
        self,
        consortium_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
        status: Annotated[str | None, QueryParameter(name="status")] = None,
        page_number: Annotated[int, QueryParameter(name="page")] = 1,
    ) -> Template:
        """The queue, the advances of a chosen state, the rules, funders, officers and books."""
        principal = reader.require()
        financing = FinancingService(db_session)
        # The queue first: it is what answers 404 to anyone but the consortium's officers.
        waiting = await financing.queue(principal, consortium_id, [], _WAITING)
        consortium = await financing.read_consortium(principal, consortium_id)
        chosen = _status(status)
        paging = page_params(max(page_number, 1), PER_PAGE)
        shown = await financing.queue(principal, consortium_id, [chosen], paging) if chosen else None
        hub_id = consortium.hub_ids[0] if consortium.hub_ids else None
        names = await organization_names(db_session, hub_id, [*waiting.items, *(shown.items if shown else [])])
        return page(
            reader,
            "consortia/consortium.jinja",
            consortium=consortium,
            hubs=[(await hub_summary(db_session, hub)).name for hub in consortium.hub_ids],
            to_decide=listed([a for a in waiting.items if a.status is AdvanceStatus.requested], names, reader),
            to_pay_out=listed([a for a in waiting.items if a.status is AdvanceStatus.approved], names, reader),
            waiting_total=waiting.total,
            statuses=[
                (value.value, reader.gettext(words)) for value, words in STATUS_WORDS.items() if value not in _QUEUED
            ],
            chosen=chosen.value if chosen else "",
            form_of_status=Form(values={"status": chosen.value if chosen else ""}),
            chosen_words=reader.gettext(STATUS_WORDS[chosen]) if chosen else None,
            shown=listed(shown.items, names, reader) if shown else [],
            page_number=paging.page,
            pages=max(1, -(-shown.total // PER_PAGE)) if shown else 1,
            ibans={terms.currency: iban_groups(terms.collection_iban) for terms in consortium.currencies},
            countries={funder.country: place_name(funder.country, reader.language) for funder in consortium.funders},
            inclusion={
                term.attribute.value: inclusion_name(term.attribute, reader.gettext)
                for term in consortium.inclusion_terms
            },
            books=[
                _book(await financing.books(principal, consortium_id, terms.currency), reader)
                for terms in consortium.currencies
            ],
        )
