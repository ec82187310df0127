"""Account use cases of its owner: proving the address, resetting a forgotten password, changing the
password, the address and the profile.

Each link is an account token (`tokens`), mailed in the owner's language. Whatever changes how one
signs in (the password, the address) is audited and told to the owner by e-mail, and a new password
signs the account out everywhere else.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import audit, clock, codes, text
from kernel.auth import Principal, hash_password, verify_password
from kernel.errors import Conflict, FieldProblems, InvalidInput, TooManyRequests, Unauthenticated
from kernel.outbox import emit
from marketplace.events import PasswordResetAsked
from marketplace.identity.models import TokenPurpose, User
from marketplace.identity.repository import IdentityRepository
from marketplace.identity.schemas import (
    EmailChange,
    EmailChangeRequested,
    EmailVerification,
    EmailVerified,
    PasswordChange,
    PasswordResetConfirm,
    PasswordResetRequest,
    PasswordResetRequested,
    UserRead,
    UserUpdate,
    VerificationSent,
)
from marketplace.identity.service import principal_of, user_read
from marketplace.identity.sessions import RevokedReason, revoke_sessions
from marketplace.identity.tokens import TOKEN_INVALID_MESSAGE, TokenInvalid, mark_email_verified, redeem, send_link
from marketplace.mail.service import queue_mail

RESEND_INTERVAL = dt.timedelta(minutes=1)
"""At most one link of a purpose per account this often (verification, e-mail change, reset)."""


class EmailTaken(Conflict):
    slug = "email-taken"


class AccountService:
    def __init__(self, session: AsyncSession, *, public_url: str) -> None:
        self.session = session
        self.public_url = public_url
        self.repo = IdentityRepository(session)

    async def _own(self, principal: Principal) -> User:
        """The caller's account, its row locked (one change of it at a time)."""
        user = await self.repo.user_for_update(principal.user_id)
        if user is None or not user.is_active:
            raise Unauthenticated("the account no longer exists")
        return user

    async def _read(self, user: User) -> UserRead:
        return user_read(user, pending_email=await self.repo.pending_email(user.id, clock.now()))

    async def _throttle(self, user_id: uuid.UUID, purpose: TokenPurpose) -> None:
        """`TooManyRequests` (429 with the wait) when a link of `purpose` went out less than
        `RESEND_INTERVAL` ago."""
        latest = await self.repo.latest_token(user_id, purpose)
        if latest is None:
            return
        wait = latest.created_at + RESEND_INTERVAL - clock.now()
        if wait > dt.timedelta(0):
            seconds = math.ceil(wait.total_seconds())
            raise TooManyRequests(
                f"a link was sent less than a minute ago; check your mailbox, or try again in {seconds} seconds",
                retry_after_seconds=seconds,
            )

    # --- proving the address ----------------------------------------------------------

    async def resend_verification(self, principal: Principal) -> VerificationSent:
        """Mail a new link proving the caller's address; links sent before stop working.

        Raises `Conflict` (409) when the address is already proven and `TooManyRequests` (429 with
        Retry-After) within a minute of the last link."""
        user = await self._own(principal)
        if user.email_verified_at is not None:
            raise Conflict("your e-mail address is already confirmed")
        await self._throttle(user.id, TokenPurpose.verify_email)
        token = await send_link(self.session, user, TokenPurpose.verify_email, self.public_url)
        return VerificationSent(email=user.email, expires_at=token.expires_at)

    async def verify_email(self, data: EmailVerification) -> EmailVerified:
        """Follow a link proving an address: the account's own (after registering), or the new one
        it moves to (after `request_email_change`, when the address changes and every other link
        sent to the old one stops working).

        Raises `TokenInvalid` (422 naming `token`) for a link that is used, expired, superseded or
        unknown, without saying which, and `EmailTaken` (409) when the new address got an account
        meanwhile."""
        token = await redeem(self.session, data.token, [TokenPurpose.verify_email, TokenPurpose.change_email])
        user = await self.repo.user_for_update(token.user_id)
        if user is None or not user.is_active:
            raise TokenInvalid.field("token", TOKEN_INVALID_MESSAGE)
        before = await self._read(user)
        if token.purpose is TokenPurpose.change_email:
            assert token.new_email is not None  # noqa: S101 - always set for this purpose
            holder = await self.repo.user_by_email(token.new_email)
            if holder is not None and holder.id != user.id:
                raise EmailTaken(f"{token.new_email} has an account of its own by now; choose another address")
            now = clock.now()
            # Links mailed to the old address (a password reset, say) must not work for the new one.
            await self.repo.spend_tokens(user.id, list(TokenPurpose), now)
            user.email = token.new_email
            user.email_verified_at = now
            await self.session.flush()  # the unique index settles a race for the address (409)
            action = "user.email_changed"
        else:
            await mark_email_verified(self.session, user)
            action = "user.email_verified"
        await audit.record(
            self.session,
            principal_of(user),
            action,
            object_type="user",
            object_id=user.id,
            before=before,
            after=await self._read(user),
        )
        return EmailVerified(email=user.email)

    # --- a forgotten password --------------------------------------------------------

    async def request_password_reset(self, data: PasswordResetRequest) -> PasswordResetRequested:
        """Ask for a link to set a new password, mailed to the owner of an active account at
        `data.email` (by `mail_password_reset`, after the answer).

        The answer, and the work done before it (one event written), are the same whether or not the
        address has an account, so that asking cannot tell anyone who has one."""
        email = data.email.strip().lower()
        await emit(self.session, PasswordResetAsked(email=email))
        return PasswordResetRequested(email=email)

    async def reset_password(self, data: PasswordResetConfirm) -> None:
        """Set a new password with a reset link. The link proves the address too (it is marked
        verified); every reset link of the account stops working and every session of it ends.

        Raises `TokenInvalid` (422 naming `token`) for a link that is used, expired, superseded or
        unknown, without saying which."""
        token = await redeem(self.session, data.token, [TokenPurpose.reset_password])
        user = await self.repo.user_for_update(token.user_id)
        if user is None or not user.is_active:
            raise TokenInvalid.field("token", TOKEN_INVALID_MESSAGE)
        before = await self._read(user)
        await self._set_password(user, data.new_password, RevokedReason.password_reset, keep=None)
        await mark_email_verified(self.session, user)
        await audit.record(
            self.session,
            principal_of(user),
            "user.password_reset",
            object_type="user",
            object_id=user.id,
            before=before,
            after=await self._read(user),
        )

    # --- changes by the signed-in owner ------------------------------------------------

    async def change_password(self, principal: Principal, data: PasswordChange) -> None:
        """Replace the password, given the current one (`InvalidInput` naming `current_password`
        otherwise); every other session of the account ends."""
        user = await self._own(principal)
        if not verify_password(data.current_password, user.password_hash):
            raise InvalidInput.field("current_password", "is not your current password")
        # The caller's own sign-in stays; whoever else knew the old password is signed out.
        await self._set_password(user, data.new_password, RevokedReason.password_changed, keep=principal.session_id)
        await audit.record(self.session, principal, "user.password_changed", object_type="user", object_id=user.id)

    async def _set_password(self, user: User, password: str, reason: RevokedReason, *, keep: uuid.UUID | None) -> None:
        """Set the password and sign out every session but `keep`; tell the owner."""
        now = clock.now()
        user.password_hash = hash_password(password)
        await self.session.flush()
        # A reset link mailed before must not undo this change, and a move of the account to another
        # address asked for with the old password (by whoever knew it) must not happen.
        await self.repo.spend_tokens(user.id, [TokenPurpose.reset_password, TokenPurpose.change_email], now)
        await revoke_sessions(self.session, user.id, except_session_id=keep, reason=reason)
        await queue_mail(
            self.session,
            key=f"password_changed:{user.id}:{uuid.uuid4()}",
            to=user.email,
            kind="password_changed",
            language=user.preferred_language,
            context={"full_name": user.full_name, "changed_at": now},
            user_id=user.id,
        )

    async def request_email_change(self, principal: Principal, data: EmailChange) -> EmailChangeRequested:
        """Mail a link to `data.new_email` (`email_change`, valid 48 h) that moves the account there
        when followed, and tell the current address (`email_change_requested`); earlier such links
        stop working. Whether the new address has an account is not checked now (that would tell
        who has one): following the link is then refused (409).

        Raises `InvalidInput` (422) naming `current_password` when it is wrong and `new_email` when
        it is the account's address already; `TooManyRequests` (429) within a minute of the last."""
        user = await self._own(principal)
        new_email = data.new_email.strip().lower()
        problems = FieldProblems()
        if not verify_password(data.current_password, user.password_hash):
            problems.add("current_password", "is not your current password")
        if new_email == user.email:
            problems.add("new_email", "is your address already")
        problems.raise_if_any()
        await self._throttle(user.id, TokenPurpose.change_email)
        token = await send_link(self.session, user, TokenPurpose.change_email, self.public_url, new_email=new_email)
        await queue_mail(
            self.session,
            key=f"token:{token.id}:notice",
            to=user.email,
            kind="email_change_requested",
            language=user.preferred_language,
            context={"full_name": user.full_name, "new_email": new_email, "expires_at": token.expires_at},
            user_id=user.id,
        )
        await audit.record(
            self.session,
            principal,
            "user.email_change_requested",
            object_type="user",
            object_id=user.id,
            after={"new_email": new_email},
        )
        return EmailChangeRequested(new_email=new_email, expires_at=token.expires_at)

    async def update_profile(self, principal: Principal, data: UserUpdate) -> UserRead:
        """Change the caller's name, language and how they are told of what concerns them.

        Raises `InvalidInput` (422) naming every bad field (a blank name, an unknown language);
        nothing is written then."""
        user = await self._own(principal)
        problems = FieldProblems()
        changes: dict[str, object] = {}
        if not isinstance(data.full_name, msgspec.UnsetType):
            changes["full_name"] = problems.check(text.clean, data.full_name, "full_name")
        if not isinstance(data.preferred_language, msgspec.UnsetType):
            changes["preferred_language"] = (
                problems.check(codes.language, data.preferred_language, "preferred_language")
                if data.preferred_language
                else None
            )
        if not isinstance(data.notify_in_app, msgspec.UnsetType):
            changes["notify_in_app"] = data.notify_in_app
        if not isinstance(data.notify_email, msgspec.UnsetType):
            changes["notify_email"] = data.notify_email
        problems.raise_if_any()
        before = await self._read(user)
        for field, value in changes.items():
            setattr(user, field, value)
        await self.session.flush()
        after = await self._read(user)
        if after != before:
            await audit.record(
                self.session,
                principal,
                "user.updated",
                object_type="user",
                object_id=user.id,
                before=before,
                after=after,
            )
        return after


async def mail_password_reset(public_url: str, session: AsyncSession, event: PasswordResetAsked) -> None:
    """Subscriber of `PasswordResetAsked`: mail the owner of an active account at the address a link to
    set a new password (`password_reset`, valid one hour; earlier ones stop working). At most one a
    minute per account: a request sooner (or the same request delivered again) sends nothing more."""
    repo = IdentityRepository(session)
    user = await repo.user_by_email(event.email)
    if user is None or not user.is_active:
        return
    latest = await repo.latest_token(user.id, TokenPurpose.reset_password)
    if latest is None or latest.created_at + RESEND_INTERVAL <= clock.now():
        await send_link(session, user, TokenPurpose.reset_password, public_url)
