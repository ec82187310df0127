"""Mail reaches a real SMTP server (aiosmtpd on loopback): once per message, after any outage."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import msgspec
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from borderhub.app import create_app
from borderhub.composition import Composition, compose
from borderhub.settings import Settings
from kernel import clock
from kernel.db import transaction
from marketplace.mail.models import MailStatus, OutgoingMail
from marketplace.mail.service import GIVE_UP_AFTER, mailbox, queue_mail
from tests.smtp import LoopbackSmtp
from tests.worker import drain


@pytest.fixture
def smtp() -> Iterator[LoopbackSmtp]:
    server = LoopbackSmtp()
    yield server
    server.stop()


@pytest.fixture
def mailing(settings: Settings, smtp: LoopbackSmtp) -> Composition:
    """The service composed to send through the loopback server (which the test starts when it wants)."""
    marketplace = msgspec.structs.replace(
        settings.marketplace,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_security="none",
        mail_from="Borderhub Görlitz <hub@borderhub.test>",
        public_url="https://hub.example",
    )
    return compose(msgspec.structs.replace(settings, marketplace=marketplace))


@pytest.fixture
def mail_sessions(engine: AsyncEngine, mailing: Composition) -> async_sessionmaker[AsyncSession]:
    return mailing.sessions(engine)


async def _queue(sessions: async_sessionmaker[AsyncSession], to: str, *, language: str = "en") -> uuid.UUID:
    async with transaction(sessions) as session:
        mail_id = await queue_mail(
            session,
            key=f"test:{uuid.uuid4()}",
            to=to,
            kind="membership_admitted",
            language=language,
            context={
                "recipient_name": "Anna Nowak",
                "organization_name": "Piekarnia Nowak s.c.",
                "hub_name": "Görlitz–Zgorzelec",
                "link": f"https://hub.example/organizations/{uuid.uuid4()}",
            },
        )
    assert mail_id is not None
    return mail_id


async def _retry(sessions: async_sessionmaker[AsyncSession], mailing: Composition) -> None:
    """What the scheduled `retry_mail` job does every minute."""
    async with transaction(sessions) as session:
        await mailing.registry.schedules["retry_mail"].job(session)


async def _statuses(sessions: async_sessionmaker[AsyncSession]) -> dict[str, MailStatus]:
    async with transaction(sessions) as session:
        return {mail.to_address: mail.status for mail in await mailbox(session, limit=100)}


async def test_a_message_reaches_the_smtp_server_once_with_both_parts_and_its_link(
    smtp: LoopbackSmtp, mailing: Composition, mail_sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    smtp.start()
    mail_id = await _queue(mail_sessions, "anna@piekarnia-nowak.test")
    await drain(database_url, mail_sessions, mailing.registry)

    [received] = smtp.received
    assert received.envelope_to == ["anna@piekarnia-nowak.test"]
    message = received.message
    assert message["To"] == "anna@piekarnia-nowak.test"
    assert message["From"] == "Borderhub Görlitz <hub@borderhub.test>"
    assert message["Subject"] == "Welcome to Görlitz–Zgorzelec"
    assert message["Message-ID"] == f"<{mail_id}@borderhub.test>"
    assert message["Content-Language"] == "en"
    assert "https://hub.example/organizations/" in received.text
    assert "Piekarnia Nowak s.c. is now a member of Görlitz–Zgorzelec" in received.text
    assert 'href="https://hub.example/organizations/' in received.html
    assert (await _statuses(mail_sessions)) == {"anna@piekarnia-nowak.test": MailStatus.sent}

    # Delivered again (the outbox is at least once) and retried: still one message.
    await _retry(mail_sessions, mailing)
    await drain(database_url, mail_sessions, mailing.registry)
    assert len(smtp.received) == 1


async def test_every_message_arrives_exactly_once_when_the_mail_server_was_down_for_an_hour(
    smtp: LoopbackSmtp, mailing: Composition, mail_sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    addresses = [f"buyer{n}@goerlitz.test" for n in range(3)]
    for address in addresses:
        await _queue(mail_sessions, address)
    await drain(database_url, mail_sessions, mailing.registry)
    # An hour of the scheduled job finding the server down.
    for minute in range(1, 61):
        with clock.travel(dt.timedelta(minutes=minute)):
            await _retry(mail_sessions, mailing)
    assert smtp.received == []
    assert set((await _statuses(mail_sessions)).values()) == {MailStatus.pending}
    async with transaction(mail_sessions) as session:
        attempts = (await session.scalars(select(OutgoingMail.attempts))).all()
        errors = (await session.scalars(select(OutgoingMail.last_error))).all()
    # Backed off (30 s, 1, 2, 4, 8 min, then every 15): far fewer tries than minutes.
    assert all(2 <= n <= 10 for n in attempts), attempts
    assert all(error and "connect" in error.lower() for error in errors), errors

    smtp.start()
    with clock.travel(dt.timedelta(minutes=80)):
        await _retry(mail_sessions, mailing)
        await _retry(mail_sessions, mailing)
    await drain(database_url, mail_sessions, mailing.registry)

    assert sorted(r.envelope_to[0] for r in smtp.received) == addresses
    assert set((await _statuses(mail_sessions)).values()) == {MailStatus.sent}


async def test_a_message_is_given_up_after_three_days_of_failures_and_says_why(
    mailing: Composition, mail_sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    await _queue(mail_sessions, "nobody@unreachable.test")
    await drain(database_url, mail_sessions, mailing.registry)
    with clock.travel(GIVE_UP_AFTER + dt.timedelta(minutes=1)):
        await _retry(mail_sessions, mailing)
    async with transaction(mail_sessions) as session:
        [failed] = await mailbox(session, status=MailStatus.failed)
    assert failed.to_address == "nobody@unreachable.test"
    assert failed.last_error is not None


async def test_without_an_smtp_server_messages_are_kept_in_the_local_mailbox(
    composition: Composition, sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    await _queue(sessions, "lena@lausitzer-honig.test", language="de")
    await drain(database_url, sessions, composition.registry)
    assert (await _statuses(sessions)) == {"lena@lausitzer-honig.test": MailStatus.kept}


async def test_a_second_message_under_the_same_key_is_not_written(sessions: async_sessionmaker[AsyncSession]) -> None:
    context = {"recipient_name": "Jan", "organization_name": "Nysa", "hub_name": "Hub", "link": None}
    async with transaction(sessions) as session:
        first = await queue_mail(
            session,
            key="event-1:user-1:email",
            to="jan@nysa.test",
            kind="membership_admitted",
            language="pl",
            context=context,
        )
        again = await queue_mail(
            session,
            key="event-1:user-1:email",
            to="jan@nysa.test",
            kind="membership_admitted",
            language="pl",
            context=context,
        )
    assert first is not None
    assert again is None
    assert len(await _statuses(sessions)) == 1


async def test_a_sent_message_with_a_single_use_link_keeps_no_copy_of_the_link(
    smtp: LoopbackSmtp, mailing: Composition, mail_sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    smtp.start()
    link = "https://hub.example/account/reset-password?token=0193.secret-only-the-owner-may-see"
    async with transaction(mail_sessions) as session:
        await queue_mail(
            session,
            key=f"token:{uuid.uuid4()}",
            to="anna@piekarnia-nowak.test",
            kind="password_reset",
            language="pl",
            context={"full_name": "Anna Nowak", "expires_at": clock.now(), "link": link},
        )
    await drain(database_url, mail_sessions, mailing.registry)

    [received] = smtp.received
    assert link in received.text
    async with transaction(mail_sessions) as session:
        [kept] = await mailbox(session, to="anna@piekarnia-nowak.test")
    assert kept.status is MailStatus.sent
    assert "secret-only-the-owner-may-see" not in kept.text_body + kept.html_body
    assert kept.subject == received.message["Subject"]


async def test_the_mailbox_is_not_served_outside_the_demo(settings: Settings) -> None:
    production = msgspec.structs.replace(
        settings, marketplace=msgspec.structs.replace(settings.marketplace, demo_mailbox=False)
    )
    async with AsyncTestClient(app=create_app(production, compose(production))) as client:
        answer = await client.get("/api/v1/demo/mailbox")
    assert answer.status_code == 404
