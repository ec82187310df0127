"""Role rules of organisations, without a database."""

from __future__ import annotations

import pytest

from marketplace.organization.models import Role
from marketplace.organization.policies import Standing, can_act_as, can_assign_role, can_read


@pytest.mark.parametrize(
    ("actor", "current", "new", "allowed"),
    [
        (Role.owner, Role.member, Role.owner, True),
        (Role.owner, Role.owner, Role.member, True),
        (Role.admin, Role.member, Role.admin, True),
        (Role.admin, None, Role.member, True),
        (Role.admin, Role.member, Role.owner, False),
        (Role.admin, Role.owner, Role.member, False),
        (Role.member, Role.member, Role.admin, False),
        (Role.member, None, Role.member, False),
    ],
)
def test_who_may_assign_which_role(actor: Role, current: Role | None, new: Role, allowed: bool) -> None:
    assert can_assign_role(actor, current, new) is allowed


def test_roles_are_ordered_member_admin_owner() -> None:
    assert can_act_as(Standing(role=Role.owner), Role.admin)
    assert can_act_as(Standing(role=Role.admin), Role.admin)
    assert not can_act_as(Standing(role=Role.member), Role.admin)
    assert not can_act_as(Standing(coordinates_its_hub=True), Role.member)


def test_outsiders_cannot_read_but_coordinators_and_admins_can() -> None:
    assert not can_read(Standing())
    assert can_read(Standing(role=Role.member))
    assert can_read(Standing(coordinates_its_hub=True))
    assert can_read(Standing(platform_admin=True))
