"""The core settings every process needs, and the one way any package reads its section from the environment.

Each package owns its settings section (`marketplace.settings`, `procurement.settings`,
`search.settings`); the application (`borderhub.settings`) puts them together. Every
process (web, worker, CLI, tests) builds one `Settings` and passes it down explicitly;
nothing reads `os.environ` after start-up.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, TypeVar

import msgspec
import platformdirs

LogFormat = Literal["console", "json"]
FileStorageKind = Literal["disk"]

S = TypeVar("S", bound=msgspec.Struct)


class CoreSettings(msgspec.Struct, kw_only=True, frozen=True):
    database_url: str | None = None
    """SQLAlchemy URL (`postgresql+asyncpg://...`). Unset: the embedded server."""
    data_dir: Path = Path(platformdirs.user_data_dir("borderhub"))
    jwt_secret: str | None = None
    """HS256 signing key. Unset: generated once and kept in `data_dir/jwt-secret`."""
    access_token_ttl_seconds: int = 900
    """Lifetime of an access token (15 minutes): short, as a client refreshes it with its refresh token."""
    refresh_token_ttl_seconds: int = 30 * 86400
    """Lifetime of a refresh token (30 days); each refresh gives a new one, so a client that refreshes
    at least this often stays signed in until it signs out or its session is revoked."""
    max_request_body_bytes: int = 1_048_576
    login_max_failures: int = 5
    """Wrong passwords one source may try for one account before it waits between tries."""
    login_failure_window_seconds: int = 900
    """The longest such wait, and the window in which an account's failures from all sources count."""
    log_level: str = "INFO"
    log_format: LogFormat = "console"
    run_worker_in_process: bool | None = None
    """Run the job worker inside `serve`. Unset: only for the embedded database."""
    db_pool_size: int = 20
    """Connections a process keeps open; as many again are opened for a burst and closed after it,
    each costing a connect, the dialect's set-up and its prepared statements anew. With 10, a
    process serving 16 requests at once reopened connections all the time (p99 of a one-row read
    44–72 ms, 15–19 ms with 20: `benchmarks/README.md`, per-request cost)."""
    file_storage: FileStorageKind = "disk"
    """Where uploaded files (listing photos) are kept: `disk` (the only kind so far; see `kernel.storage`)."""
    file_storage_dir: Path | None = None
    """The directory of `disk` storage. Unset: `data_dir/files`."""

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    @property
    def worker_in_process(self) -> bool:
        if self.run_worker_in_process is None:
            return self.embedded
        return self.run_worker_in_process


CORE_ENVIRONMENT = {
    "database_url": "DATABASE_URL",
    "data_dir": "BORDERHUB_DATA_DIR",
    "jwt_secret": "JWT_SECRET",
    "access_token_ttl_seconds": "ACCESS_TOKEN_TTL_SECONDS",
    "refresh_token_ttl_seconds": "REFRESH_TOKEN_TTL_SECONDS",
    "max_request_body_bytes": "MAX_REQUEST_BODY_BYTES",
    "login_max_failures": "LOGIN_MAX_FAILURES",
    "login_failure_window_seconds": "LOGIN_FAILURE_WINDOW_SECONDS",
    "log_level": "LOG_LEVEL",
    "log_format": "LOG_FORMAT",
    "run_worker_in_process": "RUN_WORKER_IN_PROCESS",
    "db_pool_size": "DB_POOL_SIZE",
    "file_storage": "FILE_STORAGE",
    "file_storage_dir": "FILE_STORAGE_DIR",
}


class SettingsError(ValueError):
    """A setting that cannot be used; the message names its environment variable."""


def from_environment(section: type[S], variables: Mapping[str, str], **overrides: object) -> S:
    """A settings section from the environment variables named in `variables` (field -> VARIABLE);
    keyword overrides (CLI flags, nested sections) win. Raises `SettingsError` naming the variable
    whose value does not fit its setting."""
    raw: dict[str, object] = {field: os.environ[var] for field, var in variables.items() if os.environ.get(var, "")}
    raw.update({k: v for k, v in overrides.items() if v is not None})
    try:
        # strict=False lets "8000"/"true" from the environment decode to int/bool.
        return msgspec.convert(raw, section, strict=False, dec_hook=_decode)
    except msgspec.ValidationError as error:
        # msgspec says "Expected ... - at `$.field`"; the person setting it knows the variable's name.
        # (Not the value: it may be a secret.)
        problem, _, where = str(error).partition(" - at `$.")
        field = where.split("`")[0].split(".")[0].split("[")[0]
        raise SettingsError(f"{variables.get(field, field or section.__name__)}: {problem}") from error


def _decode(type_: type, obj: object) -> object:
    if type_ is Path and isinstance(obj, str | Path):
        return Path(obj)
    raise NotImplementedError


def kept_secret(data_dir: Path, name: str) -> str:
    """A secret generated on first use and kept in `data_dir/name` (mode 0600), so it survives restarts
    without ever being hard-coded."""
    path = data_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
