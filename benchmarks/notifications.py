"""Telling many people of one event, and sending their mail through a real SMTP server.

Run: `uv run python -m benchmarks.notifications [--recipients 2000] [--mails 500]`.

In process, on a fresh embedded PostgreSQL. One organisation gets `--recipients` members in SQL
(verified addresses, preferred languages cycling through en, de, pl and cs, a quarter on the daily
digest). Timed:
- fan-out: `Notifier.notify` of one event to all of them, in one transaction: the audience read,
  one rendering per person in their language (text and HTML), the inbox rows and the queued mail;
  against the floor of rendering alone (the same messages, no database);
- sending: `--mails` of the queued messages handed to an aiosmtpd server on loopback by the
  scheduled `retry_mail` job (one transaction per message: lock, send, mark sent), against the
  floor of `aiosmtplib.send` of the same messages with no database, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path

import msgspec
from sqlalchemy import select, text

from benchmarks.harness import machine
from borderhub.composition import compose
from borderhub.settings import ensure_secrets, load_settings
from kernel import embedded, migrate
from kernel.db import create_engine, transaction
from marketplace.mail.models import MailStatus, OutgoingMail
from marketplace.mail.render import render
from marketplace.mail.service import RETRY_BATCH, retry_mail
from marketplace.mail.smtp import SmtpTransport
from marketplace.notification.service import Audience, Notice, Notifier
from tests.smtp import LoopbackSmtp

_ORGANIZATION = """
INSERT INTO marketplace.organization (id, created_at, updated_at, legal_name, kind, registration_scheme,
    registration_id, country, subdivision, default_currency, languages, employee_count)
VALUES (:id, now(), now(), 'Bench cooperative', 'producer', 'BENCH', 'N1', 'PL', 'PL-02', 'PLN', ARRAY['pl'], 3)
"""

_MEMBERS = """
WITH u AS (
    INSERT INTO marketplace.user_account (id, created_at, updated_at, email, password_hash, full_name,
        preferred_language, is_platform_admin, is_active, email_verified_at, notify_in_app, notify_email)
    SELECT gen_random_uuid(), now(), now(), 'member' || i || '@bench.test', 'x', 'Member ' || i,
           (ARRAY['en', 'de', 'pl', 'cs'])[1 + i % 4], false, true, now(), true,
           CASE WHEN i % 4 = 3 THEN 'daily' ELSE 'immediately' END::marketplace.email_frequency
    FROM generate_series(0, :count - 1) AS i
    RETURNING id
)
INSERT INTO marketplace.membership (id, created_at, updated_at, organization_id, user_id, role)
SELECT gen_random_uuid(), now(), now(), :organization_id, u.id, 'member' FROM u
"""

CONTEXT = {"organization_name": "Spółdzielnia Mleczarska Nysa", "hub_name": "Görlitz–Zgorzelec Europastadt Hub"}


async def run(root: Path, url: str, recipients: int, mails: int) -> None:
    server = LoopbackSmtp()
    server.start()
    settings = ensure_secrets(load_settings(database_url=url, data_dir=root / "data", log_level="WARNING"))
    marketplace = msgspec.structs.replace(
        settings.marketplace, smtp_host="127.0.0.1", smtp_port=server.port, smtp_security="none"
    )
    settings = msgspec.structs.replace(settings, marketplace=marketplace)
    transport = SmtpTransport.from_settings(settings.marketplace)
    engine = create_engine(url)
    sessions = compose(settings).sessions(engine)
    organization_id = uuid.uuid4()
    async with transaction(sessions) as session:
        await session.execute(text(_ORGANIZATION), {"id": organization_id})
        await session.execute(text(_MEMBERS), {"count": recipients, "organization_id": organization_id})

    languages = ["en", "de", "pl", "cs"]
    started = time.perf_counter()
    for n in range(recipients):
        render("membership_admitted", languages[n % 4], {**CONTEXT, "recipient_name": f"Member {n}", "link": "x"})
    render_floor = time.perf_counter() - started

    notice = Notice(
        kind="membership_admitted",
        event_id=uuid.uuid4(),
        audience=Audience(organizations=[organization_id]),
        context=CONTEXT,
        link=f"/organizations/{organization_id}",
    )
    started = time.perf_counter()
    async with transaction(sessions) as session:
        told = await Notifier(settings.marketplace.public_url).notify(session, notice)
    fan_out = time.perf_counter() - started

    # Keep `mails` of the queued messages pending; the rest are set aside as sent.
    async with transaction(sessions) as session:
        queued = (await session.scalars(select(OutgoingMail).order_by(OutgoingMail.id))).all()
        for mail in queued[mails:]:
            mail.status = MailStatus.sent
        sample = queued[:mails]
        messages = [transport.message(mail) for mail in sample] if transport else []
    started = time.perf_counter()
    for _ in range(mails // RETRY_BATCH + 1):  # the job sends at most RETRY_BATCH a run
        async with transaction(sessions) as session:
            await retry_mail(transport, session)
    sending = time.perf_counter() - started
    sent = len(server.received)

    started = time.perf_counter()
    for message in messages:
        await _send_bare(message, server.port)
    send_floor = time.perf_counter() - started

    server.stop()
    await engine.dispose()
    print(f"machine: {machine()}")
    print(f"fan-out to {len(told)} people: {fan_out:.2f} s ({fan_out / len(told) * 1000:.2f} ms each)")
    print(
        f"  floor, rendering alone: {render_floor:.2f} s ({render_floor / recipients * 1000:.2f} ms each); "
        f"ratio floor/ours {render_floor / fan_out:.0%}"
    )
    print(f"sending {sent} mails through SMTP: {sending:.2f} s ({sent / sending:.0f} mails/s)")
    print(
        f"  floor, aiosmtplib alone: {send_floor:.2f} s ({len(messages) / send_floor:.0f} mails/s); "
        f"ratio floor/ours {send_floor / sending:.0%}"
    )


async def _send_bare(message: object, port: int) -> None:
    import aiosmtplib

    await aiosmtplib.send(message, hostname="127.0.0.1", port=port, start_tls=False, use_tls=False)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--mails", type=int, default=500)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="borderhub-bench-notify-"))
    url = embedded.start(root / "pgdata", database="borderhub_bench", cleanup="delete")
    migrate.upgrade(url)
    asyncio.run(run(root, url, args.recipients, args.mails))


if __name__ == "__main__":
    main()
