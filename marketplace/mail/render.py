"""Messages written for their reader: one template per kind of message, in the reader's language.

A message template (`templates/<kind>.jinja`) says what the message says, once, in three blocks:
`subject` (one line), `body` (paragraphs separated by a blank line) and `action` (the label of its
link, optional). The shared layouts turn that into the text and the HTML part of an e-mail and the
in-app notification, so a message kind is written (and translated) once for every channel.

Times are shown in the reader's time zone (their region's, else their language's usual one).
Texts are translated with gettext message catalogs (`locale/<language>/LC_MESSAGES/messages.po`,
kept up to date with `borderhub i18n extract|update|compile`); a language without a catalog
reads English. Dates, numbers, money and quantities are formatted with Babel for the reader's
locale; units are named (`2,5 kg`, `3 Kisten`), never given as UN/CEFACT codes.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from marketplace.mail.formats import catalog_language, formats_for

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Rendered:
    language: str
    """The catalog the message was written from (en, de, pl, cs)."""
    subject: str
    paragraphs: tuple[str, ...]
    """The body, paragraph by paragraph (as the inbox in the app shows it)."""
    text: str
    html: str
    action: str | None
    """The link's label (None: the message has no link)."""


def environment(*, autoescape: bool = False) -> jinja2.Environment:
    """The template environment (also what `borderhub i18n extract` reads templates with)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        extensions=["jinja2.ext.i18n"],
        autoescape=autoescape,  # noqa: S701 - off only for the text part and the subjects, never for HTML
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


@functools.lru_cache(maxsize=64)  # bounded: preferred languages are free BCP 47 tags
def _environment(preferred: str | None, *, autoescape: bool) -> jinja2.Environment:
    formats = formats_for(preferred)
    env = environment(autoescape=autoescape)
    env.install_gettext_translations(formats.catalog, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        money=formats.money,
        number=formats.number,
        date=formats.date,
        datetime=formats.datetime,
        quantity=formats.quantity,
    )
    return env


def render(kind: str, preferred_language: str | None, context: Mapping[str, Any]) -> Rendered:
    """The message `kind` for a reader preferring `preferred_language`, with `context` (its values,
    and `link`: where its action leads, or None).

    Raises `jinja2.TemplateNotFound` for an unknown kind and `jinja2.UndefinedError` when the context
    lacks a value the template uses: a programming error, never the reader's."""
    values = {"link": None, **context}
    text_env = _environment(preferred_language, autoescape=False)
    template = text_env.get_template(f"{kind}.jinja")
    parts = {name: _block(template, name, values) for name in ("subject", "body", "action")}
    subject = " ".join(parts["subject"].split())
    paragraphs = [" ".join(p.split()) for p in parts["body"].split("\n\n") if p.strip()]
    action = " ".join(parts["action"].split()) or None
    link = values["link"]
    layout = {"subject": subject, "paragraphs": paragraphs, "action": action, "link": link}
    text = text_env.get_template("layout/mail.txt.jinja").render(layout)
    html = _environment(preferred_language, autoescape=True).get_template("layout/mail.html.jinja").render(layout)
    return Rendered(
        language=catalog_language(preferred_language),
        subject=subject,
        paragraphs=tuple(paragraphs),
        text=text,
        html=html,
        action=action,
    )


def _block(template: jinja2.Template, name: str, values: Mapping[str, Any]) -> str:
    block = template.blocks.get(name)
    if block is None:
        return ""
    return "".join(block(template.new_context(dict(values))))
