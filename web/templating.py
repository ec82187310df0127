"""The pages' Jinja2 environment: autoescaped HTML, gettext through the reader's catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

TEMPLATES = Path(__file__).parent / "templates"


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, text: str) -> str:
    return str(context["reader"].texts.gettext(text))


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, n: int) -> str:
    return str(context["reader"].texts.ngettext(singular, plural, n))


def environment() -> jinja2.Environment:
    """Templates in `templates/`, each text looked up in the catalog of the page's reader (the
    `reader` every page is rendered with: `web.page.page`)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        extensions=["jinja2.ext.i18n"],
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,  # as `kernel.catalogs` extracts the texts
        lstrip_blocks=True,
        auto_reload=False,  # templates change with a release, not while serving: no stat() per page
    )
    # newstyle: `_("%(n)s orders", n=3)` formats after translating, and escapes what it inserts.
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


def template_config() -> TemplateConfig[Any]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))
