"""Loading the starter vocabulary again (`borderhub search vocabulary`): the platform's terms come back as
the file has them, and what hubs added stays."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.db import transaction
from search.api import load_starter_vocabulary
from search.engines.postgres import load_vocabulary_statements
from search.vocabulary import Concept, starter_concepts


async def terms_of(sessions: async_sessionmaker[AsyncSession], concept_id: str) -> set[tuple[str, str, bool]]:
    async with transaction(sessions) as session:
        rows = await session.execute(
            text("SELECT language, term, hub_id IS NULL FROM search.concept_term WHERE concept_id = :id"),
            {"id": concept_id},
        )
        return {(row[0], row[1], row[2]) for row in rows}


async def test_a_reload_restores_the_platforms_terms_and_keeps_a_hubs(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    [honey] = [c for c in starter_concepts() if c.id == "honey"]
    platform = {(language, term, True) for language, terms in honey.terms.items() for term in terms}
    async with transaction(sessions) as session:
        await session.execute(text("DELETE FROM search.concept_term WHERE concept_id = 'honey' AND language = 'pl'"))
        hub_word = Concept(id="honey", hs=[], cpv=[], terms={"de": ["Bienengold"]})
        for statement, parameters in load_vocabulary_statements([hub_word], hub_id=str(uuid.uuid4())):
            await session.execute(text(statement), parameters)
    assert not {t for t in await terms_of(sessions, "honey") if t[0] == "pl"}

    assert await load_starter_vocabulary(sessions) == len(starter_concepts())

    assert await terms_of(sessions, "honey") == platform | {("de", "Bienengold", False)}
    async with transaction(sessions) as session:
        codes = (await session.execute(text("SELECT hs, cpv FROM search.concept WHERE id = 'honey'"))).one()
    assert (list(codes[0]), list(codes[1])) == (honey.hs, honey.cpv)  # the hub's empty codes changed nothing
