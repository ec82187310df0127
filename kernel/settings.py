"""Service settings, read once from the environment (see `.env.example`).

Every process (web, worker, CLI, tests) builds one `Settings` and passes it
down explicitly; nothing reads `os.environ` after start-up.
"""

from __future__ import annotations

import os
import secrets
from decimal import Decimal
from pathlib import Path
from typing import Literal

import msgspec
import platformdirs

LogFormat = Literal["console", "json"]
SearchBackend = Literal["postgres", "meilisearch"]


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    database_url: str | None = None
    """SQLAlchemy URL (`postgresql+asyncpg://...`). Unset: the embedded server."""
    data_dir: Path = Path(platformdirs.user_data_dir("borderhub"))
    jwt_secret: str | None = None
    """HS256 signing key. Unset: generated once and kept in `data_dir/jwt-secret`."""
    access_token_ttl_seconds: int = 3600
    max_request_body_bytes: int = 1_048_576
    login_max_failures: int = 5
    login_failure_window_seconds: int = 900
    log_level: str = "INFO"
    log_format: LogFormat = "console"
    run_worker_in_process: bool | None = None
    """Run the job worker inside `serve`. Unset: only for the embedded database."""
    db_pool_size: int = 10
    stripe_secret_key: str | None = None
    """Stripe API key (`sk_...`). Unset: card payments are off and buyers pay by invoice."""
    stripe_webhook_secret: str | None = None
    """Signing secret of the webhook endpoint (`whsec_...`); required with the key."""
    stripe_api_base: str | None = None
    """Where the Stripe API is (tests point it at a local stub). Unset: Stripe's own."""
    hub_fee_percent: Decimal = Decimal(0)
    """The hub's application fee: kept from each card-paid order before the producer's transfer."""
    search_backend: SearchBackend = "postgres"
    """Where listings are indexed: PostgreSQL full text (in the service's database) or Meilisearch."""
    meilisearch_url: str | None = None
    """Required with SEARCH_BACKEND=meilisearch (`http://127.0.0.1:7700`)."""
    meilisearch_api_key: str | None = None
    meilisearch_index: str = "listings"
    bid_sealing_secret: str | None = None
    """Key material that sealed bids are encrypted under (one key per tender is derived from it).
    Unset: generated once and kept in `data_dir/bid-sealing-secret`. Keep it out of database
    backups; losing it makes sealed bids unreadable at their deadline."""
    ocid_prefix: str = "ocds-borderhub"
    """The publisher's OCDS ocid prefix (register one with the OCDS Data Support Team)."""
    ocds_publisher_name: str = "Borderhub"
    award_time_limit_seconds: float = 10.0
    """How long the award optimiser may search; past it the best award found is proposed, flagged."""
    ocds_release_schema: str = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
    """The OCDS release schema (URL or file path) whose merge rules compile records."""

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    @property
    def stripe_enabled(self) -> bool:
        return self.stripe_secret_key is not None

    def on_embedded(self, url: str) -> Settings:
        """These settings pointed at the embedded server started for them at `url` — which keeps
        them "embedded" (the worker runs in `serve` unless RUN_WORKER_IN_PROCESS says otherwise)."""
        in_process = self.worker_in_process
        return msgspec.structs.replace(self, database_url=url, run_worker_in_process=in_process)

    @property
    def worker_in_process(self) -> bool:
        if self.run_worker_in_process is None:
            return self.embedded
        return self.run_worker_in_process


_ENV = {
    "database_url": "DATABASE_URL",
    "data_dir": "BORDERHUB_DATA_DIR",
    "jwt_secret": "JWT_SECRET",
    "access_token_ttl_seconds": "ACCESS_TOKEN_TTL_SECONDS",
    "max_request_body_bytes": "MAX_REQUEST_BODY_BYTES",
    "login_max_failures": "LOGIN_MAX_FAILURES",
    "login_failure_window_seconds": "LOGIN_FAILURE_WINDOW_SECONDS",
    "log_level": "LOG_LEVEL",
    "log_format": "LOG_FORMAT",
    "run_worker_in_process": "RUN_WORKER_IN_PROCESS",
    "db_pool_size": "DB_POOL_SIZE",
    "stripe_secret_key": "STRIPE_SECRET_KEY",
    "stripe_webhook_secret": "STRIPE_WEBHOOK_SECRET",
    "stripe_api_base": "STRIPE_API_BASE",
    "hub_fee_percent": "HUB_FEE_PERCENT",
    "search_backend": "SEARCH_BACKEND",
    "meilisearch_url": "MEILISEARCH_URL",
    "meilisearch_api_key": "MEILISEARCH_API_KEY",
    "meilisearch_index": "MEILISEARCH_INDEX",
    "bid_sealing_secret": "BID_SEALING_SECRET",
    "ocid_prefix": "OCID_PREFIX",
    "ocds_publisher_name": "OCDS_PUBLISHER_NAME",
    "award_time_limit_seconds": "AWARD_TIME_LIMIT_SECONDS",
    "ocds_release_schema": "OCDS_RELEASE_SCHEMA",
}


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment; keyword overrides (from CLI flags) win."""
    raw: dict[str, object] = {field: os.environ[var] for field, var in _ENV.items() if os.environ.get(var, "") != ""}
    raw.update({k: v for k, v in overrides.items() if v is not None})
    # strict=False lets "8000"/"true" from the environment decode to int/bool.
    return msgspec.convert(raw, Settings, strict=False, dec_hook=_decode)


def _decode(type_: type, obj: object) -> object:
    if type_ is Path and isinstance(obj, str | Path):
        return Path(obj)
    raise NotImplementedError


def ensure_secrets(settings: Settings) -> Settings:
    """Return settings with their secrets (the token signing key, the bid sealing key material):
    the configured ones, or ones kept in the data dir.

    Each is generated on first start and reused after, so tokens survive restarts and sealed
    bids stay readable, without any secret ever being hard-coded.
    """
    kept = {
        field: getattr(settings, field) or _kept_secret(settings.data_dir / file)
        for field, file in (("jwt_secret", "jwt-secret"), ("bid_sealing_secret", "bid-sealing-secret"))
    }
    return msgspec.structs.replace(settings, **kept)


def _kept_secret(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
