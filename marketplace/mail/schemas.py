"""Wire format of a message in the local mailbox (the demo's endpoint)."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec

from marketplace.mail.models import MailStatus, OutgoingMail


class MailRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    to: str
    kind: str
    language: str
    subject: str
    text: str
    html: str
    status: MailStatus
    attempts: int
    last_error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None


def mail_read(mail: OutgoingMail) -> MailRead:
    return MailRead(
        id=mail.id,
        to=mail.to_address,
        kind=mail.kind,
        language=mail.language,
        subject=mail.subject,
        text=mail.text_body,
        html=mail.html_body,
        status=mail.status,
        attempts=mail.attempts,
        last_error=mail.last_error,
        created_at=mail.created_at,
        sent_at=mail.sent_at,
    )
