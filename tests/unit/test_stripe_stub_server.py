"""The stub as a process plays Stripe's part: its /_stub/ controls change what "Stripe" holds and
deliver the matching webhook event, signed, to the service's endpoint (here a small receiver)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe
from stripe.params import TransferCreateParams

from tests.stripe_stub import NO_TRANSFERS_CAPABILITY, fixtures_path
from tests.stripe_stub_server import Endpoint, StripeStubServer

if not fixtures_path().is_file():
    pytest.skip(f"Stripe's fixture objects are not at {fixtures_path()}", allow_module_level=True)

SECRET_KEY = "sk_test_stub_server_unit"
WEBHOOK_SECRET = "whsec_test_stub_server"
CONNECT_WEBHOOK_SECRET = "whsec_test_stub_server_connect"


@dataclass(frozen=True)
class Delivery:
    path: str
    signature: str
    body: bytes


@dataclass
class Receiver:
    """The service's two webhook endpoints: records what arrives, answers `status` with `answer`."""

    url: str
    deliveries: list[Delivery] = field(default_factory=list)
    status: int = 200
    answer: dict[str, Any] = field(default_factory=lambda: {"received": True})


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    received = Receiver("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.deliveries.append(Delivery(self.path, self.headers.get("Stripe-Signature", ""), body))
            answer = json.dumps(received.answer).encode()
            self.send_response(received.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's signature
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    received.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield received
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def server(receiver: Receiver) -> Iterator[StripeStubServer]:
    stub = StripeStubServer(
        platform=Endpoint(f"{receiver.url}/webhook", WEBHOOK_SECRET),
        connect=Endpoint(f"{receiver.url}/connect-webhook", CONNECT_WEBHOOK_SECRET),
    )
    stub.start()
    yield stub
    stub.stop()


@pytest.fixture
def stub(server: StripeStubServer, receiver: Receiver) -> StripeStubServer:
    server.reset()
    receiver.deliveries.clear()
    receiver.status, receiver.answer = 200, {"received": True}
    return server


@pytest.fixture
def api(stub: StripeStubServer) -> Iterator[stripe.StripeClient]:
    http_client = stripe.HTTPXClient(allow_sync_methods=True)
    yield stripe.StripeClient(
        SECRET_KEY,
        http_client=http_client,
        base_addresses={"api": stub.url, "connect": stub.url},
        max_network_retries=0,
    )
    http_client.close()  # type: ignore[no-untyped-call]  # the SDK leaves it unannotated


def control(stub: StripeStubServer, method: str, path: str) -> httpx.Response:
    return httpx.request(method, f"{stub.url}/_stub/{path}", timeout=10)


def verified(delivery: Delivery, secret: str) -> stripe.Event:
    event: stripe.Event = stripe.Webhook.construct_event(delivery.body.decode(), delivery.signature, secret)
    return event


def test_succeed_pays_the_intent_and_delivers_a_signed_payment_intent_succeeded_to_the_platform_endpoint(
    stub: StripeStubServer, receiver: Receiver, api: stripe.StripeClient
) -> None:
    intent = api.v1.payment_intents.create({"amount": 32641, "currency": "eur"})
    receiver.answer = {"event_id": "seen", "duplicate": False}

    answer = control(stub, "POST", f"payment_intents/{intent.id}/succeed")

    assert answer.status_code == 200, answer.text
    [delivery] = receiver.deliveries
    assert delivery.path == "/webhook"
    event = verified(delivery, WEBHOOK_SECRET)
    assert (event.type, event.livemode, event.data.object["id"]) == ("payment_intent.succeeded", False, intent.id)
    assert "account" not in event
    with pytest.raises(stripe.SignatureVerificationError):
        verified(delivery, CONNECT_WEBHOOK_SECRET)
    paid = api.v1.payment_intents.retrieve(intent.id)
    assert (paid.status, paid.amount_received) == ("succeeded", 32641)
    assert event.data.object["latest_charge"] == paid.latest_charge
    assert answer.json() == {
        "event": {"id": event.id, "type": "payment_intent.succeeded", "account": None},
        "object": {
            "id": intent.id,
            "status": "succeeded",
            "amount": 32641,
            "amount_received": 32641,
            "currency": "eur",
            "latest_charge": paid.latest_charge,
        },
        "delivery": {
            "url": f"{receiver.url}/webhook",
            "status": 200,
            "body": {"event_id": "seen", "duplicate": False},
        },
    }


def test_activate_lets_transfers_through_and_delivers_a_connect_account_updated_naming_the_account(
    stub: StripeStubServer, receiver: Receiver, api: stripe.StripeClient
) -> None:
    account = api.v1.accounts.create({"type": "express", "capabilities": {"transfers": {"requested": True}}})
    transfer: TransferCreateParams = {"amount": 100, "currency": "eur", "destination": account.id}
    with pytest.raises(stripe.InvalidRequestError, match="capabilities"):
        api.v1.transfers.create(transfer)

    answer = control(stub, "POST", f"accounts/{account.id}/activate")

    assert answer.status_code == 200, answer.text
    assert answer.json()["delivery"]["status"] == 200
    [delivery] = receiver.deliveries
    assert delivery.path == "/connect-webhook"
    event = verified(delivery, CONNECT_WEBHOOK_SECRET)
    assert (event.type, event.account, event.livemode) == ("account.updated", account.id, False)
    updated = event.data.object
    assert (updated["id"], updated["capabilities"]["transfers"]) == (account.id, "active")
    assert (updated["details_submitted"], updated["payouts_enabled"]) == (True, True)
    assert event.data.previous_attributes is not None
    assert event.data.previous_attributes["capabilities"]["transfers"] == "inactive"
    assert api.v1.transfers.create(transfer).destination == account.id


def test_restrict_stops_transfers_and_delivers_account_updated(
    stub: StripeStubServer, receiver: Receiver, api: stripe.StripeClient
) -> None:
    account = api.v1.accounts.create({"type": "express"})
    control(stub, "POST", f"accounts/{account.id}/activate")

    answer = control(stub, "POST", f"accounts/{account.id}/restrict")

    assert answer.status_code == 200, answer.text
    assert answer.json()["object"] == {
        "id": account.id,
        "capabilities": {"transfers": "inactive"},
        "details_submitted": True,
        "payouts_enabled": False,
    }
    event = verified(receiver.deliveries[-1], CONNECT_WEBHOOK_SECRET)
    assert (event.type, event.account, event.data.object["payouts_enabled"]) == ("account.updated", account.id, False)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        api.v1.transfers.create({"amount": 100, "currency": "eur", "destination": account.id})
    assert refused.value.user_message == NO_TRANSFERS_CAPABILITY


def test_a_payment_succeeded_without_delivery_sends_nothing_and_cannot_succeed_twice(
    stub: StripeStubServer, receiver: Receiver, api: stripe.StripeClient
) -> None:
    intent = api.v1.payment_intents.create({"amount": 500, "currency": "eur"})

    answer = control(stub, "POST", f"payment_intents/{intent.id}/succeed?deliver=false")

    assert answer.status_code == 200, answer.text
    assert answer.json()["delivery"] is None
    assert receiver.deliveries == []
    assert api.v1.payment_intents.retrieve(intent.id).status == "succeeded"
    again = control(stub, "POST", f"payment_intents/{intent.id}/succeed")
    assert again.status_code == 409
    assert "already succeeded" in again.json()["error"]
    assert receiver.deliveries == []


def test_the_services_refusal_is_in_the_answer_and_an_unreachable_service_is_a_502(
    stub: StripeStubServer, receiver: Receiver, api: stripe.StripeClient
) -> None:
    receiver.status, receiver.answer = 503, {"title": "payment still being recorded"}
    first = api.v1.payment_intents.create({"amount": 500, "currency": "eur"})

    refused = control(stub, "POST", f"payment_intents/{first.id}/succeed")

    assert refused.status_code == 200
    assert refused.json()["delivery"]["status"] == 503
    assert refused.json()["delivery"]["body"] == {"title": "payment still being recorded"}

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    stub.platform = Endpoint(f"http://127.0.0.1:{closed_port}/webhook", WEBHOOK_SECRET)
    try:
        second = api.v1.payment_intents.create({"amount": 500, "currency": "eur"})
        unreachable = control(stub, "POST", f"payment_intents/{second.id}/succeed")
    finally:
        stub.platform = Endpoint(f"{receiver.url}/webhook", WEBHOOK_SECRET)
    assert unreachable.status_code == 502
    assert "ConnectError" in unreachable.json()["delivery"]["error"]
    assert api.v1.payment_intents.retrieve(second.id).status == "succeeded"  # paid, its event lost


def test_fail_refuses_the_next_matching_sdk_call_only(stub: StripeStubServer, api: stripe.StripeClient) -> None:
    answer = control(
        stub,
        "POST",
        "fail?method=POST&path=/v1/transfers&times=1&message=Transfers+are+paused&type=invalid_request_error&status=400",
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["failing"]["path"] == "/v1/transfers"
    transfer: TransferCreateParams = {"amount": 100, "currency": "eur", "destination": "acct_stub"}

    api.v1.payment_intents.create({"amount": 500, "currency": "eur"})  # not a transfer: goes through
    with pytest.raises(stripe.InvalidRequestError) as refused:
        api.v1.transfers.create(transfer)

    assert (refused.value.http_status, refused.value.user_message) == (400, "Transfers are paused")
    assert api.v1.transfers.create(transfer).amount == 100


def test_objects_lists_what_stripe_holds_of_a_kind_newest_last(
    stub: StripeStubServer, api: stripe.StripeClient
) -> None:
    first = api.v1.transfers.create({"amount": 100, "currency": "eur", "destination": "acct_stub"})
    second = api.v1.transfers.create({"amount": 200, "currency": "eur", "destination": "acct_stub"})
    api.v1.payment_intents.create({"amount": 500, "currency": "eur"})

    answer = control(stub, "GET", "objects?object=transfer")

    assert answer.status_code == 200, answer.text
    assert [(t["id"], t["amount"]) for t in answer.json()] == [(first.id, 100), (second.id, 200)]
    assert control(stub, "GET", "objects?object=refund").json() == []
    assert control(stub, "GET", "objects?object=transfers").status_code == 400


def test_controls_are_not_stripe_requests_and_unknown_ones_are_404(stub: StripeStubServer) -> None:
    unknown = control(stub, "POST", "payment_intents/pi_x/capture")
    wrong_method = control(stub, "GET", "fail")
    missing = control(stub, "POST", "accounts/acct_unknown/activate")

    assert (unknown.status_code, wrong_method.status_code, missing.status_code) == (404, 405, 404)
    assert "/_stub/objects" in unknown.json()["error"]
    assert stub.requests == []
    assert httpx.get(f"{stub.url}/v1/unknown", headers={"Authorization": f"Bearer {SECRET_KEY}"}).status_code == 404


def test_the_command_prints_where_it_listens_and_stops_on_sigterm(receiver: Receiver) -> None:
    command = [
        sys.executable,
        "-m",
        "tests.stripe_stub_server",
        "--port",
        "0",
        "--forward-to",
        f"{receiver.url}/webhook",
        "--secret",
        WEBHOOK_SECRET,
        "--connect-forward-to",
        f"{receiver.url}/connect-webhook",
        "--connect-secret",
        CONNECT_WEBHOOK_SECRET,
        "--rate",
        "pln=0.2345",
    ]
    root = Path(__file__).parents[2]
    process = subprocess.Popen(  # noqa: S603 - our own module, with our own arguments
        command, cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.split()[3]
        assert url.startswith("http://127.0.0.1:")
        assert f"{receiver.url}/webhook" in line
        assert f"{receiver.url}/connect-webhook" in line
        assert httpx.get(f"{url}/_stub/objects?object=account", timeout=10).json() == []
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
