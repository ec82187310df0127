"""People told what concerns them: each marketplace event, driven through the API and the worker,
reaches the organisations and hubs it is about (in the app, and by mail where an address is the
audience) — and nobody else."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from kernel.db import transaction
from kernel.outbox import OutboxEvent, emit, topic_of
from marketplace.compliance.jobs import announce_validity_changes, flag_expiring_credentials
from marketplace.events import (
    CredentialExpired,
    CredentialExpiring,
    CredentialRejected,
    CredentialVerified,
    DisputeMessagePosted,
    DisputeOpened,
    DisputeResolved,
    InclusionVerificationChanged,
    InvitationSent,
    InvoiceIssued,
    InvoiceOverdue,
    InvoicePaid,
    OrderPlaced,
    OrderStatusChanged,
    OrganizationAdmitted,
    OrganizationApplied,
    OrganizationRejected,
    RegistrationAttemptedForExistingAccount,
    TransferSent,
)
from marketplace.identity.models import User
from marketplace.mail.models import OutgoingMail
from marketplace.notification.models import Notification
from marketplace.notification.subscribers import TELLERS
from marketplace.payment.jobs import announce_overdue_invoices
from marketplace.payment.models import CardTransfer, MoveStatus
from tests.factories.compliance import days, submit_credential, verified_credential
from tests.factories.identity import PASSWORD, Account, register
from tests.factories.order import Market, build_market, place
from tests.factories.organization import admitted_organization, create_hub, create_organization, platform_admin

Client = AsyncTestClient[Any]

#: Every event somebody is told of, and the kinds of message it makes (a new teller without a case
#: here fails `test_nobody_outside_an_event_is_told_of_it_whatever_its_kind`).
COVERED: dict[type[Any], set[str]] = {
    InvitationSent: {"invitation"},
    RegistrationAttemptedForExistingAccount: {"registration_attempted"},
    OrganizationApplied: {"membership_applied"},
    OrganizationAdmitted: {"membership_admitted"},
    OrganizationRejected: {"membership_rejected"},
    InclusionVerificationChanged: {"inclusion_verified", "inclusion_withdrawn"},
    CredentialVerified: {"credential_verified"},
    CredentialRejected: {"credential_rejected"},
    CredentialExpiring: {"credential_expiring"},
    CredentialExpired: {"credential_expired"},
    OrderPlaced: {"order_placed"},
    OrderStatusChanged: {
        "order_accepted",
        "order_rejected",
        "order_shipped",
        "order_delivered",
        "order_cancelled",
        "order_paid",
    },
    TransferSent: {"transfer_sent"},
    InvoiceIssued: {"invoice_issued"},
    InvoiceOverdue: {"invoice_overdue"},
    InvoicePaid: {"invoice_paid"},
    DisputeOpened: {"dispute_opened"},
    DisputeMessagePosted: {"dispute_message"},
    DisputeResolved: {"dispute_resolved"},
}


@dataclass(frozen=True)
class World:
    """A hub's market (`m`: a coordinator, two producers, a buyer) and, for the outsiders, a second
    hub with a coordinator and an admitted organisation of its own."""

    m: Market
    far_hub: dict[str, Any]
    far_coordinator: Account
    far_member: Account

    @property
    def outsiders(self) -> dict[str, Account]:
        return {
            "a member of another organisation of the same hub": self.m.cheese_maker,
            "a member of an organisation of another hub": self.far_member,
            "a coordinator of another hub": self.far_coordinator,
        }


@pytest.fixture
async def world(client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> World:
    m = await build_market(client, sessions, settings)
    admin = await platform_admin(client, sessions, settings)
    far_coordinator, far_member = await register(client), await register(client)
    far_hub = await create_hub(client, admin, [far_coordinator])
    await admitted_organization(client, far_hub, far_member, far_coordinator, municipality="Lubań")
    return World(m=m, far_hub=far_hub, far_coordinator=far_coordinator, far_member=far_member)


# --- reading what people were told --------------------------------------------------------------


async def inbox(client: Client, account: Account, kind: str | None = None) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/me/notifications", params={"per_page": 100}, headers=account.headers)
    assert response.status_code == 200, response.text
    return [item for item in response.json()["items"] if kind is None or item["kind"] == kind]


async def told(client: Client, account: Account, kind: str) -> dict[str, Any]:
    """The one notification of `kind` the account has."""
    found = await inbox(client, account, kind)
    assert len(found) == 1, (kind, [item["kind"] for item in await inbox(client, account)])
    return found[0]


async def kinds(client: Client, account: Account) -> set[str]:
    return {item["kind"] for item in await inbox(client, account)}


async def mailbox(client: Client, address: str, kind: str | None = None) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/demo/mailbox", params={"to": address})
    assert response.status_code == 200, response.text
    return [mail for mail in response.json() if kind is None or mail["kind"] == kind]


def path_of(link: str) -> str:
    return urlsplit(link).path


async def post(client: Client, account: Account, url: str, body: Any = None, status: int = 200) -> Any:
    response = await client.post(url, json=body, headers=account.headers)
    assert response.status_code == status, response.text
    return response.json()


async def move(client: Client, account: Account, order: dict[str, Any], action: str, note: str | None = None) -> Any:
    return await post(client, account, f"/api/v1/orders/{order['id']}/{action}", {"note": note} if note else None)


async def honey_order(client: Client, m: Market, quantity: str = "2.5") -> dict[str, Any]:
    """An order of honey from producer A, paid by invoice on the hub's terms."""
    [order] = (await place(client, m.buyer, m.checkout((m.honey, quantity))))["orders"]
    return order


def reference(order: dict[str, Any]) -> str:
    return uuid.UUID(order["id"]).hex[-8:].upper()


# --- orders -------------------------------------------------------------------------------------


async def test_the_producer_is_told_of_an_order_and_the_buyer_of_each_move_the_producer_makes(
    client: Client, world: World, run_worker: Any
) -> None:
    m = world.m
    order = await honey_order(client, m)
    await run_worker()
    placed = await told(client, m.honey_maker, "order_placed")
    assert reference(order) in placed["subject"]
    assert m.buyer_org["legal_name"] in placed["subject"]
    assert "PLN" in placed["subject"]  # the total, as money
    assert "2.5 kg Lindenhonig" in placed["body"]  # the quantity by its unit's name, the title in the buyer's language
    assert path_of(placed["link"]) == f"/orders/{order['id']}"
    assert "order_placed" not in await kinds(client, m.buyer)

    await move(client, m.honey_maker, order, "accept")
    await move(client, m.honey_maker, order, "ship", note="DHL 00340434161094042557")
    await run_worker()
    accepted = await told(client, m.buyer, "order_accepted")
    assert reference(order) in accepted["subject"]
    assert path_of(accepted["link"]) == f"/orders/{order['id']}"
    shipped = await told(client, m.buyer, "order_shipped")
    assert "DHL 00340434161094042557" in shipped["body"]
    assert not {"order_accepted", "order_shipped"} & await kinds(client, m.honey_maker)


async def test_a_delivery_is_told_to_the_side_that_did_not_confirm_it(
    client: Client, world: World, run_worker: Any
) -> None:
    m = world.m
    by_buyer, by_producer = await honey_order(client, m), await honey_order(client, m)
    for order in (by_buyer, by_producer):
        await move(client, m.honey_maker, order, "accept")
        await move(client, m.honey_maker, order, "ship")
    await move(client, m.buyer, by_buyer, "deliver")
    await move(client, m.honey_maker, by_producer, "deliver")
    await run_worker()
    [producer_told] = await inbox(client, m.honey_maker, "order_delivered")
    assert reference(by_buyer) in producer_told["subject"]
    [buyer_told] = await inbox(client, m.buyer, "order_delivered")
    assert reference(by_producer) in buyer_told["subject"]
    assert "dispute" in buyer_told["body"]


async def test_a_cancellation_is_told_to_the_other_side_and_to_both_when_a_coordinator_cancels(
    client: Client, world: World, run_worker: Any
) -> None:
    m = world.m
    by_buyer, by_coordinator = await honey_order(client, m), await honey_order(client, m)
    await move(client, m.buyer, by_buyer, "cancel", note="Ordered twice by mistake")
    await move(client, m.coordinator, by_coordinator, "cancel", note="The market day was called off")
    await run_worker()
    producer_told = {item["link"]: item for item in await inbox(client, m.honey_maker, "order_cancelled")}
    buyer_told = await inbox(client, m.buyer, "order_cancelled")
    assert {path_of(link) for link in producer_told} == {f"/orders/{by_buyer['id']}", f"/orders/{by_coordinator['id']}"}
    assert [path_of(item["link"]) for item in buyer_told] == [f"/orders/{by_coordinator['id']}"]
    cancelled_by_buyer = next(item for item in producer_told.values() if reference(by_buyer) in item["subject"])
    assert f"{m.buyer_org['legal_name']} cancelled" in cancelled_by_buyer["body"]
    assert "Ordered twice by mistake" in cancelled_by_buyer["body"]
    assert await inbox(client, m.coordinator, "order_cancelled") == []


async def test_a_rejection_tells_the_buyer_why(client: Client, world: World, run_worker: Any) -> None:
    m = world.m
    order = await honey_order(client, m)
    await move(client, m.honey_maker, order, "reject", note="The lindens did not flower this year")
    await run_worker()
    rejected = await told(client, m.buyer, "order_rejected")
    assert m.producer_a["legal_name"] in rejected["subject"]
    assert "The lindens did not flower this year" in rejected["body"]


# --- invoices -----------------------------------------------------------------------------------


async def test_an_invoice_is_told_to_the_buyer_when_issued_and_once_when_overdue_and_to_the_producer_when_paid(
    client: Client, world: World, sessions: async_sessionmaker[AsyncSession], run_worker: Any
) -> None:
    m = world.m
    unpaid, paid = await honey_order(client, m), await honey_order(client, m)
    await run_worker()
    issued = await inbox(client, m.buyer, "invoice_issued")
    assert {path_of(item["link"]) for item in issued} == {
        f"/invoices/{unpaid['invoice']['id']}",
        f"/invoices/{paid['invoice']['id']}",
    }
    assert any(unpaid["invoice"]["number"] in item["subject"] for item in issued)
    assert "invoice_issued" not in await kinds(client, m.honey_maker)

    await post(client, m.honey_maker, f"/api/v1/invoices/{paid['invoice']['id']}/mark-paid", {})
    with clock.travel(dt.timedelta(days=31)):
        for _ in range(2):  # the job runs again: nobody is told twice
            async with transaction(sessions) as session:
                await announce_overdue_invoices(session)
    await run_worker()
    overdue = await told(client, m.buyer, "invoice_overdue")
    assert unpaid["invoice"]["number"] in overdue["subject"]
    assert path_of(overdue["link"]) == f"/invoices/{unpaid['invoice']['id']}"
    paid_notice = await told(client, m.honey_maker, "invoice_paid")
    assert paid["invoice"]["number"] in paid_notice["subject"]
    assert "invoice_overdue" not in await kinds(client, m.honey_maker)


# --- disputes -----------------------------------------------------------------------------------


async def delivered(client: Client, m: Market) -> dict[str, Any]:
    order = await honey_order(client, m)
    for account, action in ((m.honey_maker, "accept"), (m.honey_maker, "ship"), (m.buyer, "deliver")):
        await move(client, account, order, action)
    return order


async def test_a_dispute_is_told_to_the_producer_and_the_coordinators_then_each_message_to_the_others(
    client: Client, world: World, run_worker: Any
) -> None:
    m = world.m
    order = await delivered(client, m)
    url = f"/api/v1/orders/{order['id']}/dispute"
    dispute = await post(
        client, m.buyer, url, {"reason": "damaged", "message": "Three jars arrived broken."}, status=201
    )
    await run_worker()
    for account in (m.honey_maker, m.coordinator):
        opened = await told(client, account, "dispute_opened")
        assert reference(order) in opened["subject"]
        assert "the goods arrived damaged" in opened["body"]
        assert path_of(opened["link"]) == f"/disputes/{dispute['id']}"
    assert "dispute_opened" not in await kinds(client, m.buyer)

    await post(client, m.honey_maker, f"{url}/messages", {"message": "They left us whole."}, status=201)
    await run_worker()
    for account in (m.buyer, m.coordinator):
        message = await told(client, account, "dispute_message")
        assert "They left us whole." in message["body"]
    assert "dispute_message" not in await kinds(client, m.honey_maker)

    await post(client, m.coordinator, f"{url}/messages", {"message": "Please send photos."}, status=201)
    await post(
        client,
        m.coordinator,
        f"{url}/resolve",
        {"outcome": "partial_refund", "refund_minor": 3000, "note": "Three jars refunded."},
    )
    await run_worker()
    assert len(await inbox(client, m.honey_maker, "dispute_message")) == 1  # the coordinator's
    assert len(await inbox(client, m.coordinator, "dispute_message")) == 1  # not their own
    for account in (m.buyer, m.honey_maker):
        resolved = await told(client, account, "dispute_resolved")
        assert "30.00" in resolved["body"]
    assert "dispute_resolved" not in await kinds(client, m.coordinator)


# --- hubs, inclusion and credentials ------------------------------------------------------------


async def test_coordinators_are_told_of_an_application_and_the_applicant_of_the_decision(
    client: Client, world: World, run_worker: Any
) -> None:
    m = world.m
    applicant = await register(client)
    organization = await create_organization(client, applicant, legal_name="Pasieka Nad Nysą")
    hub_url = f"/api/v1/hubs/{m.hub['id']}/memberships"
    await post(client, applicant, hub_url, {"organization_id": organization["id"]}, status=201)
    await run_worker()
    [applied] = [
        item for item in await inbox(client, m.coordinator, "membership_applied") if "Pasieka" in item["subject"]
    ]
    assert applied["subject"] == f"Pasieka Nad Nysą asks to join {m.hub['name']}"
    assert path_of(applied["link"]) == f"/hubs/{m.hub['id']}/organizations"
    await post(client, m.coordinator, f"{hub_url}/{organization['id']}/reject", {"note": "Registration unclear"})
    await run_worker()
    rejected = await told(client, applicant, "membership_rejected")
    assert path_of(rejected["link"]) == f"/organizations/{organization['id']}"
    assert not [item for item in await inbox(client, world.far_coordinator) if "Pasieka" in item["subject"]]


async def member_of(client: Client, owner: Account, organization: dict[str, Any]) -> Account:
    """A new account that joined `organization` as a plain member, through an invitation."""
    member = await register(client)
    issued = await post(
        client, owner, f"/api/v1/organizations/{organization['id']}/invitations", {"email": member.email}, status=201
    )
    await post(
        client,
        member,
        f"/api/v1/invitations/{issued['invitation']['id']}/accept",
        {"token": issued["accept_token"]},
    )
    return member


async def test_inclusion_verified_is_told_to_every_member_and_its_withdrawal_to_admins_only(
    client: Client, world: World, run_worker: Any
) -> None:
    m = world.m
    member = await member_of(client, m.honey_maker, m.producer_a)
    org_url = f"/api/v1/organizations/{m.producer_a['id']}"
    assert (
        await client.put(f"{org_url}/inclusion", json={"women_led": True}, headers=m.honey_maker.headers)
    ).is_success
    verify_url = f"/api/v1/hubs/{m.hub['id']}/organizations/{m.producer_a['id']}/inclusion/women_led"
    for verified in (True, False):
        answer = await client.put(verify_url, json={"verified": verified}, headers=m.coordinator.headers)
        assert answer.status_code == 200, answer.text
    await run_worker()
    for account in (m.honey_maker, member):
        verified_notice = await told(client, account, "inclusion_verified")
        assert "women-led" in verified_notice["subject"]
        assert path_of(verified_notice["link"]) == f"/organizations/{m.producer_a['id']}"
    assert "women-led" in (await told(client, m.honey_maker, "inclusion_withdrawn"))["subject"]
    assert "inclusion_withdrawn" not in await kinds(client, member)


async def test_credential_decisions_and_expiry_are_told_to_the_organisations_admins_only(
    client: Client, world: World, sessions: async_sessionmaker[AsyncSession], run_worker: Any
) -> None:
    m = world.m
    member = await member_of(client, m.honey_maker, m.producer_a)
    expiring = await verified_credential(
        client, m.hub, m.honey_maker, m.coordinator, m.producer_a, valid_until=days(20)
    )
    last_day = await verified_credential(
        client, m.hub, m.honey_maker, m.coordinator, m.producer_a, credential_type="food_safety", valid_until=days(0)
    )
    refused = await submit_credential(client, m.honey_maker, m.producer_a, credential_type="export_licence")
    await post(
        client,
        m.coordinator,
        f"/api/v1/hubs/{m.hub['id']}/credentials/{refused['id']}/reject",
        {"reason": "The scan is unreadable"},
    )
    async with transaction(sessions) as session:
        await flag_expiring_credentials(session)
    with clock.travel(dt.timedelta(days=1)):
        async with transaction(sessions) as session:
            await announce_validity_changes(session)
    await run_worker()

    verified = await inbox(client, m.honey_maker, "credential_verified")
    assert {item["subject"] for item in verified} >= {f"Your organic credential {expiring['number']} is verified"}
    assert all(path_of(item["link"]) == f"/organizations/{m.producer_a['id']}/credentials" for item in verified)
    rejected = await told(client, m.honey_maker, "credential_rejected")
    assert "The scan is unreadable" in rejected["body"]
    assert "export licence" in rejected["subject"]
    soon = {item["subject"] for item in await inbox(client, m.honey_maker, "credential_expiring")}
    assert any("organic" in subject for subject in soon)
    expired = await told(client, m.honey_maker, "credential_expired")
    assert last_day["number"] in expired["subject"]
    assert not {kind for kind in await kinds(client, member) if kind.startswith("credential_")}


# --- mail to an address -------------------------------------------------------------------------


async def test_an_invitation_is_mailed_in_the_organisations_language_with_the_link_that_accepts_it(
    client: Client, world: World, run_worker: Any
) -> None:
    m = world.m
    url = f"/api/v1/organizations/{m.producer_a['id']}/invitations"
    issued = await post(client, m.honey_maker, url, {"email": "nowa.pszczelarka@example.org"}, status=201)
    german = await register(client, preferred_language="de")
    to_german = await post(client, m.honey_maker, url, {"email": german.email, "role": "admin"}, status=201)
    await run_worker()
    [mail] = await mailbox(client, "nowa.pszczelarka@example.org", "invitation")
    assert mail["language"] == "pl"  # the organisation's first language: the address has no account
    assert m.producer_a["legal_name"] in mail["subject"]
    link = next(word for word in mail["text"].split() if "/invitations/accept" in word)
    query = parse_qs(urlsplit(link).query)
    assert path_of(link) == "/invitations/accept"
    assert query == {"invitation": [issued["invitation"]["id"]], "token": [issued["accept_token"]]}
    [mail_to_german] = await mailbox(client, german.email, "invitation")
    assert mail_to_german["language"] == "de"  # the account's own language
    assert to_german["accept_token"] in mail_to_german["text"]


async def test_registering_with_a_taken_address_mails_its_owner_a_way_back_in(
    client: Client, world: World, run_worker: Any
) -> None:
    owner = world.m.buyer
    body = {"email": owner.email, "password": PASSWORD + "!", "full_name": "Somebody Else"}
    assert (await client.post("/api/v1/auth/register", json=body)).status_code == 202
    await run_worker()
    [mail] = await mailbox(client, owner.email, "registration_attempted")
    assert mail["subject"] == "Someone tried to register with your e-mail address"
    assert "http://127.0.0.1:8000/account/forgot-password" in mail["text"]
    assert "Somebody Else" not in mail["text"]  # greeted as the owner, not as whoever typed


async def test_registering_again_and_again_with_a_taken_address_mails_its_owner_once_a_day(
    client: Client, run_worker: Any
) -> None:
    owner = await register(client)
    body = {"email": owner.email, "password": PASSWORD + "!", "full_name": "Somebody Else"}
    noon = dt.datetime.combine(clock.today(), dt.time(12), tzinfo=dt.UTC)
    with clock.travel(noon - clock.now()):  # all of it well inside one UTC day
        for _ in range(3):
            assert (await client.post("/api/v1/auth/register", json=body)).status_code == 202
        await run_worker()
        assert len(await mailbox(client, owner.email, "registration_attempted")) == 1
        with clock.travel(dt.timedelta(days=1)):
            assert (await client.post("/api/v1/auth/register", json=body)).status_code == 202
            await run_worker()
    assert len(await mailbox(client, owner.email, "registration_attempted")) == 2


async def test_a_member_with_a_verified_address_gets_the_order_by_mail_too(
    client: Client, world: World, sessions: async_sessionmaker[AsyncSession], run_worker: Any
) -> None:
    m = world.m
    async with transaction(sessions) as session:
        await session.execute(update(User).where(User.id == m.honey_maker.id).values(email_verified_at=clock.now()))
    order = await honey_order(client, m)
    await run_worker()
    [mail] = await mailbox(client, m.honey_maker.email, "order_placed")
    assert reference(order) in mail["subject"]
    assert f"http://127.0.0.1:8000/orders/{order['id']}" in mail["text"]


# --- who is told ------------------------------------------------------------------------------


async def card_events(sessions: async_sessionmaker[AsyncSession], order: dict[str, Any]) -> None:
    """What Stripe's side would announce for `order` (a card order paid, its producer's share sent):
    the card tests drive these through the Stripe stub; here they only need to name a real order."""
    async with transaction(sessions) as session:
        session.add(
            CardTransfer(
                order_id=uuid.UUID(order["id"]),
                status=MoveStatus.made,
                attempts=1,
                stripe_transfer_id=f"tr_{uuid.uuid4().hex[:16]}",
                destination="acct_test",
                charge_currency="EUR",
                charge_amount_minor=3000,
                currency="EUR",
                share_minor=3000,
                fee_minor=75,
                amount_minor=2925,
                reversed_minor=0,
            )
        )
        await session.flush()
        ids = {key: uuid.UUID(order[key]) for key in ("buyer_organization_id", "producer_organization_id", "hub_id")}
        await emit(
            session,
            OrderStatusChanged(order_id=uuid.UUID(order["id"]), from_status="pending_payment", to_status="paid", **ids),
        )
        await emit(
            session,
            TransferSent(order_id=uuid.UUID(order["id"]), producer_organization_id=ids["producer_organization_id"]),
        )


async def every_kind_of_event(client: Client, world: World, sessions: async_sessionmaker[AsyncSession]) -> None:
    """At least one event of each kind somebody is told of, about the first hub's organisations."""
    m = world.m
    # Invitations, and a registration with a taken address.
    await post(
        client,
        m.honey_maker,
        f"/api/v1/organizations/{m.producer_a['id']}/invitations",
        {"email": "invited@example.org"},
        status=201,
    )
    body = {"email": m.buyer.email, "password": PASSWORD, "full_name": "Test User"}
    assert (await client.post("/api/v1/auth/register", json=body)).status_code == 202
    # Applications, admitted and rejected.
    newcomer = await register(client)
    await admitted_organization(client, m.hub, newcomer, m.coordinator, municipality="Bogatynia")
    refused = await create_organization(client, newcomer, municipality="Zawidów")
    hub_url = f"/api/v1/hubs/{m.hub['id']}/memberships"
    await post(client, newcomer, hub_url, {"organization_id": refused["id"]}, status=201)
    await post(client, m.coordinator, f"{hub_url}/{refused['id']}/reject", {"note": "Outside our towns"})
    # Inclusion verified and withdrawn.
    org_url = f"/api/v1/organizations/{m.producer_a['id']}"
    assert (
        await client.put(f"{org_url}/inclusion", json={"cooperative": True}, headers=m.honey_maker.headers)
    ).is_success
    verify_url = f"/api/v1/hubs/{m.hub['id']}/organizations/{m.producer_a['id']}/inclusion/cooperative"
    for verified in (True, False):
        assert (await client.put(verify_url, json={"verified": verified}, headers=m.coordinator.headers)).is_success
    # Credentials: verified, rejected, expiring, expired.
    await verified_credential(client, m.hub, m.honey_maker, m.coordinator, m.producer_a, valid_until=days(0))
    refused_credential = await submit_credential(client, m.honey_maker, m.producer_a, credential_type="trade_permit")
    await post(
        client,
        m.coordinator,
        f"/api/v1/hubs/{m.hub['id']}/credentials/{refused_credential['id']}/reject",
        {"reason": "Expired stamp"},
    )
    async with transaction(sessions) as session:
        await flag_expiring_credentials(session)
    with clock.travel(dt.timedelta(days=1)):
        async with transaction(sessions) as session:
            await announce_validity_changes(session)
    # Orders: every move the other side hears of; invoices issued, paid and overdue; a dispute.
    disputed, rejected, cancelled, overdue = [await honey_order(client, m) for _ in range(4)]
    for account, action in ((m.honey_maker, "accept"), (m.honey_maker, "ship"), (m.honey_maker, "deliver")):
        await move(client, account, disputed, action)
    await post(client, m.honey_maker, f"/api/v1/invoices/{disputed['invoice']['id']}/mark-paid", {})
    await move(client, m.honey_maker, rejected, "reject", note="Sold out")
    await move(client, m.buyer, cancelled, "cancel")
    url = f"/api/v1/orders/{disputed['id']}/dispute"
    await post(client, m.buyer, url, {"reason": "late", "message": "A week late."}, status=201)
    await post(client, m.honey_maker, f"{url}/messages", {"message": "The road was closed."}, status=201)
    await post(client, m.coordinator, f"{url}/resolve", {"outcome": "rejected", "note": "Force majeure."})
    with clock.travel(dt.timedelta(days=31)):
        async with transaction(sessions) as session:
            await announce_overdue_invoices(session)
    await card_events(sessions, overdue)


async def test_nobody_outside_an_event_is_told_of_it_whatever_its_kind(
    client: Client, world: World, sessions: async_sessionmaker[AsyncSession], run_worker: Any
) -> None:
    assert set(TELLERS) == set(COVERED), "each event somebody is told of needs its case here"
    await run_worker()
    before = {name: len(await inbox(client, account)) for name, account in world.outsiders.items()}
    mail_before = {name: len(await mailbox(client, account.email)) for name, account in world.outsiders.items()}
    started = clock.now()

    await every_kind_of_event(client, world, sessions)
    await run_worker()

    async with transaction(sessions) as session:
        topics = set(await session.scalars(select(OutboxEvent.topic).where(OutboxEvent.occurred_at >= started)))
        written = set(await session.scalars(select(Notification.kind).where(Notification.created_at >= started)))
        mailed = set(await session.scalars(select(OutgoingMail.kind).where(OutgoingMail.created_at >= started)))
    assert {topic_of(event) for event in COVERED} <= topics, "every kind of event happened"
    assert set().union(*COVERED.values()) <= written | mailed, "and each told somebody"
    for name, account in world.outsiders.items():
        assert len(await inbox(client, account)) == before[name], f"{name} was told something"
        assert len(await mailbox(client, account.email)) == mail_before[name], f"{name} was mailed something"
    assert await inbox(client, world.m.honey_maker)  # the insiders were told
