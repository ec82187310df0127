"""OPTIONS answers every method of the path in `Allow`.

Litestar 2 answers with the methods of the first handler registered on a path only, when several
controllers serve the same path (litestar-org/litestar#4169, fixed in Litestar 3). This hook
answers OPTIONS itself, from the app's routes, before Litestar's own handler runs.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.routes import HTTPRoute
from litestar.status_codes import HTTP_204_NO_CONTENT


async def answer_options(request: Request[Any, Any, Any]) -> Response[None] | None:
    """The app's `before_request`: None (carry on) for every method but OPTIONS."""
    if request.method != "OPTIONS":
        return None
    template = request.scope.get("path_template")
    methods = {
        method
        for route in request.app.routes
        if isinstance(route, HTTPRoute) and route.path_format == template
        for method in route.methods
    }
    return Response(content=None, status_code=HTTP_204_NO_CONTENT, headers={"Allow": ", ".join(sorted(methods))})
