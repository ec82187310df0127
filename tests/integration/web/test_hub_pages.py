"""The hub coordinator's pages: the hubs one coordinates, the hub's work queue (applicants,
declarations, credentials, disputes, pools closing soon, tenders past their deadline) and its
organisations, where a coordinator admits or turns an applicant away, verifies a declaration with the
evidence seen (or refuses it) and checks a credential with its document; what anyone else finds."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import Engine, update
from sqlalchemy import event as sql_event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel.db import transaction
from marketplace.identity.models import User
from tests.factories.compliance import PDF, upload_credential
from tests.factories.identity import PASSWORD, Account, register
from tests.factories.order import build_market, place
from tests.factories.organization import admitted_organization, create_hub, create_organization, platform_admin
from tests.factories.procurement import (
    bid,
    bid_body,
    build_procurement,
    closed_pool,
    open_pool,
    pass_deadline,
    published_tender,
)
from tests.integration.marketplace.card.support import (
    card_checkout,
    onboard,
    post_connect_event,
    start_payment,
    succeed,
)
from tests.integration.web.pages import csrf_of, sign_in_page, submit
from tests.stripe_stub import StripeStub, event

Client = AsyncTestClient[Litestar]
HERBS = "Zioła Zielińska"
EVIDENCE = "KRS extract of 2 March: the two owners are women"


@dataclass(frozen=True)
class World:
    hub: dict[str, Any]
    coordinator: Account
    owner: Account
    organization: dict[str, Any]
    credential: dict[str, Any]

    @property
    def home(self) -> str:
        return f"/hubs/{self.hub['id']}"

    @property
    def page(self) -> str:
        return f"{self.home}/organizations/{self.organization['id']}"


@pytest.fixture
async def world(client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> World:
    """A hub with its coordinator; a herb grower that declared itself women-led, recorded its organic
    certificate (a PDF) and applied to the hub."""
    admin = await platform_admin(client, sessions, settings)
    coordinator, owner = await register(client), await register(client)
    hub = await create_hub(client, admin, [coordinator])
    organization = await create_organization(client, owner, legal_name=HERBS, inclusion={"women_led": True})
    uploaded = await upload_credential(client, owner, organization, issuer="PL-EKO-07")
    assert uploaded.status_code == 201, uploaded.text
    applied = await client.post(
        f"/api/v1/hubs/{hub['id']}/memberships", json={"organization_id": organization["id"]}, headers=owner.headers
    )
    assert applied.status_code == 201, applied.text
    return World(hub, coordinator, owner, organization, uploaded.json())


async def signed_in(client: Client, account: Account) -> None:
    client.cookies.clear()
    answered = await sign_in_page(client, account.email, PASSWORD)
    assert answered.status_code == 303, answered.text


def group(html: str, key: str) -> str:
    """The queue's group `key` (its section), or "" when the queue does not show it."""
    found = re.search(rf'<section aria-labelledby="queue-{key}".*?</section>', html, re.S)
    return found.group(0) if found else ""


async def admit(client: Client, w: World) -> None:
    admitted = await submit(client, w.page, f"{w.page}/admit", {})
    assert admitted.status_code == 303, admitted.text
    assert admitted.headers["location"] == f"{w.page}?notice=organization-admitted"


async def test_the_queue_lists_the_applicant_then_its_declaration_and_credential_by_name_once_admitted(
    client: Client, world: World
) -> None:
    w = world
    await signed_in(client, w.coordinator)
    hubs = await client.get("/hubs", follow_redirects=False)
    assert (hubs.status_code, hubs.headers["location"]) == (303, w.home)  # one hub: straight to it

    queue = (await client.get(w.home)).text
    applicants = group(queue, "applications")
    assert "Organisations waiting for admission" in applicants
    assert f'<a href="{w.page}">{HERBS}</a>' in applicants
    assert "Producer in Zgorzelec, Dolnośląskie, Poland" in applicants  # the region by name, not PL-02
    assert group(queue, "declarations") == ""  # declarations and credentials are checked once admitted

    await admit(client, w)
    admitted = await client.get(f"{w.page}?notice=organization-admitted")
    assert "The organisation is admitted. Its members are told." in admitted.text
    queue = (await client.get(w.home)).text
    assert group(queue, "applications") == ""
    declarations = group(queue, "declarations")
    assert f'<a href="{w.page}#inclusion-women_led">{HERBS}</a>' in declarations
    assert "Declared: Women-led" in declarations
    credentials = group(queue, "credentials")
    assert f'<a href="{w.page}#credential-{w.credential["id"]}">Organic certificate of {HERBS}</a>' in credentials
    assert w.credential["number"] in credentials


async def test_verifying_the_declaration_with_evidence_and_rejecting_the_credential_with_a_reason_empty_the_queue(
    client: Client, world: World
) -> None:
    w = world
    await signed_in(client, w.coordinator)
    await admit(client, w)

    action = f"{w.page}/inclusion/women_led/verify"
    unsaid = await submit(client, w.page, action, {"evidence-women_led": " "})
    assert unsaid.status_code == 422
    assert "Please say what evidence you saw." in unsaid.text
    assert 'id="f-evidence-women_led"' in unsaid.text
    assert 'aria-invalid="true"' in unsaid.text
    verified = await submit(client, w.page, action, {"evidence-women_led": EVIDENCE})
    assert verified.status_code == 303, verified.text
    shown = (await client.get(w.page)).text
    assert f"Evidence seen: {EVIDENCE}" in shown
    assert "Verified by" in shown
    assert group((await client.get(w.home)).text, "declarations") == ""

    credential_id = w.credential["id"]
    reject = f"{w.page}/credentials/{credential_id}/reject"
    unsaid = await submit(client, w.page, reject, {f"reason-{credential_id}": ""})
    assert unsaid.status_code == 422
    assert "Please say why." in unsaid.text
    assert f'id="f-reason-{credential_id}"' in unsaid.text
    rejected = await submit(client, w.page, reject, {f"reason-{credential_id}": "The scan is unreadable"})
    assert (rejected.status_code, rejected.headers["location"]) == (303, f"{w.page}?notice=credential-rejected")
    assert "Not accepted by" in (await client.get(w.page)).text

    queue = (await client.get(w.home)).text
    assert "Nothing waits for a decision" in queue
    api = await client.get(f"/api/v1/organizations/{w.organization['id']}", headers=w.owner.headers)
    assert api.json()["inclusion"]["women_led"]["evidence"] == EVIDENCE


async def test_a_refused_declaration_and_a_verified_credential_leave_the_queue(client: Client, world: World) -> None:
    w = world
    await signed_in(client, w.coordinator)
    await admit(client, w)
    refused = await submit(
        client, w.page, f"{w.page}/inclusion/women_led/refuse", {"reason-women_led": "No document names the owners"}
    )
    assert (refused.status_code, refused.headers["location"]) == (303, f"{w.page}?notice=inclusion-refused")
    assert "Refused by this hub: No document names the owners" in (await client.get(w.page)).text
    verified = await submit(client, w.page, f"{w.page}/credentials/{w.credential['id']}/verify", {})
    assert verified.status_code == 303, verified.text

    queue = (await client.get(w.home)).text
    assert group(queue, "declarations") == ""
    assert group(queue, "credentials") == ""
    # The organisation declares again: the hub looks at it afresh.
    for declared in (False, True):
        answered = await client.put(
            f"/api/v1/organizations/{w.organization['id']}/inclusion",
            json={"women_led": declared},
            headers=w.owner.headers,
        )
        assert answered.status_code == 200, answered.text
    assert HERBS in group((await client.get(w.home)).text, "declarations")


async def test_turning_an_application_down_needs_a_reason_and_takes_it_off_the_queue(
    client: Client, world: World
) -> None:
    w = world
    await signed_in(client, w.coordinator)
    unsaid = await submit(client, w.page, f"{w.page}/reject", {"note": ""})
    assert unsaid.status_code == 422
    assert "Please say why." in unsaid.text
    assert 'id="f-note"' in unsaid.text
    assert 'href="#f-note"' in unsaid.text
    assert HERBS in group((await client.get(w.home)).text, "applications")  # nothing was decided

    rejected = await submit(client, w.page, f"{w.page}/reject", {"note": "Registration papers missing"})
    assert (rejected.status_code, rejected.headers["location"]) == (303, f"{w.page}?notice=organization-rejected")
    assert group((await client.get(w.home)).text, "applications") == ""
    turned_away = (await client.get(f"{w.home}/organizations?status=rejected")).text
    assert HERBS in turned_away
    assert "Registration papers missing" in (await client.get(w.page)).text
    waiting = (await client.get(f"{w.home}/organizations")).text
    assert "No organisation is waiting for admission." in waiting


async def test_the_organisations_tabs_show_kind_place_and_declared_against_verified_attributes(
    client: Client, world: World
) -> None:
    w = world
    await signed_in(client, w.coordinator)
    waiting = (await client.get(f"{w.home}/organizations")).text
    assert f'<a href="{w.page}">{HERBS}</a>' in waiting
    assert "Producer" in waiting
    assert "Zgorzelec, Dolnośląskie, Poland" in waiting
    assert "Women-led: declared, not verified" in waiting
    await admit(client, w)
    await submit(client, w.page, f"{w.page}/inclusion/women_led/verify", {"evidence-women_led": EVIDENCE})
    admitted = (await client.get(f"{w.home}/organizations?status=admitted")).text
    assert "Women-led: verified" in admitted


async def test_the_coordinator_opens_the_credential_document_and_a_member_of_another_organisation_cannot(
    client: Client, world: World
) -> None:
    w = world
    document = f"{w.page}/credentials/{w.credential['id']}/document"
    await signed_in(client, w.coordinator)
    assert f'href="{document}"' in (await client.get(w.page)).text
    opened = await client.get(document)
    assert opened.status_code == 200
    assert (opened.headers["content-type"], opened.content) == ("application/pdf", PDF)

    client.cookies.clear()
    stranger = await register(client)
    await create_organization(client, stranger)
    await signed_in(client, stranger)
    refused = await client.get(document)
    assert refused.status_code == 403
    assert "Not allowed" in refused.text
    assert "%PDF" not in refused.text
    producer_side = await client.get(f"/organizations/{w.organization['id']}/credentials/{w.credential['id']}/document")
    assert producer_side.status_code == 404


async def test_every_coordinator_page_is_not_allowed_to_others_and_not_found_for_an_unknown_hub(
    client: Client, world: World
) -> None:
    w = world
    await signed_in(client, w.owner)
    nobody = await client.get("/hubs")
    assert nobody.status_code == 200
    assert "You coordinate no hub." in nobody.text
    for path in (w.home, f"{w.home}/organizations", w.page, f"{w.page}/credentials/{w.credential['id']}/document"):
        answered = await client.get(path)
        assert answered.status_code == 403, path
        assert "Not allowed" in answered.text
    token = csrf_of((await client.get("/hubs")).text)
    for action in ("admit", "reject", "inclusion/women_led/verify", f"credentials/{w.credential['id']}/verify"):
        posted = await client.post(f"{w.page}/{action}", data={"_csrf_token": token, "note": "x"})
        assert posted.status_code == 403, action
    member = await client.get(f"/api/v1/hubs/{w.hub['id']}/memberships", headers=w.owner.headers)
    assert member.status_code == 403

    await signed_in(client, w.coordinator)
    unknown = await client.get(f"/hubs/{uuid.uuid4()}")
    assert unknown.status_code == 404
    assert "Not found" in unknown.text
    never_applied = await client.get(f"{w.home}/organizations/{uuid.uuid4()}")
    assert never_applied.status_code == 404


async def test_a_credential_of_another_organisation_of_the_hub_is_not_found_through_this_organisations_page(
    client: Client, world: World
) -> None:
    w = world
    await signed_in(client, w.coordinator)
    await admit(client, w)
    other = await admitted_organization(client, w.hub, w.owner, w.coordinator)
    theirs = (await upload_credential(client, w.owner, other)).json()
    for action, form in (("verify", {}), ("reject", {f"reason-{theirs['id']}": "Not in the register"})):
        answered = await submit(client, w.page, f"{w.page}/credentials/{theirs['id']}/{action}", form)
        assert answered.status_code == 404, action
        assert "Not found" in answered.text
    seen = await client.get(f"/api/v1/organizations/{other['id']}/credentials/{theirs['id']}", headers=w.owner.headers)
    assert (seen.json()["status"], seen.json()["decided_by_hub_id"]) == ("submitted", None)
    # Through its own organisation's page the same credential is decided.
    theirs_page = f"{w.home}/organizations/{other['id']}"
    verified = await submit(client, theirs_page, f"{theirs_page}/credentials/{theirs['id']}/verify", {})
    assert verified.status_code == 303, verified.text


async def test_someone_who_does_not_coordinate_the_hub_is_not_allowed_even_with_an_empty_reason(
    client: Client, world: World
) -> None:
    w = world
    await signed_in(client, w.coordinator)
    await admit(client, w)
    await signed_in(client, w.owner)
    token = csrf_of((await client.get("/hubs")).text)
    for action, field in (
        ("reject", "note"),
        ("inclusion/women_led/refuse", "reason-women_led"),
        (f"credentials/{w.credential['id']}/reject", f"reason-{w.credential['id']}"),
    ):
        posted = await client.post(f"{w.page}/{action}", data={"_csrf_token": token, field: ""})
        assert posted.status_code == 403, action
        assert "Not allowed" in posted.text
        assert "Please say why." not in posted.text


async def test_a_coordinator_whose_address_is_not_proven_is_told_to_prove_it_on_every_hub_page(
    client: Client, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    w = world
    async with transaction(sessions) as session:
        await session.execute(update(User).where(User.id == w.coordinator.id).values(email_verified_at=None))
    await signed_in(client, w.coordinator)
    for path in (w.home, f"{w.home}/organizations", w.page):
        answered = await client.get(path)
        assert answered.status_code == 403, path
        assert "Prove your e-mail address first" in answered.text, path
    token = csrf_of((await client.get("/")).text)
    posted = await client.post(f"{w.page}/admit", data={"_csrf_token": token})
    assert posted.status_code == 403
    assert "Prove your e-mail address first" in posted.text
    assert 'action="/account/verification-email"' in posted.text  # the way to a new link, above


async def test_the_organisations_list_shows_twenty_at_a_time_and_the_rest_on_the_next_page(
    client: Client, world: World
) -> None:
    w = world
    for number in range(1, 25):
        applicant = await create_organization(client, w.owner, legal_name=f"Applicant {number:02d}")
        applied = await client.post(
            f"/api/v1/hubs/{w.hub['id']}/memberships",
            json={"organization_id": applicant["id"]},
            headers=w.owner.headers,
        )
        assert applied.status_code == 201, applied.text
    await signed_in(client, w.coordinator)

    first = (await client.get(f"{w.home}/organizations")).text
    assert HERBS in first
    assert "Applicant 19" in first
    assert "Applicant 20" not in first
    assert 'class="pager"' in first
    assert "Page 1 of 2" in first
    assert f'href="{w.home}/organizations?status=pending&amp;page=2"' in first
    second = (await client.get(f"{w.home}/organizations?status=pending&page=2")).text
    assert [f"Applicant {n}" in second for n in range(20, 25)] == [True] * 5
    assert "Applicant 19" not in second
    assert HERBS not in second
    assert "Page 2 of 2" in second
    assert f'href="{w.home}/organizations?status=pending&amp;page=1"' in second
    # Each tab pages on its own: nobody is admitted yet.
    admitted = (await client.get(f"{w.home}/organizations?status=admitted&page=2")).text
    assert 'class="pager"' not in admitted


async def test_the_queue_lists_disputes_pools_closing_soon_and_tenders_past_their_deadline(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    home = f"/hubs/{m.hub['id']}"
    [order] = (await place(client, m.buyer, m.checkout((m.cheese, "10"))))["orders"]
    for account, action in ((m.cheese_maker, "accept"), (m.cheese_maker, "ship"), (m.buyer, "deliver")):
        assert (await client.post(f"/api/v1/orders/{order['id']}/{action}", headers=account.headers)).status_code == 200
    disputed = await client.post(
        f"/api/v1/orders/{order['id']}/dispute",
        json={"reason": "damaged", "message": "Two wheels arrived crushed."},
        headers=m.buyer.headers,
    )
    assert disputed.status_code == 201, disputed.text
    pool = await open_pool(client, p)
    tender = await published_tender(client, p, await closed_pool(client, p), deadline_in=2)
    await bid(client, m.honey_maker, tender, m.producer_a, bid_body(tender, ["10.00", "10.50"]))
    await pass_deadline(tender, sessions, settings)

    await signed_in(client, p.coordinator)
    queue = (await client.get(home)).text
    disputes = group(queue, "disputes")
    assert f'href="{home}/disputes/{disputed.json()["id"]}"' in disputes
    assert "Stadt Görlitz disputes an order of" in disputes
    assert "The goods arrived damaged." in disputes
    pools = group(queue, "pools")
    assert f'<a href="{home}/pools/{pool["id"]}"><span lang="de">Honig für Schulküchen</span></a>' in pools
    tenders = group(queue, "tenders")
    assert f'href="{home}/tenders/{tender["id"]}/award"' in tenders
    assert "evaluate them" in tenders
    assert group(queue, "awards") == ""

    evaluated = await client.post(f"/api/v1/tenders/{tender['id']}/evaluation", headers=p.coordinator.headers)
    assert evaluated.status_code == 200, evaluated.text
    queue = (await client.get(home)).text
    assert group(queue, "tenders") == ""
    assert f'href="{home}/tenders/{tender["id"]}/award"' in group(queue, "awards")


async def test_a_coordinator_of_several_hubs_chooses_one(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    m = await build_market(client, sessions, settings)
    admin = await platform_admin(client, sessions, settings)
    other = await create_hub(client, admin, [m.coordinator], name="Frankfurt (Oder)–Słubice")
    await signed_in(client, m.coordinator)
    listed = await client.get("/hubs")
    assert listed.status_code == 200
    assert f'<a href="/hubs/{other["id"]}">Frankfurt (Oder)–Słubice</a>' in listed.text
    assert f'href="/hubs/{m.hub["id"]}"' in listed.text
    assert "Sachsen, Germany; Dolnośląskie, Poland" in listed.text  # the hub's places by name


async def test_the_queue_lists_a_transfer_that_waits_with_the_producer_by_name_and_money_in_currency_units(
    card_client: Client,
    card_sessions: async_sessionmaker[AsyncSession],
    stub: StripeStub,
    settings: Settings,
    run_jobs: Callable[[], Awaitable[None]],
) -> None:
    m = await build_market(card_client, card_sessions, settings)
    honey_account = await onboard(card_client, stub, m.honey_maker, m.producer_a)
    checkout = await card_checkout(card_client, m, (m.honey, "20"))
    [honey_order] = checkout["orders"]
    payment = await start_payment(card_client, m, checkout)
    # Stripe restricts the producer's account before the money comes in: the transfer waits.
    stub.update(honey_account, capabilities={"transfers": "inactive"})
    restricted = event("account.updated", stub.objects[honey_account], account=honey_account)
    assert (await post_connect_event(card_client, restricted)).status_code == 200
    await succeed(card_client, stub, payment)
    await run_jobs()

    await signed_in(card_client, m.coordinator)
    payments = group((await card_client.get(f"/hubs/{m.hub['id']}")).text, "payments")
    assert f'<a href="/orders/{honey_order["id"]}">The transfer of ' in payments
    assert f"to {m.producer_a['legal_name']} waits" in payments
    assert "€" in payments
    assert str(honey_order["display_total"]["amount_minor"]) not in payments


async def test_the_queue_reads_each_group_once_however_many_items_wait(client: Client, world: World) -> None:
    w = world
    await signed_in(client, w.coordinator)
    await admit(client, w)
    before = await statements_of(client, w.home)
    second = await admitted_organization(client, w.hub, w.owner, w.coordinator, inclusion={"cooperative": True})
    await upload_credential(client, w.owner, second)
    applicant = await create_organization(client, w.owner)
    applied = await client.post(
        f"/api/v1/hubs/{w.hub['id']}/memberships", json={"organization_id": applicant["id"]}, headers=w.owner.headers
    )
    assert applied.status_code == 201, applied.text

    after = await statements_of(client, w.home)
    assert after == before
    assert group((await client.get(w.home)).text, "credentials").count("Organic certificate of") == 2


async def statements_of(client: Client, path: str) -> int:
    """How many SQL statements showing the page at `path` ran."""
    count = 0

    def counted(*_: object) -> None:
        nonlocal count
        count += 1

    sql_event.listen(Engine, "before_cursor_execute", counted)
    try:
        shown = await client.get(path)
    finally:
        sql_event.remove(Engine, "before_cursor_execute", counted)
    assert shown.status_code == 200, shown.text
    return count
