"""HTTP endpoints of a hub's vocabulary (coordinators)."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter

from kernel.web import Caller, Session
from search.hub_vocabulary.schemas import ConceptCreate, ConceptRead, TermsAdd
from search.hub_vocabulary.service import HubVocabulary


def provide_vocabulary(db_session: Session) -> HubVocabulary:
    return HubVocabulary(db_session)


Vocabulary = NamedDependency[HubVocabulary]


class HubVocabularyController(Controller):
    path = "/api/v1/hubs/{hub_id:uuid}/vocabulary"
    tags = ["search"]
    dependencies = {"vocabulary": Provide(provide_vocabulary, sync_to_thread=False)}

    @get(
        "/concepts",
        summary="Concepts of goods and services by one of their words, or those your hub added to (coordinators)",
        opt={"problems": (403, 404)},
    )
    async def find(
        self,
        hub_id: FromPath[uuid.UUID],
        principal: Caller,
        vocabulary: Vocabulary,
        term: Annotated[str | None, QueryParameter(description="A word in any language; none: your hub's")] = None,
    ) -> list[ConceptRead]:
        return await vocabulary.find(principal, hub_id, term)

    @post(
        "/concepts",
        summary="Create a concept the vocabulary lacks, with its terms (coordinators)",
        opt={"problems": (403, 404, 409)},
    )
    async def create(
        self, hub_id: FromPath[uuid.UUID], data: JSONBody[ConceptCreate], principal: Caller, vocabulary: Vocabulary
    ) -> ConceptRead:
        return await vocabulary.create(principal, hub_id, data)

    @post(
        "/concepts/{concept_id:str}/terms",
        summary="Add your hub's words for a concept in one language: regional words, trade names (coordinators)",
        opt={"problems": (403, 404)},
    )
    async def add_terms(
        self,
        hub_id: FromPath[uuid.UUID],
        concept_id: FromPath[str],
        data: JSONBody[TermsAdd],
        principal: Caller,
        vocabulary: Vocabulary,
    ) -> ConceptRead:
        return await vocabulary.add_terms(principal, hub_id, concept_id, data)

    @delete(
        "/concepts/{concept_id:str}/terms/{language:str}/{term:str}",
        summary="Take back a word your hub added (coordinators)",
        opt={"problems": (403, 404)},
    )
    async def remove_term(
        self,
        hub_id: FromPath[uuid.UUID],
        concept_id: FromPath[str],
        language: FromPath[str],
        term: FromPath[str],
        principal: Caller,
        vocabulary: Vocabulary,
    ) -> None:
        await vocabulary.remove_term(principal, hub_id, concept_id, language, term)
