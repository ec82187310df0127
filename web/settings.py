"""The web application's settings: what the pages offer beyond the service's own settings."""

from __future__ import annotations

import msgspec


class DemoAccount(msgspec.Struct, kw_only=True, frozen=True):
    """A demo person the home page offers to sign in as (their password is published)."""

    email: str
    name: str
    organization: str
    role: str
    """What they do: `producer`, `buyer` or `coordinator`."""


class WebSettings(msgspec.Struct, kw_only=True, frozen=True):
    demo_accounts: tuple[DemoAccount, ...] = ()
    """Set by `serve --demo` alone: the home page lists them with the demo password."""
    demo_password: str | None = None


#: No variable sets these: only `serve --demo` offers demo people to sign in as.
ENVIRONMENT: dict[str, str] = {}
