"""What a page says after a form succeeded and redirected to it (`?notice=<key>`)."""

from __future__ import annotations


def _(text: str) -> str:
    """Marks a text for the catalog (`borderhub i18n extract`); it is translated when shown."""
    return text


NOTICES = {
    "signed-out": _("You are signed out."),
    "registered": _(
        "Your account is ready. We sent you an e-mail with a link: follow it to prove the address is yours, "
        "then sign in."
    ),
    "email-verified": _("Thank you: your e-mail address is proven."),
    "verification-sent": _("We sent you a new link. It is valid for 48 hours."),
    "verification-wait": _("We sent you a link less than a minute ago. Please wait a moment before asking again."),
    "password-changed": _("Your password is changed. Sign in with the new one."),
    "all-read": _("Every notification is marked as read."),
    "profile-saved": _("Your settings are saved."),
    "password-changed-here": _("Your password is changed. Every other sign-in of yours has ended."),
    "invitation-accepted": _("You joined the organisation."),
}


def notice_text(key: str | None) -> str | None:
    """The English text of a notice (None for no notice or an unknown key)."""
    return NOTICES.get(key or "")
