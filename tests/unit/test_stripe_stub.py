"""The Stripe stub answers the real `stripe` SDK as Stripe would, so card-payment tests can trust it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import pytest
import stripe
from stripe.params import PaymentIntentCreateParams, TransferCreateParams

from tests.stripe_stub import StripeStub, event, fixture, fixtures_path, sign

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
    stub.fail_next(status=500)
    with pytest.raises(stripe.APIError):
        await client.v1.refunds.create_async({"payment_intent": "pi_stub", "amount": 100})

    refund = await client.v1.refunds.create_async({"payment_intent": "pi_stub", "amount": 100})
    assert (refund.status, refund.payment_intent, refund.amount) == ("succeeded", "pi_stub", 100)


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
