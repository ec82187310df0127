"""Identity use cases: register, log in (throttled), authenticate requests, manage API keys."""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import math
import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import audit, clock, codes, text
from kernel.auth import (
    API_KEY_PREFIX,
    DUMMY_PASSWORD_HASH,
    Principal,
    api_key_prefix,
    hash_password,
    new_api_key,
    read_access_token,
    secret_digest,
    verify_password,
)
from kernel.errors import FieldProblems, Forbidden, InvalidInput, NotFound, TooManyRequests, Unauthenticated
from kernel.outbox import emit
from kernel.settings import CoreSettings
from marketplace.events import RegistrationAttemptedForExistingAccount
from marketplace.identity.models import ApiKey, LoginFailure, SignIn, TokenPurpose, User
from marketplace.identity.repository import IdentityRepository
from marketplace.identity.schemas import (
    AccessToken,
    ApiKeyCreate,
    ApiKeyIssued,
    ApiKeyRead,
    LoginRequest,
    RegistrationReceived,
    SessionRead,
    UserRead,
    UserRegister,
)
from marketplace.identity.sessions import SessionService
from marketplace.identity.tokens import mark_email_verified, send_link

API_KEY_TOUCH_INTERVAL = dt.timedelta(minutes=1)
MIN_PASSWORD_LENGTH = 10  # same rule as `Password` in schemas

SOURCE_MEMORY = dt.timedelta(days=1)
"""How long a source's failed logins for an account count towards its backoff (unless it signs in)."""
ACCOUNT_CEILING_FACTOR = 10
"""An account under attack: this many times `login_max_failures` failures from all sources together
within `login_failure_window_seconds`."""
UNKNOWN_SOURCE = "unknown"


def login_source(host: str | None) -> str:
    """Where login attempts come from, as throttling counts them: an IPv4 address, or an IPv6 /64
    network (one subscriber's whole allocation, which its owner can cycle through at will); any
    other host name as given."""
    if not host:
        return UNKNOWN_SOURCE
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # IPv4 as a dual-stack socket reports it
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def login_delay(failures: int, free: int, longest: dt.timedelta) -> dt.timedelta:
    """How long a source waits after its `failures`-th failed login before it may try again: not
    at all for the first `free - 1`, then 1 s, 2 s, 4 s ... doubling up to `longest`."""
    if failures < free:
        return dt.timedelta(0)
    # 2 ** 40 s is far beyond any sensible `longest`, and small enough for a timedelta.
    return min(dt.timedelta(seconds=2 ** min(failures - free, 40)), longest)


def user_read(user: User | SignIn, *, pending_email: str | None = None) -> UserRead:
    return UserRead(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        preferred_language=user.preferred_language,
        is_platform_admin=user.is_platform_admin,
        created_at=user.created_at,
        email_verified=user.email_verified_at is not None,
        pending_email=pending_email,
        notify_in_app=user.notify_in_app,
        notify_email=user.notify_email,
    )


def api_key_read(key: ApiKey) -> ApiKeyRead:
    return ApiKeyRead(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        created_at=key.created_at,
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
        last_used_at=key.last_used_at,
    )


def principal_of(user: User | SignIn, via: str = "token", *, session_id: uuid.UUID | None = None) -> Principal:
    return Principal(
        user_id=user.id,
        email=user.email,
        is_platform_admin=user.is_platform_admin,
        via=via,  # type: ignore[arg-type]
        email_verified=user.email_verified_at is not None,
        session_id=session_id,
    )


class IdentityService:
    def __init__(self, session: AsyncSession, settings: CoreSettings, *, public_url: str) -> None:
        self.session = session
        self.settings = settings
        self.public_url = public_url
        """Where the links mailed to people lead (`MarketplaceSettings.public_url`)."""
        self.repo = IdentityRepository(session)
        self.sessions = SessionService(session, settings)

    async def register(
        self, data: UserRegister, *, platform_admin: bool = False, verified: bool = False
    ) -> RegistrationReceived:
        """Create an account, unless the address has one already, and mail its owner a link proving
        the address (`email_verification`, valid 48 h); until they follow it they may sign in but
        not act for an organisation. `verified` is for accounts whose address an operator vouches
        for (the command line, the demo): no link is sent.

        Either way the answer is the same and so is the work (a password is hashed), so registering
        cannot reveal who has an account: for an existing address nothing is created or changed,
        and `RegistrationAttemptedForExistingAccount` lets a mailer tell the owner. Raises
        `InvalidInput` (422) naming every bad field, for new and existing addresses alike.
        """
        email = data.email.strip().lower()
        problems = FieldProblems()
        language = (
            problems.check(codes.language, data.preferred_language, "preferred_language")
            if data.preferred_language
            else None
        )
        full_name = problems.check(text.clean, data.full_name, "full_name")
        problems.raise_if_any()
        assert full_name is not None  # noqa: S101 - checked above
        password_hash = hash_password(data.password)
        existing = await self.repo.user_by_email(email)
        if existing is None:
            user = User(
                email=email,
                password_hash=password_hash,
                full_name=full_name,
                preferred_language=language,
                is_platform_admin=platform_admin,
            )
            try:
                # A savepoint: losing a race with a registration of the same address must not
                # fail the request (the unique index decides), but be answered as any other.
                async with self.session.begin_nested():
                    await self.repo.add(user)
            except IntegrityError:
                existing = await self.repo.user_by_email(email)
                if existing is None:
                    raise
            else:
                if verified:
                    await mark_email_verified(self.session, user)
                else:
                    await send_link(self.session, user, TokenPurpose.verify_email, self.public_url)
                await audit.record(
                    self.session,
                    principal_of(user),
                    "user.registered",
                    object_type="user",
                    object_id=user.id,
                    after=user_read(user),
                )
        if existing is not None:
            await emit(
                self.session,
                RegistrationAttemptedForExistingAccount(
                    user_id=existing.id, email=existing.email, preferred_language=existing.preferred_language
                ),
            )
        return RegistrationReceived(email=email)

    async def login(
        self, data: LoginRequest, *, client: str | None, user_agent: str | None = None
    ) -> AccessToken | None:
        """Exchange e-mail and password for a new token session: an access token and a refresh
        token (`marketplace.identity.sessions`). Checked and throttled as `check_login`; None for a
        wrong password or unknown e-mail, which the caller must commit and answer with 401."""
        user = await self.check_login(data, client=client)
        if user is None:
            return None
        return await self.sessions.start_token_session(user, client=client, user_agent=user_agent)

    async def sign_in_with_cookie(
        self, data: LoginRequest, *, client: str | None, user_agent: str | None = None
    ) -> tuple[SessionRead, str] | None:
        """Exchange e-mail and password for a new cookie session, and the value of its cookie;
        checked and throttled exactly as `login` (None likewise)."""
        user = await self.check_login(data, client=client)
        if user is None:
            return None
        return await self.sessions.start_cookie_session(user, client=client, user_agent=user_agent)

    async def check_login(self, data: LoginRequest, *, client: str | None) -> User | None:
        """The account whose e-mail and password these are.

        Returns None for a wrong password or unknown e-mail (indistinguishable to the caller)
        after recording the failure: the caller must commit and answer 401, so the failure counts.

        Throttled per source (`login_source` of the client's address) and account, never for the
        account as a whole, so no one can lock its owner out: after `login_max_failures` failures
        a source waits 1 s, 2 s, 4 s ... up to `login_failure_window_seconds` before each further
        try for that account, right password or not (`TooManyRequests`, 429 with the wait).
        While the account is under attack from many sources (`ACCOUNT_CEILING_FACTOR`), every
        source's backoff starts at its first failure instead; a source that has not failed is
        never refused. Signing in forgets that source's failures.
        """
        now = clock.now()
        email = data.email.strip().lower()
        source = login_source(client)
        longest = dt.timedelta(seconds=self.settings.login_failure_window_seconds)
        # Serialises one source's attempts at one account, so parallel guesses cannot all pass the
        # count; other sources (the owner) are not queued behind them.
        await self.repo.lock_login(email, source)
        failures, last_failure = await self.repo.source_failures(email, source, since=now - SOURCE_MEMORY)
        free = self.settings.login_max_failures
        if failures and await self.repo.account_failures(email, since=now - longest) >= ACCOUNT_CEILING_FACTOR * free:
            free = 1
        if last_failure is not None:
            wait = last_failure + login_delay(failures, free, longest) - now
            if wait > dt.timedelta(0):
                raise TooManyRequests(
                    "too many failed logins for this account from your address; "
                    f"try again in {math.ceil(wait.total_seconds())} seconds",
                    retry_after_seconds=math.ceil(wait.total_seconds()),
                )
        user = await self.repo.user_by_email(email)
        valid = verify_password(data.password, user.password_hash if user else DUMMY_PASSWORD_HASH)
        if user is None or not valid or not user.is_active:
            # Stamped by the service's clock (not the column default), which the backoff reads.
            await self.repo.add(LoginFailure(email=email, client=source, created_at=now))
            return None
        await self.repo.clear_failures(email, source)
        return user

    async def authenticate(self, credential: str) -> Principal:
        """Resolve a bearer token or an API key to the calling user; 401 otherwise, also for the
        access token of a session that has ended (signed out, revoked, expired), at once."""
        if credential.startswith(API_KEY_PREFIX):
            return await self._authenticate_api_key(credential)
        assert self.settings.jwt_secret is not None  # noqa: S101 - ensured at start-up
        claims = read_access_token(credential, self.settings.jwt_secret)
        found = await self.sessions.token_session(claims)
        return principal_of(found, session_id=found.session_id)

    async def authenticate_cookie(self, value: str) -> Principal:
        """Resolve the session cookie to the calling user; 401 unless its session is in force."""
        found = await self.sessions.cookie_session(value)
        return principal_of(found, via="cookie", session_id=found.session_id)

    async def authenticate_reader(self, value: str) -> tuple[Principal, UserRead]:
        """The caller of a web page and their profile (name, language), from the session cookie in one
        look-up; 401 unless its session is in force."""
        found = await self.sessions.cookie_session(value)
        return principal_of(found, via="cookie", session_id=found.session_id), user_read(found)

    async def _authenticate_api_key(self, secret: str) -> Principal:
        now = clock.now()
        key = await self.repo.api_key_by_prefix(api_key_prefix(secret))
        if key is None or not hmac.compare_digest(key.digest, secret_digest(secret)):
            raise Unauthenticated("the API key is invalid")
        if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
            raise Unauthenticated("the API key has been revoked or has expired")
        user = await self.repo.user_by_id(key.user_id)
        if user is None or not user.is_active:
            raise Unauthenticated("the account behind this API key is inactive")
        if key.last_used_at is None or key.last_used_at < now - API_KEY_TOUCH_INTERVAL:
            # Recording every use would turn each read by a busy machine client into a write.
            await self.repo.touch_api_key(key.id, now)
        return principal_of(user, via="api_key")

    async def me(self, principal: Principal) -> UserRead:
        user = await self.repo.user_by_id(principal.user_id)
        if user is None:
            raise Unauthenticated("the account no longer exists")
        return user_read(user, pending_email=await self.repo.pending_email(user.id, clock.now()))

    async def create_api_key(self, principal: Principal, data: ApiKeyCreate) -> ApiKeyIssued:
        """Issue an API key acting as the caller; the secret is returned once. Raises `Forbidden`
        when the caller is itself an API key: a leaked key must not be able to mint keys that
        outlive its revocation."""
        if principal.via == "api_key":
            raise Forbidden("an API key cannot issue API keys; sign in with your password to create one")
        secret, prefix, digest = new_api_key()
        expires_at = clock.now() + dt.timedelta(days=data.expires_in_days) if data.expires_in_days else None
        key = ApiKey(user_id=principal.user_id, name=data.name, prefix=prefix, digest=digest, expires_at=expires_at)
        await self.repo.add(key)
        read = api_key_read(key)
        await audit.record(
            self.session, principal, "api_key.created", object_type="api_key", object_id=key.id, after=read
        )
        return ApiKeyIssued(api_key=read, key=secret)

    async def list_api_keys(self, principal: Principal) -> list[ApiKeyRead]:
        return [api_key_read(k) for k in await self.repo.api_keys_of(principal.user_id)]

    async def revoke_api_key(self, principal: Principal, key_id: uuid.UUID) -> None:
        """Revoke one of the caller's keys; another user's key is `NotFound`."""
        keys = {k.id: k for k in await self.repo.api_keys_of(principal.user_id)}
        key = keys.get(key_id)
        if key is None:
            raise NotFound("no such API key")
        if key.revoked_at is None:
            before = api_key_read(key)
            key.revoked_at = clock.now()
            await self.session.flush()
            await audit.record(
                self.session,
                principal,
                "api_key.revoked",
                object_type="api_key",
                object_id=key.id,
                before=before,
                after=api_key_read(key),
            )


async def purge_login_failures(session: AsyncSession) -> None:
    """Scheduled daily: forget failed logins that no longer count (older than `SOURCE_MEMORY`)."""
    await IdentityRepository(session).purge_failures_before(clock.now() - SOURCE_MEMORY)


async def bootstrap_platform_admin(
    session: AsyncSession, settings: CoreSettings, *, public_url: str, email: str, full_name: str, password: str
) -> str:
    """Create a platform administrator, or promote the existing account with that e-mail."""
    repo = IdentityRepository(session)
    existing = await repo.user_by_email(email)
    if existing is not None:
        before = user_read(existing)
        existing.is_platform_admin = True
        await session.flush()
        await audit.record(
            session,
            None,
            "user.promoted_to_platform_admin",
            object_type="user",
            object_id=existing.id,
            before=before,
            after=user_read(existing),
        )
        return f"{existing.email} is now a platform administrator"
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput.field("password", "must be at least 10 characters")
    # The operator named the address on the command line: it needs no link to prove it.
    registered = await IdentityService(session, settings, public_url=public_url).register(
        UserRegister(email=email, password=password, full_name=full_name), platform_admin=True, verified=True
    )
    return f"created platform administrator {registered.email}"
