"""The inbox page, one's own settings, and joining an organisation by an invitation's link."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.db import transaction
from marketplace.notification.service import Audience, Notice, Notifier
from tests.factories.identity import PASSWORD, Account, register
from tests.factories.organization import create_organization
from tests.integration.web.pages import csrf_of, sign_in_page, submit

NOTIFIER = Notifier("https://hub.example")


async def _tell(sessions: async_sessionmaker[AsyncSession], account: Account, hub: str) -> None:
    notice = Notice(
        kind="membership_admitted",
        event_id=uuid.uuid4(),
        audience=Audience(users=[account.id]),
        context={"organization_name": "Piekarnia Nowak s.c.", "hub_name": hub},
        link="/organizations/1",
    )
    async with transaction(sessions) as session:
        await NOTIFIER.notify(session, notice)


async def _signed_in(client: AsyncTestClient[Litestar], **extra: Any) -> Account:
    account = await register(client, **extra)
    client.cookies.clear()
    signed_in = await sign_in_page(client, account.email, PASSWORD)
    assert signed_in.status_code == 303
    return account


async def test_the_inbox_shows_what_concerns_me_and_opening_one_marks_it_read_and_leads_on(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    account = await _signed_in(client)
    await _tell(sessions, account, "Hub Görlitz")
    await _tell(sessions, account, "Hub Zgorzelec")

    inbox = await client.get("/notifications")
    assert inbox.status_code == 200
    assert "2 unread notifications" in inbox.text
    assert inbox.text.index("Welcome to Hub Zgorzelec") < inbox.text.index("Welcome to Hub Görlitz")

    notification = (await client.get("/api/v1/me/notifications", headers=account.headers)).json()["items"][0]
    opened = await client.post(
        f"/notifications/{notification['id']}/open",
        data={"_csrf_token": csrf_of(inbox.text)},
        follow_redirects=False,
    )
    assert opened.status_code == 303
    assert opened.headers["location"] == "/organizations/1"
    assert "1 unread notification" in (await client.get("/notifications")).text


async def test_someone_elses_notification_cannot_be_opened(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    owner = await register(client)
    await _tell(sessions, owner, "Hub Görlitz")
    notification = (await client.get("/api/v1/me/notifications", headers=owner.headers)).json()["items"][0]
    await _signed_in(client)

    inbox = await client.get("/notifications")
    opened = await client.post(
        f"/notifications/{notification['id']}/open", data={"_csrf_token": csrf_of(inbox.text)}, follow_redirects=False
    )
    assert opened.status_code == 404
    assert opened.headers["content-type"].startswith("text/html")


async def test_the_inbox_sends_a_reader_who_is_not_signed_in_to_sign_in_and_back(
    client: AsyncTestClient[Litestar],
) -> None:
    answered = await client.get("/notifications?unread=true", follow_redirects=False)
    assert answered.status_code == 303
    assert answered.headers["location"] == "/sign-in?next=%2Fnotifications%3Funread%3Dtrue"


async def test_my_settings_change_my_language_and_how_i_hear_of_things(client: AsyncTestClient[Litestar]) -> None:
    account = await _signed_in(client, preferred_language="en")

    saved = await submit(
        client,
        "/account",
        "/account",
        {"full_name": "Jana Nováková", "preferred_language": "cs", "notify_email": "daily"},
    )

    assert saved.status_code == 303
    me = (await client.get("/api/v1/me", headers=account.headers)).json()
    assert (me["full_name"], me["preferred_language"], me["notify_email"], me["notify_in_app"]) == (
        "Jana Nováková",
        "cs",
        "daily",
        False,  # the box was not ticked
    )
    assert '<html lang="cs">' in (await client.get("/account")).text


async def test_a_wrong_current_password_is_named_and_the_password_stays(client: AsyncTestClient[Litestar]) -> None:
    account = await _signed_in(client)

    refused = await submit(
        client,
        "/account",
        "/account/password",
        {"current_password": "not my password", "new_password": "a new long password", "password_again": "x"},
    )

    assert refused.status_code == 422
    assert 'id="f-password_again-error"' in refused.text
    client.cookies.clear()
    assert (await sign_in_page(client, account.email, PASSWORD)).status_code == 303


async def test_an_invited_person_joins_the_organisation_from_the_link(client: AsyncTestClient[Litestar]) -> None:
    owner = await register(client)
    organization = await create_organization(client, owner)
    invitee = await register(client)
    invited = await client.post(
        f"/api/v1/organizations/{organization['id']}/invitations",
        json={"email": invitee.email, "role": "member"},
        headers=owner.headers,
    )
    assert invited.status_code == 201, invited.text
    issued = invited.json()
    client.cookies.clear()
    await sign_in_page(client, invitee.email, PASSWORD)

    link = f"/invitations/accept?invitation={issued['invitation']['id']}&token={issued['accept_token']}"
    shown = await client.get(link)
    assert shown.status_code == 200
    assert organization["legal_name"] in shown.text
    joined = await client.post(
        "/invitations/accept",
        data={
            "_csrf_token": csrf_of(shown.text),
            "invitation": issued["invitation"]["id"],
            "token": issued["accept_token"],
        },
        follow_redirects=False,
    )

    assert joined.status_code == 303
    assert joined.headers["location"].startswith(f"/organizations/{organization['id']}")
    members = await client.get(f"/api/v1/organizations/{organization['id']}/members", headers=owner.headers)
    assert invitee.email in members.text
