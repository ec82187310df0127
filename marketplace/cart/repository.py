"""All SQL of carts. Every statement is scoped to one person's cart (`user_id`)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import uuid_utils.compat
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock
from marketplace.cart.models import CartLine


class CartRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lines(self, user_id: uuid.UUID, *, for_update: bool = False) -> list[CartLine]:
        """The person's lines, in the order they were first added."""
        statement = (
            select(CartLine)
            .where(CartLine.user_id == user_id)
            .order_by(CartLine.created_at, CartLine.id)
            .execution_options(populate_existing=True)
        )
        if for_update:
            statement = statement.with_for_update()
        return list((await self.session.execute(statement)).scalars())

    async def add_quantity(self, user_id: uuid.UUID, listing_id: uuid.UUID, quantity: Decimal) -> Decimal:
        """Add `quantity` to the person's line of the listing (a new line if there is none, in one
        statement, so two adds at once both count); the line's quantity after."""
        now = clock.now()
        values = insert(CartLine).values(
            id=uuid_utils.compat.uuid7(),
            user_id=user_id,
            listing_id=listing_id,
            quantity=quantity,
            created_at=now,
            updated_at=now,
        )
        statement = values.on_conflict_do_update(
            constraint="uq_cart_line_listing",
            set_={"quantity": CartLine.quantity + values.excluded.quantity, "updated_at": now},
        ).returning(CartLine.quantity)
        total: Decimal = (await self.session.execute(statement)).scalar_one()
        return total

    async def set_quantity(self, user_id: uuid.UUID, listing_id: uuid.UUID, quantity: Decimal) -> bool:
        """Change the quantity of the person's line of the listing; False when there is no such line."""
        statement = (
            update(CartLine)
            .where(CartLine.user_id == user_id, CartLine.listing_id == listing_id)
            .values(quantity=quantity, updated_at=clock.now())
            .returning(CartLine.id)
        )
        return (await self.session.execute(statement)).first() is not None

    async def remove(self, user_id: uuid.UUID, listing_id: uuid.UUID) -> bool:
        """Take the listing's line out of the person's cart; False when it was not in it."""
        statement = (
            delete(CartLine)
            .where(CartLine.user_id == user_id, CartLine.listing_id == listing_id)
            .returning(CartLine.id)
        )
        return (await self.session.execute(statement)).first() is not None

    async def clear(self, user_id: uuid.UUID) -> None:
        await self.session.execute(delete(CartLine).where(CartLine.user_id == user_id))
