"""Where the shared reference data is (Stripe fixtures, OCDS schemas): `$BORDERHUB_SHARED_DATA`, or
`../shared/data` beside the checkout. Tests that need it skip with a reason when it is absent."""

from __future__ import annotations

import os
from pathlib import Path


def shared_data(*parts: str) -> Path:
    shared = os.environ.get("BORDERHUB_SHARED_DATA")
    # absolute(), not resolve(): the shared folder sits next to the checkout as the user sees it.
    root = Path(shared) if shared else Path(__file__).absolute().parents[1].parent / "shared" / "data"
    return root.joinpath(*parts)
