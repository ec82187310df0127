"""Who may see what of compliance. Pure functions of the caller's standing; no I/O."""

from __future__ import annotations

from marketplace.organization.policies import Standing


def can_see_documents(standing: Standing) -> bool:
    """An organisation's uploaded credential documents (scans that may carry people's names and
    signatures) are for its members and the coordinators of its hubs (those it belongs or applied
    to, who check them) alone: not for platform admins who are neither."""
    return standing.is_member or standing.coordinates_its_hub
