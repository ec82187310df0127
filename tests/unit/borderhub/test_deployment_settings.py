"""Every setting reaches the processes that read it: documented in .env.example, passed by docker-compose.yml.

The variables the settings read come from the packages' own maps (`CORE_ENVIRONMENT` and each
section's `ENVIRONMENT`), so a setting added to a package without a line in `.env.example` and in
compose's `x-borderhub-env` (the one environment of app, worker and migrate) fails here, naming it.
"""

from __future__ import annotations

import importlib
import re
import typing
from pathlib import Path
from typing import Any

import msgspec
import yaml

from borderhub.settings import Settings
from kernel.settings import CORE_ENVIRONMENT, CoreSettings

ROOT = Path(__file__).resolve().parents[3]
BORDERHUB_SERVICES = ("app", "worker", "migrate")

#: Read by the settings but deliberately not passed by compose, each with the reason.
NOT_PASSED_BY_COMPOSE = {
    # The image sets it (Dockerfile: ENV BORDERHUB_DATA_DIR=/var/lib/borderhub), and under compose
    # nothing lives there: DATABASE_URL, JWT_SECRET and BID_SEALING_SECRET are all given, so there
    # is no embedded database and no generated secret. `${BORDERHUB_DATA_DIR:-}` would pass an
    # empty value, which the settings read as unset: the platform default instead of the image's.
    "BORDERHUB_DATA_DIR",
}

#: Documented in .env.example for docker-compose.yml itself (interpolated there), not for the settings.
COMPOSE_ONLY = {
    "POSTGRES_USER",  # the postgres service's role, and part of DATABASE_URL
    "POSTGRES_PASSWORD",  # its password, likewise
    "POSTGRES_DB",  # its database, likewise
    "MEILI_MASTER_KEY",  # the meilisearch service's key, passed to Borderhub as MEILISEARCH_API_KEY
    "BORDERHUB_PORT",  # the host port the app is published on
}

#: Documented in .env.example for one command or the tests, read there (not by the settings).
COMMANDS_AND_TESTS = {
    "BORDERHUB_ADMIN_PASSWORD": "borderhub/cli.py",  # `borderhub admin create` without --password
    "TEST_DATABASE_URL": "tests/conftest.py",  # pytest against an external PostgreSQL
}


def settings_sections() -> dict[type[msgspec.Struct], dict[str, str]]:
    """Each settings section with its field -> VARIABLE map: the core, then every section `Settings`
    nests, whose map is the `ENVIRONMENT` of the module that declares it."""
    sections: dict[type[msgspec.Struct], dict[str, str]] = {CoreSettings: CORE_ENVIRONMENT}
    for name, hint in typing.get_type_hints(Settings).items():
        if name not in CoreSettings.__struct_fields__ and isinstance(hint, type) and issubclass(hint, msgspec.Struct):
            sections[hint] = importlib.import_module(hint.__module__).ENVIRONMENT
    return sections


def read_by_settings() -> set[str]:
    return {variable for variables in settings_sections().values() for variable in variables.values()}


def documented() -> set[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return loaded


def passed_by_compose() -> set[str]:
    return set(compose()["x-borderhub-env"])


def interpolated_by_compose() -> set[str]:
    # `${NAME`, `${NAME:-default}`, `${NAME:?message}`; `$${NAME}` is an escaped dollar for the container's shell.
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    return set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", text))


#: Settings no variable may set: the demo's mailbox serves everyone's mail, so only `serve --demo` turns it on.
NOT_FROM_THE_ENVIRONMENT = {
    "MarketplaceSettings.demo_mailbox",
    "WebSettings.demo_accounts",  # the demo people and their published password: `serve --demo` alone
    "WebSettings.demo_password",
}


def test_every_settings_field_is_read_from_a_variable() -> None:
    unmapped = {
        f"{section.__name__}.{field}"
        for section, variables in settings_sections().items()
        for field in section.__struct_fields__
        if field not in variables
    } - NOT_FROM_THE_ENVIRONMENT
    assert not unmapped, f"settings no environment variable sets: {sorted(unmapped)}"
    assert len(settings_sections()) == 5, "the core plus the marketplace, procurement, search and web sections"


def test_every_variable_the_settings_read_is_documented_in_env_example() -> None:
    missing = read_by_settings() - documented()
    assert not missing, f"read by the settings but not documented in .env.example: {sorted(missing)}"


def test_every_variable_the_settings_read_is_passed_by_compose() -> None:
    missing = read_by_settings() - passed_by_compose() - NOT_PASSED_BY_COMPOSE
    assert not missing, (
        f"read by the settings but not passed by docker-compose.yml (x-borderhub-env): {sorted(missing)}"
    )


def test_compose_passes_the_same_environment_to_every_borderhub_process() -> None:
    services = compose()["services"]
    environment = compose()["x-borderhub-env"]
    differing = [name for name in BORDERHUB_SERVICES if services[name]["environment"] != environment]
    assert not differing, f"services not given x-borderhub-env: {differing}"


def test_compose_passes_only_variables_the_settings_read() -> None:
    unread = passed_by_compose() - read_by_settings()
    assert not unread, f"passed by docker-compose.yml (x-borderhub-env) but read by no setting: {sorted(unread)}"


def test_every_documented_variable_has_a_reader() -> None:
    unread = documented() - read_by_settings() - COMPOSE_ONLY - set(COMMANDS_AND_TESTS)
    assert not unread, f"documented in .env.example but read by no setting, compose, command or test: {sorted(unread)}"


def test_every_variable_compose_interpolates_is_documented() -> None:
    missing = interpolated_by_compose() - documented()
    assert not missing, f"interpolated by docker-compose.yml but not documented in .env.example: {sorted(missing)}"


def test_the_allow_lists_name_only_what_their_reasons_say() -> None:
    assert read_by_settings() >= NOT_PASSED_BY_COMPOSE
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"\bBORDERHUB_DATA_DIR=/\S+", dockerfile), "the image no longer sets BORDERHUB_DATA_DIR"
    unused = COMPOSE_ONLY - interpolated_by_compose()
    assert not unused, f"listed as compose-only but not interpolated by docker-compose.yml: {sorted(unused)}"
    unread = [name for name, path in COMMANDS_AND_TESTS.items() if f'"{name}"' not in (ROOT / path).read_text()]
    assert not unread, f"listed as read by a command or test, but not read there: {unread}"
    overlap = read_by_settings() & (COMPOSE_ONLY | set(COMMANDS_AND_TESTS))
    assert not overlap, f"read by the settings, so not compose-only or command-only: {sorted(overlap)}"
