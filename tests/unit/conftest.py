"""Unit tests run without a database: asking for one (directly or through `settings`, `app`,
`client`, `sessions`, `db` ...) fails, pointing at tests/integration/."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def database_url() -> str:
    pytest.fail("unit tests have no database: a test that needs one belongs in tests/integration/")
