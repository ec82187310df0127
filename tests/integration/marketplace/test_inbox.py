"""The inbox in the app (/me/notifications) and the daily digest: each person's own messages only."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel import clock
from kernel.db import transaction
from marketplace.identity.models import EmailFrequency, User
from marketplace.mail.models import OutgoingMail
from marketplace.mail.service import mailbox
from marketplace.notification.service import Audience, InLanguages, Notice, Notifier, send_digests
from tests.factories.identity import Account, register

NOTIFIER = Notifier("https://hub.example")


async def _tell(sessions: async_sessionmaker[AsyncSession], *accounts: Account, hub: str = "Görlitz Hub") -> uuid.UUID:
    event_id = uuid.uuid4()
    notice = Notice(
        kind="membership_admitted",
        event_id=event_id,
        audience=Audience(users=[account.id for account in accounts]),
        context={"organization_name": "Piekarnia Nowak s.c.", "hub_name": hub},
        link="/organizations/1",
    )
    async with transaction(sessions) as session:
        await NOTIFIER.notify(session, notice)
    return event_id


async def _inbox(client: AsyncTestClient[Any], account: Account, **params: Any) -> dict[str, Any]:
    answer = await client.get("/api/v1/me/notifications", params=params, headers=account.headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def _prefer(sessions: async_sessionmaker[AsyncSession], account: Account, **values: Any) -> None:
    async with transaction(sessions) as session:
        await session.execute(update(User).where(User.id == account.id).values(**values))


async def test_the_inbox_pages_newest_first_counts_unread_and_marks_read(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession]
) -> None:
    anna = await register(client)
    for n in range(3):
        await _tell(sessions, anna, hub=f"Hub {n}")

    first = await _inbox(client, anna, per_page=2)
    assert (first["total"], first["unread"]) == (3, 3)
    assert [item["subject"] for item in first["items"]] == ["Welcome to Hub 2", "Welcome to Hub 1"]
    assert first["items"][0]["link"] == "https://hub.example/organizations/1"
    assert first["items"][0]["action"] == "Open your organisation"
    assert "Piekarnia Nowak s.c. is now a member of Hub 2" in first["items"][0]["body"]
    second = await _inbox(client, anna, per_page=2, page=2)
    assert [item["subject"] for item in second["items"]] == ["Welcome to Hub 0"]

    read = await client.post(f"/api/v1/me/notifications/{first['items'][0]['id']}/read", headers=anna.headers)
    assert read.status_code == 200, read.text
    assert read.json()["read_at"] is not None
    unread = await _inbox(client, anna, unread="true")
    assert (unread["total"], unread["unread"]) == (2, 2)

    marked = await client.post("/api/v1/me/notifications/read", headers=anna.headers)
    assert marked.json() == {"marked": 2}
    assert (await _inbox(client, anna))["unread"] == 0


async def test_nobody_sees_or_marks_another_persons_notifications(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession]
) -> None:
    anna, jan = await register(client), await register(client)
    await _tell(sessions, anna)
    [annas] = (await _inbox(client, anna))["items"]

    assert (await _inbox(client, jan))["total"] == 0
    guessed = await client.post(f"/api/v1/me/notifications/{annas['id']}/read", headers=jan.headers)
    assert guessed.status_code == 404
    assert (await client.post("/api/v1/me/notifications/read", headers=jan.headers)).json() == {"marked": 0}
    assert (await _inbox(client, anna))["unread"] == 1


async def test_one_event_is_told_once_however_often_it_is_delivered(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession]
) -> None:
    anna = await register(client)
    notice = Notice(
        kind="membership_admitted",
        event_id=uuid.uuid4(),
        audience=Audience(users=[anna.id]),
        context={"organization_name": "Piekarnia", "hub_name": "Hub"},
    )
    for _ in range(2):
        async with transaction(sessions) as session:
            await NOTIFIER.notify(session, notice)
    assert (await _inbox(client, anna))["total"] == 1
    async with transaction(sessions) as session:
        mails = [m for m in await mailbox(session, to=anna.email) if m.kind == "membership_admitted"]
    assert len(mails) == 1  # the account is verified, so mailed at once: once, not per delivery


async def test_in_app_off_keeps_the_inbox_empty_and_email_off_sends_nothing(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession]
) -> None:
    anna = await register(client)
    await _prefer(sessions, anna, notify_in_app=False, notify_email=EmailFrequency.off)
    await _tell(sessions, anna)
    assert (await _inbox(client, anna))["total"] == 0
    async with transaction(sessions) as session:
        assert [m for m in await mailbox(session, to=anna.email) if m.kind == "membership_admitted"] == []


async def test_a_daily_digest_gathers_the_days_messages_into_one_mail_and_keeps_later_ones_for_tomorrow(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession]
) -> None:
    anna = await register(client)
    await _prefer(sessions, anna, notify_email=EmailFrequency.daily)
    await _tell(sessions, anna, hub="Görlitz Hub")
    await _tell(sessions, anna, hub="Zgorzelec Hub")
    assert await _mails(sessions, anna, "membership_admitted") == []

    async with transaction(sessions) as session:
        await send_digests(NOTIFIER, session)
    [digest] = await _mails(sessions, anna, "digest")
    assert digest.subject == "Borderhub: 2 new messages"
    assert "Welcome to Görlitz Hub" in digest.text_body
    assert "Welcome to Zgorzelec Hub" in digest.text_body
    assert "Open my notifications: https://hub.example/notifications" in digest.text_body
    # Still in the inbox, unread: the digest is a summary, not a reading.
    assert (await _inbox(client, anna))["unread"] == 2

    # Told again the same day after the digest: kept for tomorrow's, not lost.
    await _tell(sessions, anna, hub="Bautzen Hub")
    async with transaction(sessions) as session:
        await send_digests(NOTIFIER, session)
    assert len(await _mails(sessions, anna, "digest")) == 1
    with clock.travel(dt.timedelta(days=1)):
        async with transaction(sessions) as session:
            await send_digests(NOTIFIER, session)
    latest = (await _mails(sessions, anna, "digest"))[0]
    assert latest.subject == "Borderhub: 1 new message"
    assert "Welcome to Bautzen Hub" in latest.text_body


async def test_no_digest_reaches_someone_who_turned_mail_off_since(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession]
) -> None:
    anna = await register(client)
    await _prefer(sessions, anna, notify_email=EmailFrequency.daily)
    await _tell(sessions, anna)
    await _prefer(sessions, anna, notify_email=EmailFrequency.off)
    async with transaction(sessions) as session:
        await send_digests(NOTIFIER, session)
    assert await _mails(sessions, anna, "digest") == []
    assert (await _inbox(client, anna))["unread"] == 1


async def _mails(sessions: async_sessionmaker[AsyncSession], account: Account, kind: str) -> list[OutgoingMail]:
    async with transaction(sessions) as session:
        return [m for m in await mailbox(session, to=account.email) if m.kind == kind]


async def test_what_people_wrote_in_several_languages_reaches_each_reader_in_their_own(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession]
) -> None:
    polish = await register(client, preferred_language="pl")
    german = await register(client, preferred_language="de")
    slovak = await register(client, preferred_language="sk")
    notice = Notice(
        kind="membership_admitted",
        event_id=uuid.uuid4(),
        audience=Audience(users=[polish.id, german.id, slovak.id]),
        context={
            "organization_name": "Lausitzer Honig GbR",
            "hub_name": InLanguages({"de": "Neiße-Hub", "pl": "Hub nad Nysą"}, fallback="de"),
        },
    )
    async with transaction(sessions) as session:
        await NOTIFIER.notify(session, notice)
    subjects = {
        who: (await _inbox(client, account))["items"][0]["subject"]
        for who, account in (("pl", polish), ("de", german), ("sk", slovak))
    }
    assert subjects == {
        "pl": "Witamy w hubie Hub nad Nysą",
        "de": "Willkommen bei Neiße-Hub",
        "sk": "Welcome to Neiße-Hub",
    }
