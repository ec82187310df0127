"""Every integration test is cleaned up after, whichever fixtures it reaches the database through
(a CLI test may hold only `database_url`)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _cleaned_after(_clean_database: None) -> None:
    """Request the root conftest's `_clean_database` for every test in this folder."""
