"""The service's settings: the core ones every process needs, plus each package's own section.

Read once from the environment (see `.env.example`); the variables keep their flat names
(`STRIPE_SECRET_KEY`, `SEARCH_BACKEND`), each package declaring the ones of its section.
"""

from __future__ import annotations

import msgspec

from kernel.settings import CORE_ENVIRONMENT, CoreSettings, from_environment, kept_secret
from marketplace import settings as marketplace_settings
from marketplace.settings import MarketplaceSettings
from procurement import settings as procurement_settings
from procurement.settings import ProcurementSettings
from search import settings as search_settings
from search.settings import SearchSettings
from web.settings import WebSettings


class Settings(CoreSettings, kw_only=True, frozen=True):
    marketplace: MarketplaceSettings = msgspec.field(default_factory=MarketplaceSettings)
    procurement: ProcurementSettings = msgspec.field(default_factory=ProcurementSettings)
    search: SearchSettings = msgspec.field(default_factory=SearchSettings)
    web: WebSettings = msgspec.field(default_factory=WebSettings)

    @property
    def core(self) -> CoreSettings:
        """The core settings alone: what the kernel and the marketplace's accounts receive (a dependency
        typed `CoreSettings` takes exactly that type, not this aggregate)."""
        return CoreSettings(**{name: getattr(self, name) for name in CoreSettings.__struct_fields__})

    def on_embedded(self, url: str) -> Settings:
        """These settings pointed at the embedded server started for them at `url` — which keeps
        them "embedded" (the worker runs in `serve` unless RUN_WORKER_IN_PROCESS says otherwise)."""
        in_process = self.worker_in_process
        return msgspec.structs.replace(self, database_url=url, run_worker_in_process=in_process)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment; keyword overrides of core settings (from CLI flags) win."""
    return from_environment(
        Settings,
        CORE_ENVIRONMENT,
        marketplace=from_environment(MarketplaceSettings, marketplace_settings.ENVIRONMENT),
        procurement=from_environment(ProcurementSettings, procurement_settings.ENVIRONMENT),
        search=from_environment(SearchSettings, search_settings.ENVIRONMENT),
        **overrides,
    )


def ensure_secrets(settings: Settings) -> Settings:
    """Settings with their secrets (the token signing key, the bid sealing key material): the
    configured ones, or ones generated on first start and kept in the data dir."""
    procurement = settings.procurement
    if procurement.bid_sealing_secret is None:
        sealing = kept_secret(settings.data_dir, "bid-sealing-secret")
        procurement = msgspec.structs.replace(procurement, bid_sealing_secret=sealing)
    jwt_secret = settings.jwt_secret or kept_secret(settings.data_dir, "jwt-secret")
    return msgspec.structs.replace(settings, jwt_secret=jwt_secret, procurement=procurement)
