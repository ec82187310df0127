"""Accounts: proving the address, forgotten and changed passwords, moving to another address, the
owner's profile — through the HTTP API, reading the mail from the local mailbox as the demo does."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from kernel.audit import AuditEntry
from kernel.db import transaction
from kernel.outbox import OutboxEvent
from marketplace.identity.models import User
from tests.factories.identity import (
    PASSWORD,
    Account,
    ask_password_reset,
    latest_token,
    mails,
    register,
    verify_email,
)
from tests.factories.organization import create_organization, organization_body

Client = AsyncTestClient[Any]
NEW_PASSWORD = "a brand new passphrase"
CONFIRM_FIRST = "confirm your e-mail address first"


def fields(response: Any) -> set[str]:
    assert response.status_code == 422, response.text
    return {error["field"] for error in response.json()["errors"]}


def without_request_id(response: Any) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k != "x-request-id"}


async def me(client: Client, account: Account) -> dict[str, Any]:
    response = await client.get("/api/v1/me", headers=account.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def login(client: Client, email: str, password: str) -> Any:
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


async def audit_actions(sessions: async_sessionmaker[AsyncSession], user_id: uuid.UUID) -> list[str]:
    async with transaction(sessions) as session:
        rows = await session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_id == user_id).order_by(AuditEntry.created_at)
        )
        return list(rows.all())


# --- proving the address ----------------------------------------------------------------


async def test_registering_mails_a_link_that_proves_the_address_once_when_followed(
    client: Client, settings: Settings
) -> None:
    account = await register(client, verified=False)
    assert (await me(client, account))["email_verified"] is False
    [mail] = await mails(client, account.email, "email_verification")
    assert f"{settings.marketplace.public_url}/account/verify-email?token=" in mail["text"]
    token = await latest_token(client, account.email, "email_verification")

    verified = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert verified.status_code == 200, verified.text
    assert verified.json() == {"email": account.email, "email_verified": True}
    assert (await me(client, account))["email_verified"] is True
    again = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert fields(again) == {"$.token"}


async def test_a_verification_link_is_refused_after_48_hours_exactly_as_an_unknown_one(client: Client) -> None:
    account = await register(client, verified=False)
    token = await latest_token(client, account.email, "email_verification")
    with clock.travel(dt.timedelta(hours=48, minutes=1)):
        expired = await client.post("/api/v1/auth/verify-email", json={"token": token})
    unknown = await client.post("/api/v1/auth/verify-email", json={"token": f"{uuid.uuid4()}.guessed"})
    garbage = await client.post("/api/v1/auth/verify-email", json={"token": "not a token"})
    assert fields(expired) == fields(unknown) == fields(garbage) == {"$.token"}
    assert expired.json()["detail"] == unknown.json()["detail"] == garbage.json()["detail"]
    assert (await me(client, account))["email_verified"] is False


async def test_an_unverified_account_cannot_create_an_organisation_until_it_follows_the_link(client: Client) -> None:
    account = await register(client, verified=False)
    refused = await client.post("/api/v1/organizations", json=organization_body(), headers=account.headers)
    assert refused.status_code == 403, refused.text
    assert refused.json()["type"].endswith("email-unverified")
    assert CONFIRM_FIRST in refused.json()["detail"]
    assert "/api/v1/me/verification-email" in refused.json()["detail"]

    await verify_email(client, account.email)
    created = await client.post("/api/v1/organizations", json=organization_body(), headers=account.headers)
    assert created.status_code == 201, created.text


async def test_a_member_cannot_act_for_the_organisation_when_their_address_is_not_proven(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    owner = await register(client)
    organization = await create_organization(client, owner)
    async with transaction(sessions) as session:
        await session.execute(update(User).where(User.id == owner.id).values(email_verified_at=None))
    url = f"/api/v1/organizations/{organization['id']}"
    changed = await client.patch(url, json={"employee_count": 5}, headers=owner.headers)
    invited = await client.post(f"{url}/invitations", json={"email": "x@example.org"}, headers=owner.headers)
    for response in (changed, invited):
        assert response.status_code == 403, response.text
        assert CONFIRM_FIRST in response.json()["detail"]
    # Reading stays open to the member.
    assert (await client.get(url, headers=owner.headers)).status_code == 200


async def test_accepting_an_invitation_does_not_prove_the_address_when_the_inviter_holds_the_token(
    client: Client,
) -> None:
    # Someone registers an address they cannot read, invites it to their own organisation and accepts
    # with the token the invitation's answer gave them: the address stays unproven.
    inviter = await register(client)
    organization = await create_organization(client, inviter)
    squatter = await register(client, verified=False)
    base = f"/api/v1/organizations/{organization['id']}"
    sent = await client.post(
        f"{base}/invitations", json={"email": squatter.email, "role": "admin"}, headers=inviter.headers
    )
    assert sent.status_code == 201, sent.text
    accepted = await client.post(
        f"/api/v1/invitations/{sent.json()['invitation']['id']}/accept",
        json={"token": sent.json()["accept_token"]},
        headers=squatter.headers,
    )
    assert accepted.status_code == 200, accepted.text
    assert (await me(client, squatter))["email_verified"] is False
    changed = await client.patch(base, json={"employee_count": 9}, headers=squatter.headers)
    assert changed.status_code == 403, changed.text
    assert CONFIRM_FIRST in changed.json()["detail"]


async def test_a_new_verification_link_waits_a_minute_and_supersedes_the_earlier_one(client: Client) -> None:
    account = await register(client, verified=False)
    first = await latest_token(client, account.email, "email_verification")
    too_soon = await client.post("/api/v1/me/verification-email", headers=account.headers)
    assert too_soon.status_code == 429, too_soon.text
    assert 0 < int(too_soon.headers["retry-after"]) <= 60
    with clock.travel(dt.timedelta(seconds=61)):
        resent = await client.post("/api/v1/me/verification-email", headers=account.headers)
        assert resent.status_code == 202, resent.text
        assert resent.json()["email"] == account.email
        second = await latest_token(client, account.email, "email_verification")
        assert second != first
        assert fields(await client.post("/api/v1/auth/verify-email", json={"token": first})) == {"$.token"}
        verified = await client.post("/api/v1/auth/verify-email", json={"token": second})
        assert verified.status_code == 200, verified.text
        needless = await client.post("/api/v1/me/verification-email", headers=account.headers)
        assert needless.status_code == 409, needless.text


# --- a forgotten password -----------------------------------------------------------------


async def test_a_password_reset_answers_alike_for_known_and_unknown_addresses_and_does_the_same_work(
    client: Client, sessions: async_sessionmaker[AsyncSession], run_worker: Any
) -> None:
    suffix = uuid.uuid4().hex[:6]
    # Addresses of one length, so that even the lengths of the answers can be compared.
    account = await register(client, f"known-{suffix}@example.org")
    unknown_email = f"nokno-{suffix}@example.org"
    known = await client.post("/api/v1/auth/password-reset", json={"email": account.email})
    unknown = await client.post("/api/v1/auth/password-reset", json={"email": unknown_email})
    assert (known.status_code, unknown.status_code) == (202, 202)
    assert known.json() == {"email": account.email, "status": "requested"}
    assert known.content.replace(account.email.encode(), unknown_email.encode()) == unknown.content
    assert without_request_id(known) == without_request_id(unknown)
    # Before the answer, each wrote one event and nothing else: whether to mail is decided after it.
    async with sessions() as session:
        asked = (
            await session.scalars(
                select(OutboxEvent.payload).where(OutboxEvent.topic == "marketplace.PasswordResetAsked")
            )
        ).all()
    assert sorted(event["email"] for event in asked) == sorted([account.email, unknown_email])
    assert await mails(client, account.email, "password_reset") == []

    await run_worker()
    assert len(await mails(client, account.email, "password_reset")) == 1
    assert await mails(client, unknown_email) == []


async def test_a_reset_link_sets_the_password_once_proves_the_address_and_tells_the_owner(
    client: Client, sessions: async_sessionmaker[AsyncSession], run_worker: Any
) -> None:
    account = await register(client, verified=False)
    await ask_password_reset(client, account.email, run_worker)
    token = await latest_token(client, account.email, "password_reset")

    reset = await client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert reset.status_code == 204, reset.text
    assert (await login(client, account.email, NEW_PASSWORD)).status_code == 200
    assert (await login(client, account.email, PASSWORD)).status_code == 401
    again = await client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": "yet another passphrase"}
    )
    assert fields(again) == {"$.token"}
    signed_in = await login(client, account.email, NEW_PASSWORD)
    assert signed_in.status_code == 200
    again_signed_in = Account(id=account.id, email=account.email, token=signed_in.json()["access_token"])
    assert (await me(client, again_signed_in))["email_verified"] is True
    assert len(await mails(client, account.email, "password_changed")) == 1
    assert "user.password_reset" in await audit_actions(sessions, account.id)


async def test_a_reset_link_is_refused_after_an_hour_and_once_a_newer_one_was_sent(
    client: Client, run_worker: Any
) -> None:
    account = await register(client)
    await ask_password_reset(client, account.email, run_worker)
    first = await latest_token(client, account.email, "password_reset")
    body = {"token": first, "new_password": NEW_PASSWORD}
    with clock.travel(dt.timedelta(hours=1, seconds=1)):
        assert fields(await client.post("/api/v1/auth/password-reset/confirm", json=body)) == {"$.token"}
        await ask_password_reset(client, account.email, run_worker)
        second = await latest_token(client, account.email, "password_reset")
        assert second != first
    with clock.travel(dt.timedelta(hours=1, minutes=2)):
        assert fields(await client.post("/api/v1/auth/password-reset/confirm", json=body)) == {"$.token"}
        confirmed = await client.post(
            "/api/v1/auth/password-reset/confirm", json={"token": second, "new_password": NEW_PASSWORD}
        )
        assert confirmed.status_code == 204, confirmed.text
    assert (await login(client, account.email, NEW_PASSWORD)).status_code == 200


async def test_a_second_reset_request_within_a_minute_sends_nothing_more(client: Client, run_worker: Any) -> None:
    account = await register(client)
    for _ in range(3):
        response = await ask_password_reset(client, account.email, run_worker)
        assert response.status_code == 202
    assert len(await mails(client, account.email, "password_reset")) == 1


async def test_resetting_the_password_signs_the_account_out_everywhere(client: Client, run_worker: Any) -> None:
    account = await register(client)
    elsewhere = await login(client, account.email, PASSWORD)
    assert elsewhere.status_code == 200, elsewhere.text
    await ask_password_reset(client, account.email, run_worker)
    token = await latest_token(client, account.email, "password_reset")
    reset = await client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert reset.status_code == 204, reset.text
    for access_token in (account.token, elsewhere.json()["access_token"]):
        refused = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {access_token}"})
        assert refused.status_code == 401, refused.text


# --- the owner's own changes --------------------------------------------------------------


async def test_patch_me_changes_name_language_and_how_i_am_told_and_is_audited(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    account = await register(client)
    changed = await client.patch(
        "/api/v1/me",
        json={
            "full_name": "  Lena Schulz ",
            "preferred_language": "de-de",
            "notify_in_app": False,
            "notify_email": "daily",
        },
        headers=account.headers,
    )
    assert changed.status_code == 200, changed.text
    profile = await me(client, account)
    assert profile == changed.json()
    assert (profile["full_name"], profile["preferred_language"]) == ("Lena Schulz", "de-DE")
    assert (profile["notify_in_app"], profile["notify_email"]) == (False, "daily")
    async with transaction(sessions) as session:
        entry = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.object_id == account.id, AuditEntry.action == "user.updated")
            )
        ).one()
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["notify_email"], entry.after["notify_email"]) == ("immediately", "daily")
    # Omitted fields stay; null clears the language.
    cleared = await client.patch("/api/v1/me", json={"preferred_language": None}, headers=account.headers)
    assert (cleared.json()["preferred_language"], cleared.json()["full_name"]) == (None, "Lena Schulz")


async def test_patch_me_is_422_naming_every_bad_field_and_changes_nothing(client: Client) -> None:
    account = await register(client, full_name="Ewa Lis")
    before = await me(client, account)
    bad_values = await client.patch(
        "/api/v1/me", json={"full_name": "   ", "preferred_language": "xx-QQ"}, headers=account.headers
    )
    assert fields(bad_values) == {"$.full_name", "$.preferred_language"}
    bad_types = await client.patch(
        "/api/v1/me", json={"notify_in_app": "yes", "notify_email": "weekly"}, headers=account.headers
    )
    assert fields(bad_types) == {"$.notify_in_app", "$.notify_email"}
    unknown = await client.patch("/api/v1/me", json={"email": "other@example.org"}, headers=account.headers)
    assert unknown.status_code == 422
    assert await me(client, account) == before


async def test_changing_the_password_needs_the_current_one(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    account = await register(client)
    wrong = await client.post(
        "/api/v1/me/password",
        json={"current_password": "not my password", "new_password": NEW_PASSWORD},
        headers=account.headers,
    )
    assert fields(wrong) == {"$.current_password"}
    assert (await login(client, account.email, PASSWORD)).status_code == 200
    changed = await client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=account.headers,
    )
    assert changed.status_code == 204, changed.text
    assert (await login(client, account.email, PASSWORD)).status_code == 401
    assert (await login(client, account.email, NEW_PASSWORD)).status_code == 200
    assert len(await mails(client, account.email, "password_changed")) == 1
    assert "user.password_changed" in await audit_actions(sessions, account.id)


async def test_changing_the_password_signs_out_every_session_but_the_callers(client: Client) -> None:
    account = await register(client)
    elsewhere = await login(client, account.email, PASSWORD)
    assert elsewhere.status_code == 200, elsewhere.text
    changed = await client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=account.headers,
    )
    assert changed.status_code == 204, changed.text
    assert (await client.get("/api/v1/me", headers=account.headers)).status_code == 200
    other = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {elsewhere.json()['access_token']}"})
    assert other.status_code == 401, other.text


async def test_an_email_change_takes_effect_only_when_the_link_mailed_to_the_new_address_is_followed(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    account = await register(client)
    new_email = f"moved-{uuid.uuid4().hex[:6]}@example.org"
    refused = await client.post(
        "/api/v1/me/email", json={"new_email": account.email, "current_password": "wrong"}, headers=account.headers
    )
    assert fields(refused) == {"$.new_email", "$.current_password"}
    requested = await client.post(
        "/api/v1/me/email", json={"new_email": new_email.upper(), "current_password": PASSWORD}, headers=account.headers
    )
    assert requested.status_code == 202, requested.text
    assert requested.json()["new_email"] == new_email
    profile = await me(client, account)
    assert (profile["email"], profile["pending_email"]) == (account.email, new_email)
    assert len(await mails(client, account.email, "email_change_requested")) == 1
    assert (await login(client, new_email, PASSWORD)).status_code == 401

    token = await latest_token(client, new_email, "email_change")
    moved = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert moved.status_code == 200, moved.text
    assert moved.json()["email"] == new_email
    profile = await me(client, account)
    assert (profile["email"], profile["pending_email"], profile["email_verified"]) == (new_email, None, True)
    assert (await login(client, new_email, PASSWORD)).status_code == 200
    assert (await login(client, account.email, PASSWORD)).status_code == 401
    assert fields(await client.post("/api/v1/auth/verify-email", json={"token": token})) == {"$.token"}
    assert "user.email_changed" in await audit_actions(sessions, account.id)


async def test_an_email_change_is_409_when_the_new_address_got_an_account_meanwhile(client: Client) -> None:
    account = await register(client)
    wanted = f"wanted-{uuid.uuid4().hex[:6]}@example.org"
    requested = await client.post(
        "/api/v1/me/email", json={"new_email": wanted, "current_password": PASSWORD}, headers=account.headers
    )
    assert requested.status_code == 202, requested.text
    token = await latest_token(client, wanted, "email_change")
    await register(client, wanted)
    taken = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert taken.status_code == 409, taken.text
    assert (await me(client, account))["email"] == account.email


async def test_an_email_change_link_stops_working_when_the_password_is_changed(client: Client) -> None:
    account = await register(client)
    wanted = f"hijack-{uuid.uuid4().hex[:6]}@example.org"
    await client.post(
        "/api/v1/me/email", json={"new_email": wanted, "current_password": PASSWORD}, headers=account.headers
    )
    token = await latest_token(client, wanted, "email_change")
    await client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=account.headers,
    )
    assert fields(await client.post("/api/v1/auth/verify-email", json={"token": token})) == {"$.token"}
    assert (await me(client, account))["email"] == account.email


# --- in the owner's language --------------------------------------------------------------


async def test_account_mail_is_written_in_the_accounts_preferred_language(client: Client, run_worker: Any) -> None:
    german = await register(client, verified=False, preferred_language="de-DE")
    [verification] = await mails(client, german.email, "email_verification")
    assert verification["language"] == "de"
    await client.patch("/api/v1/me", json={"preferred_language": "pl"}, headers=german.headers)
    await ask_password_reset(client, german.email, run_worker)
    [reset] = await mails(client, german.email, "password_reset")
    assert reset["language"] == "pl"
    slovene = await register(client, verified=False, preferred_language="sl")
    [fallback] = await mails(client, slovene.email, "email_verification")
    assert fallback["language"] == "en"
