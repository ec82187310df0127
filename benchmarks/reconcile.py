"""Reconciliation cost: `borderhub payments reconcile` per card payment, against the Stripe round trips
it cannot avoid.

Run: `uv run python -m benchmarks.reconcile [--payments 300]`.

Starts its own service (embedded PostgreSQL, demo data, no in-process worker, so nothing but the
command moves money) pointed at the test suite's Stripe stub, run in this process on loopback
(`tests.stripe_stub_server`, which also delivers Stripe's webhooks). Both producers of the demo
onboard; then N card checkouts (3 lines, 2 producers) are paid at "Stripe" while the webhook is
lost, so the service still thinks them unpaid. Then, timed:

1. repair: `borderhub payments reconcile` finds every payment succeeded at Stripe, marks its
   orders paid and makes both transfers (2 per payment);
2. check: the same command again, with everything in order: the steady state of the daily run;
3. floor: the Stripe requests the check cannot do without, sent straight to the stub with the
   same SDK, one after another: per payment the PaymentIntent (charge and balance transaction
   expanded), its refunds and its checkout's transfers, plus the list of PaymentIntents.

The command's start-up (interpreter, migrations check, composition) is timed alone before any card
payment exists, and taken off both runs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import stripe

from benchmarks.checkout import prepare
from benchmarks.harness import free_port, machine, running_service
from tests.stripe_stub_server import Endpoint, StripeStubServer

SECRET_KEY = "sk_test_bench"  # noqa: S105 - a test-mode key for the local stub
SECRETS = {"STRIPE_WEBHOOK_SECRET": "whsec_bench", "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_bench_connect"}


def _reconcile(data_dir: Path, env: dict[str, str], since: str) -> tuple[float, str]:
    command = [sys.executable, "-m", "borderhub.cli", "payments", "reconcile", "--since", since]
    environment = {**os.environ, "LOG_LEVEL": "WARNING", **env}
    environment.pop("DATABASE_URL", None)
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own command
        [*command, "--data-dir", str(data_dir)], env=environment, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    return elapsed, done.stdout.splitlines()[0] if done.stdout else done.stderr[-500:]


def _onboard(client: httpx.Client, stub_url: str) -> None:
    for email in ("anna@piekarnia-nowak.demo", "jan@mleczarnia-nysa.demo"):
        token = client.post("/api/v1/auth/login", json={"email": email, "password": "borderhub-demo"}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        organization = client.get("/api/v1/organizations", headers=headers).json()["items"][0]["id"]
        link = client.post(
            f"/api/v1/organizations/{organization}/payout-account/onboarding-link",
            json={"return_url": "https://hub.example/done", "refresh_url": "https://hub.example/again"},
            headers=headers,
        )
        link.raise_for_status()
        account = link.json()["account"]["stripe_account_id"]
        httpx.post(f"{stub_url}/_stub/accounts/{account}/activate").raise_for_status()


def _paid_without_webhook(client: httpx.Client, stub_url: str, buyer: dict[str, str], body: dict[str, Any]) -> str:
    checkout = client.post("/api/v1/checkouts", json={**body, "payment_method": "stripe"}, headers=buyer)
    checkout.raise_for_status()
    payment = client.post(f"/api/v1/checkouts/{checkout.json()['id']}/card-payment", headers=buyer)
    payment.raise_for_status()
    intent: str = payment.json()["payment_intent_id"]
    httpx.post(f"{stub_url}/_stub/payment_intents/{intent}/succeed", params={"deliver": "false"}).raise_for_status()
    return intent


def _floor(stub_url: str, intents: list[str]) -> float:
    client = stripe.StripeClient(
        SECRET_KEY,
        http_client=stripe.HTTPXClient(allow_sync_methods=True),
        base_addresses={"api": stub_url},
        max_network_retries=0,
    )
    started = time.perf_counter()
    for intent_id in intents:
        intent = client.v1.payment_intents.retrieve(intent_id, {"expand": ["latest_charge.balance_transaction"]})
        client.v1.refunds.list({"payment_intent": intent_id, "limit": 100})
        client.v1.transfers.list({"transfer_group": intent.transfer_group or "", "limit": 100})
    for _ in client.v1.payment_intents.list({"limit": 100}).auto_paging_iter():
        pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=300)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="borderhub-bench-"))
    stub_port = free_port()
    stub_url = f"http://127.0.0.1:{stub_port}"
    env = {
        "STRIPE_SECRET_KEY": SECRET_KEY,
        **SECRETS,
        "STRIPE_API_BASE": stub_url,
        "HUB_FEE_PERCENT": "2.5",
        "RUN_WORKER_IN_PROCESS": "false",
    }
    with running_service(data_dir=data_dir, env=env) as base:
        stub = StripeStubServer(
            platform=Endpoint(f"{base}/api/v1/payments/stripe/webhook", SECRETS["STRIPE_WEBHOOK_SECRET"]),
            connect=Endpoint(
                f"{base}/api/v1/payments/stripe/connect-webhook", SECRETS["STRIPE_CONNECT_WEBHOOK_SECRET"]
            ),
        )
        stub.start(port=stub_port)
        try:
            buyer, body = prepare(base)
            with httpx.Client(base_url=base, timeout=60) as client:
                _onboard(client, stub_url)
                since = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
                startup, _ = _reconcile(data_dir, env, since)  # no card payment yet: the command alone
                intents = [_paid_without_webhook(client, stub_url, buyer, body) for _ in range(args.payments)]
            repair, repair_line = _reconcile(data_dir, env, since)
            check, check_line = _reconcile(data_dir, env, since)
            floor = _floor(stub_url, intents)
        finally:
            stub.stop()
    n = args.payments
    print(f"machine: {machine()}; {n} card payments (2 producers each), webhooks lost")
    print(f"command start-up alone        {startup:7.2f} s")
    for name, total, line in (
        ("repair: paid + 2 transfers", repair, repair_line),
        ("check, all in order", check, check_line),
    ):
        seconds = total - startup
        print(f"{name:<29} {seconds:7.2f} s  {seconds / n * 1000:6.1f} ms/payment  [{line}]")
    print(f"floor: Stripe requests alone  {floor:7.2f} s  {floor / n * 1000:6.1f} ms/payment")
    print(f"check / floor                 {(check - startup) / floor:7.2f}")


if __name__ == "__main__":
    main()
