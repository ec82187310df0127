"""The web application: pages for producers, buyers, coordinators and the public.

Server-rendered HTML (Jinja2 through Litestar) at `/`, beside the JSON API at `/api/v1`. Page
handlers call the same services as the API's controllers, in process; no business rule lives in
a page or a template. Every page works without JavaScript (forms post, then redirect); the
project's own small script (`static/site.js`) makes some of them quicker to use. Texts are
translated with the message catalogs in `locale/` (`borderhub i18n`), and money, numbers, dates
and units are formatted for the reader with Babel (`marketplace.api.formats_for`).
"""
