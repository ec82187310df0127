"""Settings from the environment (a value that does not fit names its variable), the signing key
generated once per data dir, and the warning that the ocid prefix is still the placeholder."""

from __future__ import annotations

import stat
from decimal import Decimal
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from borderhub.settings import ensure_secrets, load_settings
from kernel.settings import SettingsError
from procurement import wiring
from procurement.settings import PLACEHOLDER_OCID_PREFIX, ProcurementSettings


def test_environment_values_are_decoded_to_their_types(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BORDERHUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ACCESS_TOKEN_TTL_SECONDS", "120")
    monkeypatch.setenv("RUN_WORKER_IN_PROCESS", "false")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = load_settings()
    assert settings.data_dir == tmp_path
    assert settings.access_token_ttl_seconds == 120
    assert settings.embedded is True
    assert settings.worker_in_process is False


def test_each_package_reads_its_own_section_from_the_flat_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_x")
    monkeypatch.setenv("HUB_FEE_PERCENT", "2.5")
    monkeypatch.setenv("OCID_PREFIX", "ocds-abc123")
    monkeypatch.setenv("AWARD_TIME_LIMIT_SECONDS", "3")
    monkeypatch.setenv("SEARCH_BACKEND", "meilisearch")
    monkeypatch.setenv("MEILISEARCH_URL", "http://127.0.0.1:7700")
    settings = load_settings()
    assert (settings.marketplace.stripe_enabled, settings.marketplace.hub_fee_percent) == (True, Decimal("2.5"))
    assert (settings.procurement.ocid_prefix, settings.procurement.award_time_limit_seconds) == ("ocds-abc123", 3.0)
    assert (settings.search.backend, settings.search.meilisearch_url) == ("meilisearch", "http://127.0.0.1:7700")


def test_an_ocid_prefix_without_a_registered_prefix_shape_is_refused_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for malformed in ("ocds-borderhub", "ocds-ABC123", "ocds-abc12", "abc123", "ocds-abc123-x"):
        monkeypatch.setenv("OCID_PREFIX", malformed)
        with pytest.raises(SettingsError, match=r"^OCID_PREFIX: .*ocds-\[a-z0-9\]\{6\}"):
            load_settings()


def test_the_default_ocid_prefix_is_a_placeholder_of_the_registered_shape_and_start_up_warns_of_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OCID_PREFIX", raising=False)
    assert load_settings().procurement.ocid_prefix == PLACEHOLDER_OCID_PREFIX == "ocds-000000"
    secret = "s" * 40
    with capture_logs() as logs:
        wiring.register(
            ProcurementSettings(bid_sealing_secret=secret), card_payments=False, public_url="http://127.0.0.1:8000"
        )
    [warning] = [log for log in logs if log["log_level"] == "warning"]
    assert "OCID_PREFIX" in warning["event"]
    with capture_logs() as logs:
        wiring.register(
            ProcurementSettings(bid_sealing_secret=secret, ocid_prefix="ocds-abc123"),
            card_payments=False,
            public_url="http://127.0.0.1:8000",
        )
    assert [log for log in logs if log["log_level"] == "warning"] == []


def test_cli_overrides_win_over_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BORDERHUB_DATA_DIR", "/somewhere/else")
    assert load_settings(data_dir=tmp_path).data_dir == tmp_path


def test_worker_runs_in_process_by_default_only_for_the_embedded_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUN_WORKER_IN_PROCESS", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://app@db/borderhub")
    assert load_settings().worker_in_process is False


def test_the_embedded_server_started_for_serve_keeps_the_worker_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("RUN_WORKER_IN_PROCESS", raising=False)
    started = load_settings().on_embedded("postgresql+asyncpg://borderhub@127.0.0.1:5433/borderhub")
    assert (started.database_url, started.worker_in_process) == (
        "postgresql+asyncpg://borderhub@127.0.0.1:5433/borderhub",
        True,
    )
    monkeypatch.setenv("RUN_WORKER_IN_PROCESS", "false")
    assert load_settings().on_embedded("postgresql+asyncpg://x@127.0.0.1/y").worker_in_process is False


def test_secrets_are_generated_once_privately_and_reused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("JWT_SECRET", raising=False)
    monkeypatch.delenv("BID_SEALING_SECRET", raising=False)
    first = ensure_secrets(load_settings(data_dir=tmp_path))
    second = ensure_secrets(load_settings(data_dir=tmp_path))
    assert first.jwt_secret
    assert len(first.jwt_secret) >= 40
    assert first.jwt_secret == second.jwt_secret
    assert stat.S_IMODE((tmp_path / "jwt-secret").stat().st_mode) == 0o600
    assert first.procurement.bid_sealing_secret
    assert first.procurement.bid_sealing_secret == second.procurement.bid_sealing_secret != first.jwt_secret
    assert stat.S_IMODE((tmp_path / "bid-sealing-secret").stat().st_mode) == 0o600
    other = ensure_secrets(load_settings(data_dir=tmp_path / "other"))
    assert other.jwt_secret != first.jwt_secret


def test_configured_jwt_secret_is_used_and_nothing_is_written(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JWT_SECRET", "configured-" + "k" * 40)
    settings = ensure_secrets(load_settings(data_dir=tmp_path))
    assert settings.jwt_secret == "configured-" + "k" * 40
    assert not (tmp_path / "jwt-secret").exists()
