"""Handing messages to an SMTP server with aiosmtplib."""

from __future__ import annotations

import email.utils
from email.message import EmailMessage

import aiosmtplib

from marketplace.mail.models import OutgoingMail
from marketplace.settings import MarketplaceSettings

TIMEOUT_SECONDS = 30.0


class SmtpTransport:
    def __init__(self, settings: MarketplaceSettings) -> None:
        assert settings.smtp_host is not None  # noqa: S101 - built only when SMTP is configured
        self.settings = settings
        self.sender = settings.mail_from
        _, address = email.utils.parseaddr(settings.mail_from)
        self.domain = address.rpartition("@")[2] or "borderhub.localhost"

    @classmethod
    def from_settings(cls, settings: MarketplaceSettings) -> SmtpTransport | None:
        """The transport of the configured server; None without one (messages stay in the mailbox)."""
        return cls(settings) if settings.smtp_enabled else None

    def message(self, mail: OutgoingMail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to_address
        message["Subject"] = mail.subject
        message["Date"] = email.utils.format_datetime(mail.created_at)
        # The same Message-ID on every attempt lets a receiving server drop a copy it already has.
        message["Message-ID"] = f"<{mail.id}@{self.domain}>"
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(mail.text_body)
        message.add_alternative(mail.html_body, subtype="html")
        # After the content: setting it clears every Content-* header.
        message["Content-Language"] = mail.language
        return message

    async def send(self, mail: OutgoingMail) -> None:
        settings = self.settings
        await aiosmtplib.send(
            self.message(mail),
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user,
            password=settings.smtp_password,
            use_tls=settings.smtp_security == "tls",
            start_tls=settings.smtp_security == "starttls",
            timeout=TIMEOUT_SECONDS,
        )
