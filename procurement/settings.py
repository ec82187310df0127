"""Procurement's settings section: sealed bids, OCDS publication and the award optimiser."""

from __future__ import annotations

from typing import Annotated

import msgspec

PLACEHOLDER_OCID_PREFIX = "ocds-000000"
"""The default ocid prefix: shaped like a registered one so that the output validates, but no
publisher's; a hub replaces it with its own (start-up warns while it is in use)."""

OcidPrefix = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^ocds-[a-z0-9]{6}$",
        description="a registered OCDS ocid prefix: `ocds-` and six lowercase letters or digits",
    ),
]


class ProcurementSettings(msgspec.Struct, kw_only=True, frozen=True):
    bid_sealing_secret: str | None = None
    """Key material that sealed bids are encrypted under (one key per tender is derived from it).
    Unset: generated once and kept in `data_dir/bid-sealing-secret`. Keep it out of database
    backups; losing it makes sealed bids unreadable at their deadline."""
    ocid_prefix: OcidPrefix = PLACEHOLDER_OCID_PREFIX
    """The publisher's OCDS ocid prefix, as registered with the OCDS Data Support Team
    (https://standard.open-contracting.org/1.1/en/schema/identifiers/#contracting-process-identifier-ocid)."""
    ocds_publisher_name: str = "Borderhub"
    award_time_limit_seconds: float = 10.0
    """How long the award optimiser may search; past it the best award found is proposed, flagged."""
    ocds_release_schema: str = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
    """The OCDS release schema (URL or file path) whose merge rules compile records."""

    @property
    def sealing_secret(self) -> str:
        """The bid sealing key material; `borderhub.settings.ensure_secrets` always provides it."""
        if self.bid_sealing_secret is None:
            raise RuntimeError("no bid sealing secret: build settings with borderhub.settings.ensure_secrets")
        return self.bid_sealing_secret


ENVIRONMENT = {
    "bid_sealing_secret": "BID_SEALING_SECRET",
    "ocid_prefix": "OCID_PREFIX",
    "ocds_publisher_name": "OCDS_PUBLISHER_NAME",
    "award_time_limit_seconds": "AWARD_TIME_LIMIT_SECONDS",
    "ocds_release_schema": "OCDS_RELEASE_SCHEMA",
}
