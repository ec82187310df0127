"""A hub's words for goods, for its coordinators (`/hubs/{hub_id}/vocabulary`): the goods the hub
named (those it created, or added words to), each with its words by language, the hub's own ones
removable; a lookup of which goods a word names, in any language, with a form to add the hub's words
for each; and a form to add goods the vocabulary lacks, with their names and codes.

Buyers search in their own words: the platform's vocabulary knows each kind of goods by its names in
many languages, and a hub adds the words its people use (regional words, trade names). What it adds
finds goods from the next search on (`search.hub_vocabulary.service`); the platform's own words are
corrected in review, never here, so only the hub's have a "Remove" button.

Every page and form starts with `coordinated_hub` (a 404 page for no hub, 403 for anyone but its
coordinators) and calls `HubVocabulary` as its JSON API controller does.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.errors import Conflict, FieldError, InvalidInput
from marketplace.hub.schemas import HubRead
from search.hub_vocabulary.schemas import ConceptCreate, ConceptRead, TermsAdd
from search.hub_vocabulary.service import HubVocabulary
from search.vocabulary import LANGUAGES
from web.i18n import language_name, name_order
from web.messages import FIELD_MESSAGES, Phrasebook
from web.mine import coordinated_hub
from web.page import Form, Reader, form_values, page, see_other

ThisReader = NamedDependency[Reader]
Session = NamedDependency[AsyncSession]
HubId = FromPath[uuid.UUID]
ConceptId = FromPath[str]


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


#: The service's words about the words and codes typed, as the forms say them.
VOCABULARY_MESSAGES = Phrasebook(
    [
        (r"give 1 to (?P<n>\d+) terms at a time", _("Write 1 to %(n)s words, one on each line.")),
        (r"a term needs at least one letter or digit", _("A word needs at least one letter or digit.")),
        (r"write a term without `/`: .*", _("Write each word on a line of its own, without “/”.")),
        (r"a term is at most (?P<n>\d+) characters", _("A word has at most %(n)s characters.")),
        (
            r"use 3 to 80 lower-case letters, digits and underscores, starting with a letter",
            _("Use 3 to 80 lower-case letters (a to z), digits and underscores, starting with a letter."),
        ),
        (r"write it as 4 or 6 digits", _("Write an HS heading as 4 or 6 digits, like 0409 or 040900.")),
        (r"write it as 8 digits, .*", _("Write a CPV code as 8 digits, like 03142500 or 03142500-3.")),
        (r"give at most (?P<n>\d+) codes", _("Give at most %(n)s codes.")),
        (r"give the concept's name in at least one language", _("Write at least one name of the goods.")),
        (
            r"(?:malformed BCP 47 language tag|unknown language in tag|language tags are at most) .*",
            _("Choose a language from the list."),
        ),
        (r"write a word to look up, in any language", _("Write a word to look up, in any language.")),
    ],
    then=FIELD_MESSAGES,
)
_NAME_TAKEN = _(
    "Goods with the identifier “%(id)s” are in the vocabulary already. Look them up by one of their names and "
    "add your words to them instead."
)
#: A problem of one line or code of several typed in one field names it.
_ITEM_PROBLEM = _("“%(item)s”: %(problem)s")
#: A field's items as the service names one of them: `$.terms[1]`, `$.terms.pl[0]`, `$.hs[2]`.
_ITEM = re.compile(r"\$\.(?P<items>[a-z_.]+)\[(?P<index>[0-9]+)\]")
#: HS headings and CPV codes as typed: separated by commas, semicolons or spaces.
_CODE_SEPARATORS = re.compile(r"[\s,;]+")
#: The language of a word whose language the vocabulary lacks (a reader of a language it has not).
_FALLBACK_LANGUAGE = "en"


def _vocabulary_path(hub_id: uuid.UUID) -> str:
    return f"/hubs/{hub_id}/vocabulary"


# --- the forms, read ------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    """The words of a textarea, one a line (empty lines skipped: a line left over is no word)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _codes(text: str) -> list[str]:
    return [code for code in _CODE_SEPARATORS.split(text) if code]


def _terms_fields(concept_id: str) -> tuple[str, str]:
    """The add-words form's field names for one of the goods: each form on the page has its own, so
    their labels and error messages stay tied to their own fields."""
    return f"language-{concept_id}", f"terms-{concept_id}"


def _note(
    form: Form,
    error: InvalidInput,
    reader: Reader,
    field_of: Callable[[FieldError], str],
    typed: Mapping[str, Sequence[str]],
) -> None:
    """The problems of `error`, each beside its form field (`field_of` names it), in words a producer
    understands. Like `Form.note`, but a problem of one of several lines or codes typed in one field
    names the line or code (`typed`: the items sent, by the service's name of the field), as a field
    of twenty lines is otherwise a riddle."""
    for problem in error.errors:
        name = field_of(problem)
        if name in form.errors:
            continue
        said = VOCABULARY_MESSAGES.say(problem.message, reader.gettext)
        item = _ITEM.fullmatch(problem.field)
        items = typed.get(item.group("items"), ()) if item else ()
        if item and int(item.group("index")) < len(items):
            said = reader.gettext(_ITEM_PROBLEM) % {"item": items[int(item.group("index"))], "problem": said}
        form.errors[name] = said
    if not error.errors:
        form.problem = reader.gettext(error.detail)


def _creation_field(problem: FieldError) -> str:
    """The creation form's field of a service's problem (`$.hs[0]` is the HS field's, `$.terms.de[1]`
    the names', a bad language of the names the language's)."""
    field = problem.field
    for service_name, form_name in (("$.id", "id"), ("$.hs", "hs"), ("$.cpv", "cpv")):
        if field == service_name or field.startswith(f"{service_name}["):
            return form_name
    if field.startswith("$.terms.") and "language" in problem.message:
        return "name_language"
    return "names"


# --- the page, rendered ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TermView:
    term: str
    language: str
    mine: bool
    """Added by the reader's hub (and so removable by it)."""


@dataclass(frozen=True)
class LanguageTerms:
    language: str
    name: str
    """The language by name, in the reader's language."""
    terms: list[TermView]


@dataclass(frozen=True)
class ConceptView:
    """Goods as the page shows them: named in the reader's language where the vocabulary can."""

    id: str
    name: str
    name_language: str
    created_by_hub: bool
    hs: list[str]
    cpv: list[str]
    languages: list[LanguageTerms]


def _capitalised(term: str) -> str:
    return term[:1].upper() + term[1:]


def _language(reader: Reader, tag: str) -> str:
    """A language by name, as a label or a choice begins (Czech and Polish name them in lower case)."""
    return _capitalised(language_name(tag, reader.formats.locale))


def _reader_language(reader: Reader) -> str:
    """The language a word is first offered in: the reader's, where the vocabulary has it."""
    language = reader.catalog_language
    return language if language in LANGUAGES else _FALLBACK_LANGUAGE


def _language_choices(reader: Reader) -> list[tuple[str, str]]:
    """The vocabulary's languages by name, in the reader's language and order."""
    named = [(tag, _language(reader, tag)) for tag in LANGUAGES]
    return sorted(named, key=lambda choice: name_order(choice[1]))


def _concept_view(reader: Reader, concept: ConceptRead, hub_id: uuid.UUID) -> ConceptView:
    grouped: dict[str, list[TermView]] = {}
    for term in concept.terms:
        grouped.setdefault(term.language, []).append(TermView(term.term, term.language, term.hub_id == hub_id))
    first = _reader_language(reader)
    # The reader's language first, then the rest by name: the words one knows lead the list.
    order = sorted(grouped, key=lambda tag: (tag != first, name_order(_language(reader, tag))))
    # Named in the reader's language, else English, else the first language it has a name in.
    name_language = next((tag for tag in (first, _FALLBACK_LANGUAGE, *order) if tag in grouped), None)
    # Terms are kept as written in running text (`honey`); as a heading, the name starts a sentence.
    name = _capitalised(grouped[name_language][0].term) if name_language else concept.id
    return ConceptView(
        id=concept.id,
        name=name,
        name_language=name_language or _FALLBACK_LANGUAGE,  # the identifier is an English name
        created_by_hub=concept.hub_id == hub_id,
        hs=concept.hs,
        cpv=concept.cpv,
        languages=[LanguageTerms(tag, _language(reader, tag), grouped[tag]) for tag in order],
    )


async def _look_up(
    reader: Reader, vocabulary: HubVocabulary, principal: Principal, hub: HubRead, looked_up: str
) -> tuple[list[ConceptRead] | None, Form]:
    """The goods `looked_up` names (None when nothing was looked up), and the lookup form."""
    lookup = Form(values={"term": looked_up})
    if not looked_up:
        return None, lookup
    try:
        return await vocabulary.find(principal, hub.id, looked_up), lookup
    except InvalidInput as error:
        _note(lookup, error, reader, lambda _problem: "term", {})
        return None, lookup


async def _vocabulary_page(
    reader: Reader,
    vocabulary: HubVocabulary,
    principal: Principal,
    hub: HubRead,
    *,
    looked_up: str = "",
    adding: Form | None = None,
    creating: Form | None = None,
    status_code: int = 200,
) -> Template:
    found, lookup = await _look_up(reader, vocabulary, principal, hub, looked_up)
    if lookup.errors:
        status_code = 422
    mine = await vocabulary.find(principal, hub.id, None)
    creating = creating or Form(values={"name_language": _reader_language(reader)})
    return page(
        reader,
        "hub/vocabulary/vocabulary.jinja",
        status_code=status_code,
        hub=hub,
        mine=[_concept_view(reader, concept, hub.id) for concept in mine],
        lookup=lookup,
        looked_up=looked_up,
        found=None if found is None else [_concept_view(reader, concept, hub.id) for concept in found],
        adding=adding or Form(),
        creating=creating,
        language_choices=_language_choices(reader),
        reader_language=_reader_language(reader),
        creation_labels={
            "id": reader.gettext("Identifier"),
            "name_language": reader.gettext("Language of the names"),
            "names": reader.gettext("Names"),
            "hs": reader.gettext("HS headings"),
            "cpv": reader.gettext("CPV codes"),
        },
    )


# --- the pages ------------------------------------------------------------------------------------


class HubVocabularyPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/hubs/{hub_id:uuid}/vocabulary", name="hub-vocabulary")
    async def vocabulary(
        self, request: Request[Any, Any, Any], hub_id: HubId, reader: ThisReader, db_session: Session
    ) -> Template:
        """The goods the hub named, and (`?term=`) those a word names."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        looked_up = request.query_params.get("term", "").strip()
        return await _vocabulary_page(reader, HubVocabulary(db_session), principal, hub, looked_up=looked_up)

    @post("/hubs/{hub_id:uuid}/vocabulary/concepts/{concept_id:str}/terms")
    async def add_terms(
        self,
        request: Request[Any, Any, Any],
        hub_id: HubId,
        concept_id: ConceptId,
        reader: ThisReader,
        db_session: Session,
    ) -> Template | Redirect:
        """Add the hub's words for the goods in one language; back to the lookup that showed them."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        values = await form_values(request)
        language_field, terms_field = _terms_fields(concept_id)
        looked_up = values.get("looked_up", "")
        terms = _lines(values.get(terms_field, ""))
        vocabulary = HubVocabulary(db_session)
        try:
            data = TermsAdd(language=values.get(language_field, ""), terms=terms)
            async with db_session.begin_nested():  # a refusal answered with a page keeps nothing
                await vocabulary.add_terms(principal, hub.id, concept_id, data)
        except InvalidInput as error:
            form = Form(
                values={language_field: values.get(language_field, ""), terms_field: values.get(terms_field, "")}
            )
            fields = {"$.language": language_field}
            _note(form, error, reader, lambda problem: fields.get(problem.field, terms_field), {"terms": terms})
            return await _vocabulary_page(
                reader, vocabulary, principal, hub, looked_up=looked_up, adding=form, status_code=422
            )
        return see_other(_vocabulary_path(hub.id), term=looked_up or None, notice="vocabulary-terms-added")

    @post("/hubs/{hub_id:uuid}/vocabulary/concepts/{concept_id:str}/terms/remove")
    async def remove_term(
        self,
        request: Request[Any, Any, Any],
        hub_id: HubId,
        concept_id: ConceptId,
        reader: ThisReader,
        db_session: Session,
    ) -> Redirect:
        """Take back a word the hub added (another's, or the platform's, is a 404 page)."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        values = await form_values(request)
        await HubVocabulary(db_session).remove_term(
            principal, hub.id, concept_id, values.get("language", ""), values.get("term", "")
        )
        looked_up = values.get("looked_up") or None
        return see_other(_vocabulary_path(hub.id), term=looked_up, notice="vocabulary-term-removed")

    @post("/hubs/{hub_id:uuid}/vocabulary/concepts")
    async def create(
        self, request: Request[Any, Any, Any], hub_id: HubId, reader: ThisReader, db_session: Session
    ) -> Template | Redirect:
        """Add goods the vocabulary lacks, named in one language, with their codes."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        values = await form_values(request)
        form = Form(values=values)
        language = values.get("name_language", "")
        names, hs, cpv = _lines(values.get("names", "")), _codes(values.get("hs", "")), _codes(values.get("cpv", ""))
        vocabulary = HubVocabulary(db_session)
        try:
            data = ConceptCreate(id=values.get("id", ""), hs=hs, cpv=cpv, terms={language: names})
            # The service refuses goods another hub created meanwhile after writing them: a page answers
            # the refusal, so only the savepoint's rollback keeps their words off the other's goods.
            async with db_session.begin_nested():
                await vocabulary.create(principal, hub.id, data)
        except InvalidInput as error:
            _note(form, error, reader, _creation_field, {"hs": hs, "cpv": cpv, f"terms.{language}": names})
            return await _vocabulary_page(reader, vocabulary, principal, hub, creating=form, status_code=422)
        except Conflict as error:
            form.problem = reader.gettext(_NAME_TAKEN) % {"id": values.get("id", "")}
            return await _vocabulary_page(reader, vocabulary, principal, hub, creating=form, status_code=error.status)
        return see_other(_vocabulary_path(hub.id), notice="vocabulary-concept-created")
