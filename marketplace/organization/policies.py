"""Who may do what to an organisation. Pure functions of the caller's standing; no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.organization.models import Role


@dataclass(frozen=True)
class Standing:
    """How the caller relates to one organisation."""

    role: Role | None = None
    coordinates_its_hub: bool = False
    platform_admin: bool = False

    @property
    def is_member(self) -> bool:
        return self.role is not None


def can_read(standing: Standing) -> bool:
    """Members, coordinators of a hub it belongs or applied to, and platform admins may read it."""
    return standing.is_member or standing.coordinates_its_hub or standing.platform_admin


def can_act_as(standing: Standing, minimum: Role) -> bool:
    return standing.role is not None and standing.role.at_least(minimum)


def can_assign_role(actor: Role, current: Role | None, new: Role) -> bool:
    """Owners assign any role; admins manage members and admins but never owners."""
    if actor is Role.owner:
        return True
    if actor is Role.admin:
        return new is not Role.owner and current is not Role.owner
    return False
