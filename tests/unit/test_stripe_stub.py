"""The Stripe stub answers the real `stripe` SDK as Stripe would, so card-payment tests can trust it."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal

import httpx
import pytest
import stripe
from stripe.params import PaymentIntentCreateParams, TransferCreateParams

from tests.stripe_stub import NO_TRANSFERS_CAPABILITY, StripeStub, convert, event, fixture, fixtures_path, sign

if not fixtures_path().is_file():
    pytest.skip(f"Stripe's fixture objects are not at {fixtures_path()}", allow_module_level=True)

SECRET_KEY = "sk_test_stub_unit"
WEBHOOK_SECRET = "whsec_test_stub_unit"


@pytest.fixture(autouse=True)
def _clean_database() -> None:
    """Replaces the suite's autouse fixture of the same name: nothing here touches the database."""


@pytest.fixture(scope="module")
def stub() -> Iterator[StripeStub]:
    with StripeStub() as server:
        yield server


@pytest.fixture
async def client(stub: StripeStub) -> AsyncIterator[stripe.StripeClient]:
    stub.reset()
    http_client = stripe.HTTPXClient()
    yield stripe.StripeClient(
        SECRET_KEY,
        http_client=http_client,
        base_addresses={"api": stub.url, "connect": stub.url},
        max_network_retries=0,
    )
    await http_client.close_async()  # type: ignore[no-untyped-call]  # the SDK leaves it unannotated


@pytest.fixture
def api(stub: StripeStub) -> Iterator[stripe.StripeClient]:
    """A synchronous client, for tests that read best as plain calls."""
    stub.reset()
    http_client = stripe.HTTPXClient(allow_sync_methods=True)
    yield stripe.StripeClient(
        SECRET_KEY,
        http_client=http_client,
        base_addresses={"api": stub.url, "connect": stub.url},
        max_network_retries=0,
    )
    http_client.close()  # type: ignore[no-untyped-call]  # the SDK leaves it unannotated


async def test_a_created_payment_intent_is_the_fixture_with_our_fields_and_the_request_is_recorded(
    client: stripe.StripeClient, stub: StripeStub
) -> None:
    params: PaymentIntentCreateParams = {
        "amount": 2599,
        "currency": "eur",
        "automatic_payment_methods": {"enabled": True},
        "metadata": {"checkout_id": "c-1"},
    }
    intent = await client.v1.payment_intents.create_async(params, {"idempotency_key": "payment-c-1"})

    assert intent.id.startswith("pi_")
    assert intent.id != fixture("payment_intent")["id"]
    assert (intent.amount, intent.currency, intent.metadata.to_dict()) == (2599, "eur", {"checkout_id": "c-1"})
    assert intent.automatic_payment_methods is not None
    assert intent.automatic_payment_methods.enabled is True
    assert (intent.status, intent.amount_received, intent.latest_charge) == ("requires_payment_method", 0, None)
    assert intent.client_secret is not None
    assert intent.client_secret.startswith(f"{intent.id}_secret_")
    assert intent.payment_method_types == fixture("payment_intent")["payment_method_types"]

    [sent] = stub.requests_to("POST", "/v1/payment_intents")
    assert sent.params == {
        "amount": "2599",
        "currency": "eur",
        "automatic_payment_methods": {"enabled": "true"},
        "metadata": {"checkout_id": "c-1"},
    }
    assert (sent.idempotency_key, sent.stripe_account) == ("payment-c-1", None)


async def test_a_retrieved_object_is_as_the_test_last_updated_it(client: stripe.StripeClient, stub: StripeStub) -> None:
    intent = await client.v1.payment_intents.create_async({"amount": 500, "currency": "pln"})
    stub.update(intent.id, status="succeeded", amount_received=500, latest_charge="ch_stub")

    read = await client.v1.payment_intents.retrieve_async(intent.id)

    assert (read.id, read.status, read.amount_received, read.latest_charge) == (intent.id, "succeeded", 500, "ch_stub")
    assert [r.path for r in stub.requests_to("GET", "/v1/payment_intents")] == [f"/v1/payment_intents/{intent.id}"]


async def test_a_repeated_idempotency_key_gets_the_first_answer_and_creates_nothing(
    client: stripe.StripeClient, stub: StripeStub
) -> None:
    params: TransferCreateParams = {"amount": 900, "currency": "eur", "destination": "acct_stub"}
    first = await client.v1.transfers.create_async(params, {"idempotency_key": "transfer-o-1"})
    again = await client.v1.transfers.create_async(params, {"idempotency_key": "transfer-o-1"})

    assert again.id == first.id
    assert [obj["id"] for obj in stub.objects.values()] == [first.id]
    assert len(stub.requests_to("POST", "/v1/transfers")) == 2


async def test_an_unknown_id_is_a_404_the_sdk_raises_as_invalid_request(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        await client.v1.payment_intents.retrieve_async("pi_unknown")

    assert raised.value.http_status == 404
    assert raised.value.code == "resource_missing"


async def test_an_injected_failure_answers_the_next_request_only(client: stripe.StripeClient, stub: StripeStub) -> None:
    intent = await client.v1.payment_intents.create_async({"amount": 500, "currency": "eur"})
    stub.succeed_payment(intent.id)
    stub.fail_next(status=500)
    with pytest.raises(stripe.APIError):
        await client.v1.refunds.create_async({"payment_intent": intent.id, "amount": 100})

    refund = await client.v1.refunds.create_async({"payment_intent": intent.id, "amount": 100})
    assert (refund.status, refund.payment_intent, refund.amount) == ("succeeded", intent.id, 100)


async def test_an_injected_failure_can_stop_the_sdks_own_retries(stub: StripeStub) -> None:
    stub.reset()
    retrying = stripe.StripeClient(
        SECRET_KEY, http_client=stripe.HTTPXClient(), base_addresses={"api": stub.url}, max_network_retries=2
    )
    stub.fail_next(status=503, should_retry=False)
    with pytest.raises(stripe.APIError):
        await retrying.v1.transfers.create_async({"amount": 1, "currency": "eur", "destination": "acct_stub"})

    assert len(stub.requests_to("POST", "/v1/transfers")) == 1


def test_a_signed_event_verifies_and_a_tampered_one_does_not() -> None:
    verifier = stripe.StripeClient(SECRET_KEY)
    payload = json.dumps(event("payment_intent.succeeded", fixture("payment_intent"))).encode()
    header = sign(payload, WEBHOOK_SECRET)

    verified = verifier.construct_event(payload, header, WEBHOOK_SECRET, tolerance=300)
    assert (verified.type, verified.data.object["object"]) == ("payment_intent.succeeded", "payment_intent")

    with pytest.raises(stripe.SignatureVerificationError):
        verifier.construct_event(payload.replace(b"1099", b"1"), header, WEBHOOK_SECRET, tolerance=300)


# --- helpers for the tests below ---------------------------------------------------------------


def paid_intent(api: stripe.StripeClient, stub: StripeStub, amount: int = 10000, currency: str = "eur") -> str:
    """A PaymentIntent the buyer has paid; its id."""
    intent = api.v1.payment_intents.create(
        {"amount": amount, "currency": currency, "transfer_group": "checkout_1", "metadata": {"checkout_id": "1"}}
    )
    stub.succeed_payment(intent.id)
    return intent.id


def onboarded_account(api: stripe.StripeClient, stub: StripeStub) -> str:
    account = api.v1.accounts.create({"type": "express", "capabilities": {"transfers": {"requested": True}}})
    stub.update(account.id, capabilities={"transfers": "active"})
    return account.id


def seeded(seed: int) -> random.Random:
    """A reproducible draw of chance for injected failures (nothing secret: not a use for `secrets`)."""
    return random.Random(seed)  # noqa: S311 - a test's dice, seeded so a failing run can be replayed


def latest_charge_of(stub: StripeStub, intent_id: str) -> str:
    charge: str = stub.objects[intent_id]["latest_charge"]
    return charge


# --- settlement: charges and balance transactions ----------------------------------------------


def test_a_paid_intent_has_a_charge_settled_in_the_platform_currency_at_the_rate(
    api: stripe.StripeClient, stub: StripeStub
) -> None:
    stub.rates = {"pln": Decimal("0.2345")}
    intent = api.v1.payment_intents.create({"amount": 12345, "currency": "pln", "transfer_group": "checkout_9"})
    paid = stub.succeed_payment(intent.id)
    assert (paid["status"], paid["amount_received"]) == ("succeeded", 12345)

    read = api.v1.payment_intents.retrieve(intent.id, {"expand": ["latest_charge.balance_transaction"]})

    charge = read.latest_charge
    assert isinstance(charge, stripe.Charge)
    assert charge.id.startswith("ch_")
    assert (charge.amount, charge.currency, charge.payment_intent, charge.transfer_group) == (
        12345,
        "pln",
        intent.id,
        "checkout_9",
    )
    assert (charge.status, charge.paid, charge.refunded, charge.amount_refunded) == ("succeeded", True, False, 0)
    settled = charge.balance_transaction
    assert isinstance(settled, stripe.BalanceTransaction)
    # 123.45 PLN x 0.2345 = 28.949025 EUR, rounded half up to the cent.
    assert (settled.amount, settled.currency, settled.exchange_rate) == (2895, "eur", 0.2345)
    assert (settled.fee, settled.net, settled.source, settled.type) == (0, 2895, charge.id, "charge")
    assert api.v1.balance_transactions.retrieve(settled.id).amount == 2895
    unexpanded = api.v1.charges.retrieve(charge.id)
    assert unexpanded.balance_transaction == settled.id
    expanded = api.v1.charges.retrieve(charge.id, {"expand": ["balance_transaction"]})
    assert isinstance(expanded.balance_transaction, stripe.BalanceTransaction)
    assert api.v1.payment_intents.retrieve(intent.id).latest_charge == charge.id


def test_a_charge_in_the_settlement_currency_settles_as_it_is_with_no_exchange_rate(
    api: stripe.StripeClient, stub: StripeStub
) -> None:
    intent_id = paid_intent(api, stub, amount=2599, currency="eur")
    charge = api.v1.charges.retrieve(latest_charge_of(stub, intent_id), {"expand": ["balance_transaction"]})
    assert isinstance(charge.balance_transaction, stripe.BalanceTransaction)
    assert (charge.balance_transaction.amount, charge.balance_transaction.exchange_rate) == (2599, None)


def test_settlement_counts_minor_units_of_zero_and_three_decimal_currencies() -> None:
    assert convert(1000, "jpy", "eur", Decimal("0.0061")) == 610  # ¥1000 = €6.10
    assert convert(610, "eur", "jpy", Decimal("163.9344")) == 1000  # €6.10 = ¥999.999...
    assert convert(1000, "eur", "kwd", Decimal("0.3305")) == 3305  # €10.00 = 3.305 KWD
    assert convert(1, "eur", "usd", Decimal("0.5")) == 1  # half a cent rounds up
    assert convert(3, "pln", "eur", Decimal("0.5")) == 2


def test_the_settlement_currency_and_rates_go_back_to_the_stubs_own_on_reset(
    api: stripe.StripeClient, stub: StripeStub
) -> None:
    stub.settlement_currency, stub.rates = "usd", {"eur": Decimal("1.1")}
    intent_id = paid_intent(api, stub, amount=1000)
    charge = api.v1.charges.retrieve(latest_charge_of(stub, intent_id), {"expand": ["balance_transaction"]})
    assert isinstance(charge.balance_transaction, stripe.BalanceTransaction)
    assert (charge.balance_transaction.amount, charge.balance_transaction.currency) == (1100, "usd")

    stub.reset()
    assert (stub.settlement_currency, stub.rates) == ("eur", {})
    with pytest.raises(KeyError, match="no rate from pln to eur"):
        stub.succeed_payment(api.v1.payment_intents.create({"amount": 100, "currency": "pln"}).id)


def test_an_intent_a_test_marks_succeeded_with_a_made_up_charge_gets_that_charge(
    api: stripe.StripeClient, stub: StripeStub
) -> None:
    intent = api.v1.payment_intents.create({"amount": 3000, "currency": "eur"})
    stub.update(intent.id, status="succeeded", latest_charge="ch_3Borderhub", amount_received=3000)

    charge = api.v1.charges.retrieve("ch_3Borderhub")
    assert (charge.amount, charge.payment_intent, charge.status) == (3000, intent.id, "succeeded")
    transfer = api.v1.transfers.create(
        {"amount": 2900, "currency": "eur", "destination": "acct_stub", "source_transaction": "ch_3Borderhub"}
    )
    assert transfer.source_transaction == "ch_3Borderhub"


# --- transfers ---------------------------------------------------------------------------------


def test_a_transfer_to_an_account_without_active_transfers_is_refused_until_stripe_activates_it(
    api: stripe.StripeClient, stub: StripeStub
) -> None:
    account = api.v1.accounts.create({"type": "express", "capabilities": {"transfers": {"requested": True}}})
    params: TransferCreateParams = {"amount": 500, "currency": "eur", "destination": account.id}

    with pytest.raises(stripe.InvalidRequestError) as refused:
        api.v1.transfers.create(params, {"idempotency_key": "transfer-o-2"})
    assert (refused.value.http_status, refused.value.code, refused.value.param) == (
        400,
        "insufficient_capabilities_for_transfer",
        "destination",
    )
    assert refused.value.user_message == NO_TRANSFERS_CAPABILITY
    assert stub.objects.keys() == {account.id}

    stub.update(account.id, capabilities={"transfers": "active"})
    transfer = api.v1.transfers.create(params, {"idempotency_key": "transfer-o-2"})
    assert (transfer.destination, transfer.amount, transfer.amount_reversed, transfer.reversed) == (
        account.id,
        500,
        0,
        False,
    )


def test_a_transfer_from_a_charge_must_be_in_its_settlement_currency_and_within_its_amount(
    api: stripe.StripeClient, stub: StripeStub
) -> None:
    stub.rates = {"pln": Decimal("0.25")}
    charge = latest_charge_of(stub, paid_intent(api, stub, amount=10000, currency="pln"))  # settles as €25.00
    destination = onboarded_account(api, stub)

    with pytest.raises(stripe.InvalidRequestError) as unknown:
        api.v1.transfers.create(
            {"amount": 100, "currency": "eur", "destination": destination, "source_transaction": "ch_unknown"}
        )
    assert (unknown.value.http_status, unknown.value.code, unknown.value.param) == (
        400,
        "resource_missing",
        "source_transaction",
    )
    with pytest.raises(stripe.InvalidRequestError) as other_currency:
        api.v1.transfers.create(
            {"amount": 100, "currency": "pln", "destination": destination, "source_transaction": charge}
        )
    assert other_currency.value.user_message == (
        "The currency of source_transaction's balance transaction (eur) must be the same as the transfer "
        "currency (pln)."
    )

    first = api.v1.transfers.create(
        {
            "amount": 2000,
            "currency": "eur",
            "destination": destination,
            "source_transaction": charge,
            "transfer_group": "checkout_1",
            "metadata": {"order_id": "o-1"},
        }
    )
    assert (first.source_transaction, first.transfer_group, first.metadata.to_dict()) == (
        charge,
        "checkout_1",
        {"order_id": "o-1"},
    )
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        api.v1.transfers.create(
            {"amount": 501, "currency": "eur", "destination": destination, "source_transaction": charge}
        )
    assert too_much.value.user_message == (
        "Transfers using this transaction as a source must not exceed the source amount of €25.00. "
        "(There is already a transfer using this source, amounting to €20.00.)"
    )
    rest = api.v1.transfers.create(
        {"amount": 500, "currency": "eur", "destination": destination, "source_transaction": charge}
    )
    assert rest.amount == 500


def test_a_reversal_takes_back_at_most_what_is_left_and_keeps_its_metadata(
    api: stripe.StripeClient, stub: StripeStub
) -> None:
    transfer = api.v1.transfers.create({"amount": 1000, "currency": "eur", "destination": "acct_stub"})
    reversal = api.v1.transfers.reversals.create(transfer.id, {"amount": 600, "metadata": {"order_id": "o-1"}})
    assert reversal.metadata is not None
    assert (reversal.amount, reversal.transfer, reversal.metadata.to_dict()) == (600, transfer.id, {"order_id": "o-1"})

    with pytest.raises(stripe.InvalidRequestError, match="400 is left"):
        api.v1.transfers.reversals.create(transfer.id, {"amount": 401})
    rest = api.v1.transfers.reversals.create(transfer.id)
    read = api.v1.transfers.retrieve(transfer.id)
    assert (rest.amount, read.amount_reversed, read.reversed) == (400, 1000, True)
    assert [r.id for r in api.v1.transfers.reversals.list(transfer.id).data] == [rest.id, reversal.id]
    assert api.v1.transfers.reversals.retrieve(transfer.id, reversal.id).amount == 600


# --- refunds -----------------------------------------------------------------------------------


def test_a_refund_of_an_intent_refunds_its_charge_up_to_what_is_left(
    api: stripe.StripeClient, stub: StripeStub
) -> None:
    intent_id = paid_intent(api, stub, amount=10000)
    charge_id = latest_charge_of(stub, intent_id)

    part = api.v1.refunds.create(
        {"payment_intent": intent_id, "amount": 3000, "reason": "requested_by_customer", "metadata": {"order_id": "o"}}
    )
    assert (part.charge, part.payment_intent, part.amount, part.currency, part.status) == (
        charge_id,
        intent_id,
        3000,
        "eur",
        "succeeded",
    )
    assert part.metadata is not None
    assert (part.metadata.to_dict(), part.reason) == ({"order_id": "o"}, "requested_by_customer")
    charge = api.v1.charges.retrieve(charge_id)
    assert (charge.amount_refunded, charge.refunded) == (3000, False)

    with pytest.raises(stripe.InvalidRequestError) as too_much:
        api.v1.refunds.create({"payment_intent": intent_id, "amount": 7001})
    assert (too_much.value.param, too_much.value.code) == ("amount", None)
    assert too_much.value.user_message == "Refund amount (€70.01) is greater than unrefunded amount on charge (€70.00)"

    rest = api.v1.refunds.create({"charge": charge_id})  # no amount: what is left
    charge = api.v1.charges.retrieve(charge_id)
    assert (rest.amount, rest.payment_intent, charge.amount_refunded, charge.refunded) == (7000, intent_id, 10000, True)
    with pytest.raises(stripe.InvalidRequestError) as again:
        api.v1.refunds.create({"payment_intent": intent_id})
    assert again.value.code == "charge_already_refunded"


def test_an_intent_not_paid_has_nothing_to_refund(api: stripe.StripeClient) -> None:
    intent = api.v1.payment_intents.create({"amount": 1000, "currency": "eur"})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        api.v1.refunds.create({"payment_intent": intent.id})
    assert refused.value.user_message == (
        f"This PaymentIntent ({intent.id}) does not have a successful charge to refund."
    )
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        api.v1.refunds.create({"payment_intent": "pi_unknown"})
    assert (unknown.value.http_status, unknown.value.code) == (400, "resource_missing")


# --- cancelling an intent ----------------------------------------------------------------------


def test_an_intent_can_be_cancelled_until_it_succeeds(api: stripe.StripeClient, stub: StripeStub) -> None:
    open_intent = api.v1.payment_intents.create({"amount": 1000, "currency": "eur"})
    cancelled = api.v1.payment_intents.cancel(open_intent.id, {"cancellation_reason": "abandoned"})
    assert (cancelled.status, cancelled.cancellation_reason) == ("canceled", "abandoned")
    assert cancelled.canceled_at is not None

    paid = paid_intent(api, stub)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        api.v1.payment_intents.cancel(paid)
    assert refused.value.code == "payment_intent_unexpected_state"
    assert refused.value.user_message == (
        "You cannot cancel this PaymentIntent because it has a status of succeeded. Only a PaymentIntent with one "
        "of the following statuses may be canceled: requires_payment_method, requires_capture, "
        "requires_confirmation, requires_action, processing."
    )
    assert api.v1.payment_intents.retrieve(paid).status == "succeeded"


# --- Checkout Sessions: Stripe's hosted payment page --------------------------------------------


def hosted_session(api: stripe.StripeClient) -> stripe.checkout.Session:
    return api.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "line_items": [
                {"quantity": 2, "price_data": {"currency": "eur", "unit_amount": 1250, "product_data": {"name": "Jam"}}}
            ],
            "success_url": "https://shop.example/paid?session={CHECKOUT_SESSION_ID}",
            "cancel_url": "https://shop.example/cart",
            "metadata": {"checkout_id": "c-7"},
            "payment_intent_data": {"transfer_group": "checkout_c-7", "metadata": {"checkout_id": "c-7"}},
        }
    )


def test_a_checkout_session_is_open_on_the_stubs_page_and_makes_its_intent_only_when_paid(
    api: stripe.StripeClient, stub: StripeStub
) -> None:
    session = hosted_session(api)

    assert session.id.startswith("cs_test_")
    assert (session.status, session.payment_status, session.payment_intent) == ("open", "unpaid", None)
    assert (session.amount_total, session.currency, session.url) == (2500, "eur", f"{stub.url}/c/pay/{session.id}")
    assert session.metadata is not None
    assert session.metadata.to_dict() == {"checkout_id": "c-7"}
    assert api.v1.payment_intents.list().data == []

    paid = stub.pay_checkout_session(session.id)

    read = api.v1.checkout.sessions.retrieve(session.id)
    assert (read.status, read.payment_status, read.payment_intent) == ("complete", "paid", paid["payment_intent"])
    intent = api.v1.payment_intents.retrieve(paid["payment_intent"])
    assert (intent.status, intent.amount, intent.currency, intent.transfer_group) == (
        "succeeded",
        2500,
        "eur",
        "checkout_c-7",
    )
    assert intent.metadata.to_dict() == {"checkout_id": "c-7"}
    with pytest.raises(ValueError, match="complete, not open"):
        stub.pay_checkout_session(session.id)


def test_the_stubs_hosted_page_takes_the_payment_and_sends_the_browser_to_the_success_url(
    api: stripe.StripeClient, stub: StripeStub
) -> None:
    session = hosted_session(api)
    page = httpx.get(f"{stub.url}/c/pay/{session.id}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Pay €25.00" in page.text

    paid = httpx.post(f"{stub.url}/c/pay/{session.id}")
    again = httpx.get(f"{stub.url}/c/pay/{session.id}")

    success = f"https://shop.example/paid?session={session.id}"
    assert (paid.status_code, paid.headers["location"]) == (303, success)
    assert (again.status_code, again.headers["location"]) == (303, success)
    assert api.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"


def test_an_expired_session_cannot_be_paid_or_expired_again(api: stripe.StripeClient, stub: StripeStub) -> None:
    session = hosted_session(api)
    expired = api.v1.checkout.sessions.expire(session.id)
    assert (expired.status, expired.url) == ("expired", None)
    assert "This payment page has expired" in httpx.get(f"{stub.url}/c/pay/{session.id}").text

    with pytest.raises(stripe.InvalidRequestError):
        api.v1.checkout.sessions.expire(session.id)
    with pytest.raises(ValueError, match="expired, not open"):
        stub.pay_checkout_session(session.id)

    lapsing = hosted_session(api)
    stub.update(lapsing.id, expires_at=1)  # Stripe expires a session at its time
    assert api.v1.checkout.sessions.retrieve(lapsing.id).status == "expired"


# --- lists -------------------------------------------------------------------------------------


def test_lists_page_newest_first_through_the_sdks_auto_paging(api: stripe.StripeClient, stub: StripeStub) -> None:
    created = [api.v1.payment_intents.create({"amount": 100 + i, "currency": "eur"}).id for i in range(23)]

    first = api.v1.payment_intents.list()
    assert (len(first.data), first.has_more, first.url) == (10, True, "/v1/payment_intents")
    assert [intent.id for intent in first.auto_paging_iter()] == created[::-1]
    pages = stub.requests_to("GET", "/v1/payment_intents")
    assert [r.params.get("starting_after") for r in pages] == [None, created[13], created[3]]
    backwards = api.v1.payment_intents.list({"ending_before": created[0], "limit": 5})
    assert ([i.id for i in backwards.data], backwards.has_more) == (created[5:0:-1], True)


def test_intents_are_listed_by_when_they_were_created(api: stripe.StripeClient, stub: StripeStub) -> None:
    ids = [api.v1.payment_intents.create({"amount": 100, "currency": "eur"}).id for _ in range(4)]
    for at, intent_id in zip((1000, 2000, 3000, 4000), ids, strict=True):
        stub.update(intent_id, created=at)

    def listed(page: stripe.ListObject[stripe.PaymentIntent]) -> list[str]:
        return [intent.id for intent in page.auto_paging_iter()]

    assert listed(api.v1.payment_intents.list({"created": {"gte": 2000}, "limit": 2})) == [ids[3], ids[2], ids[1]]
    assert listed(api.v1.payment_intents.list({"created": {"gt": 2000, "lt": 4000}})) == [ids[2]]
    assert listed(api.v1.payment_intents.list({"created": {"lte": 2000}, "limit": 1})) == [ids[1], ids[0]]
    assert listed(api.v1.payment_intents.list({"created": 3000})) == [ids[2]]
    with pytest.raises(stripe.InvalidRequestError, match="unknown parameter: status"):
        api.v1.payment_intents.list({"status": "succeeded"})  # type: ignore[arg-type]  # Stripe has no such filter


def test_transfers_refunds_and_charges_are_listed_by_what_they_belong_to(
    api: stripe.StripeClient, stub: StripeStub
) -> None:
    paid = [paid_intent(api, stub), paid_intent(api, stub)]
    destination = onboarded_account(api, stub)
    mine = [
        api.v1.transfers.create(
            {"amount": 100 + i, "currency": "eur", "destination": destination, "transfer_group": "checkout_7"}
        ).id
        for i in range(12)
    ]
    api.v1.transfers.create({"amount": 1, "currency": "eur", "destination": "acct_other", "transfer_group": "other"})
    refunds = [api.v1.refunds.create({"payment_intent": paid[0], "amount": 10}).id for _ in range(3)]
    api.v1.refunds.create({"payment_intent": paid[1], "amount": 10})

    group = api.v1.transfers.list({"transfer_group": "checkout_7", "limit": 5})
    assert [t.id for t in group.auto_paging_iter()] == mine[::-1]
    assert [t.id for t in api.v1.transfers.list({"destination": destination, "limit": 100}).data] == mine[::-1]
    assert [r.id for r in api.v1.refunds.list({"payment_intent": paid[0], "limit": 2}).auto_paging_iter()] == refunds[
        ::-1
    ]
    charge = latest_charge_of(stub, paid[0])
    assert len(api.v1.refunds.list({"charge": charge}).data) == 3
    assert [c.id for c in api.v1.charges.list({"payment_intent": paid[1]}).data] == [latest_charge_of(stub, paid[1])]


async def test_async_auto_paging_follows_a_nested_lists_url(client: stripe.StripeClient) -> None:
    transfer = await client.v1.transfers.create_async({"amount": 1000, "currency": "eur", "destination": "acct_stub"})
    made = [(await client.v1.transfers.reversals.create_async(transfer.id, {"amount": 100})).id for _ in range(5)]

    page = await client.v1.transfers.reversals.list_async(transfer.id, {"limit": 2})
    assert (page.url, page.has_more) == (f"/v1/transfers/{transfer.id}/reversals", True)
    assert [reversal.id async for reversal in page.auto_paging_iter()] == made[::-1]


# --- injected failures -------------------------------------------------------------------------


def test_a_targeted_failure_waits_for_its_request(api: stripe.StripeClient, stub: StripeStub) -> None:
    stub.fail_next(status=500, method="POST", path="/v1/transfers", should_retry=False)
    intent = api.v1.payment_intents.create({"amount": 100, "currency": "eur"})
    api.v1.payment_intents.retrieve(intent.id)

    with pytest.raises(stripe.APIError):
        api.v1.transfers.create({"amount": 1, "currency": "eur", "destination": "acct_stub"})
    assert api.v1.transfers.create({"amount": 1, "currency": "eur", "destination": "acct_stub"}).amount == 1


def test_a_lost_answer_is_replayed_to_a_retry_with_the_same_key(api: stripe.StripeClient, stub: StripeStub) -> None:
    stub.lose_next_answer("POST", "/v1/transfers")
    params: TransferCreateParams = {"amount": 700, "currency": "eur", "destination": "acct_stub"}

    with pytest.raises(stripe.APIError) as lost:
        api.v1.transfers.create(params, {"idempotency_key": "transfer-o-3"})
    assert lost.value.http_status == 500
    [made] = [obj for obj in stub.objects.values() if obj["object"] == "transfer"]

    retried = api.v1.transfers.create(params, {"idempotency_key": "transfer-o-3"})
    assert retried.id == made["id"]
    assert retried.last_response is not None
    assert retried.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(stub.requests_to("POST", "/v1/transfers")) == 2


def test_a_lost_answer_is_not_retried_by_the_sdk_itself(stub: StripeStub) -> None:
    stub.reset()
    retrying = stripe.StripeClient(
        SECRET_KEY,
        http_client=stripe.HTTPXClient(allow_sync_methods=True),
        base_addresses={"api": stub.url},
        max_network_retries=2,
    )
    stub.lose_next_answer("POST", "/v1/payment_intents")
    with pytest.raises(stripe.APIError):
        retrying.v1.payment_intents.create({"amount": 1, "currency": "eur"})
    assert len(stub.requests_to("POST", "/v1/payment_intents")) == 1


def test_random_failures_and_lost_answers_leave_one_object_per_key(api: stripe.StripeClient, stub: StripeStub) -> None:
    stub.fail_randomly(0.3, paths=["/v1/transfers"], rng=seeded(7), lose_answer_rate=0.3)
    outcomes = {"failed": 0, "lost": 0}
    for order in range(20):
        params: TransferCreateParams = {"amount": 100, "currency": "eur", "destination": "acct_stub"}
        while True:
            made_before = len(stub.objects)
            try:
                api.v1.transfers.create(params, {"idempotency_key": f"transfer-{order}"})
                break
            except stripe.APIError:
                outcomes["lost" if len(stub.objects) > made_before else "failed"] += 1
        api.v1.payment_intents.create({"amount": 1, "currency": "eur"})  # other paths never fail

    assert outcomes["failed"] > 0
    assert outcomes["lost"] > 0
    assert len([obj for obj in stub.objects.values() if obj["object"] == "transfer"]) == 20
    assert len(stub.requests_to("POST", "/v1/transfers")) == 20 + sum(outcomes.values())

    stub.fail_randomly(0, paths=())
    for _ in range(10):
        api.v1.transfers.create({"amount": 1, "currency": "eur", "destination": "acct_stub"})


def test_reset_and_stop_failing_drop_every_pending_failure(api: stripe.StripeClient, stub: StripeStub) -> None:
    for stop in (stub.reset, stub.stop_failing):
        stub.fail_next(times=2, method="POST", path="/v1/refunds")
        stub.lose_next_answer("POST", "/v1/transfers")
        stub.fail_randomly(1.0, paths=["/v1/payment_intents"], rng=seeded(1))
        stop()
        api.v1.payment_intents.create({"amount": 1, "currency": "eur"})
        api.v1.transfers.create({"amount": 1, "currency": "eur", "destination": "acct_stub"})


# --- events ------------------------------------------------------------------------------------


def test_a_connect_event_names_its_account_and_a_platform_event_has_no_account() -> None:
    connect = event("account.updated", fixture("account"), account="acct_1Producer", livemode=True)
    platform = event("payment_intent.succeeded", fixture("payment_intent"))

    assert (connect["account"], connect["livemode"]) == ("acct_1Producer", True)
    assert "account" not in platform
    assert platform["livemode"] is False
    verifier = stripe.StripeClient(SECRET_KEY)
    payload = json.dumps(connect).encode()
    verified = verifier.construct_event(payload, sign(payload, WEBHOOK_SECRET), WEBHOOK_SECRET)
    assert verified.account == "acct_1Producer"
