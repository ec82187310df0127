"""The test suite's Stripe stub as a process, playing Stripe's part for a person walking the README.

It serves Stripe's API as `tests/stripe_stub.py` does (no internet, no Stripe account) and, like
`stripe listen --forward-to`, delivers webhook events, signed with the endpoints' secrets, to the
service. What Stripe (and the buyer's browser) would do on their own, a person asks for with a
control request under `/_stub/`, which changes the stub's state and delivers the matching event.

In one terminal, the service pointed at the stub:

    STRIPE_SECRET_KEY=sk_test_demo STRIPE_WEBHOOK_SECRET=whsec_demo \\
    STRIPE_CONNECT_WEBHOOK_SECRET=whsec_demo_connect STRIPE_API_BASE=http://127.0.0.1:12111 \\
    uv run borderhub serve --demo

In another, the stub (`--settlement-currency` is the platform's balance currency, default eur;
`--rate pln=0.2345`, repeatable, converts a charge in PLN into it):

    uv run python -m tests.stripe_stub_server --port 12111 \\
      --forward-to http://127.0.0.1:8000/api/v1/payments/stripe/webhook --secret whsec_demo \\
      --connect-forward-to http://127.0.0.1:8000/api/v1/payments/stripe/connect-webhook \\
      --connect-secret whsec_demo_connect

Then, where the README has Stripe act (no authentication; every answer is JSON):

    STUB=http://127.0.0.1:12111/_stub
    curl -s -X POST $STUB/accounts/acct_.../activate        # onboarding done: transfers active
    curl -s -X POST $STUB/accounts/acct_.../restrict        # transfers inactive, payouts off
    curl -s -X POST $STUB/payment_intents/pi_.../succeed    # the buyer pays (add ?deliver=false
                                                            # to lose the webhook, for the reconciliation)
    curl -s -X POST $STUB/checkout/sessions/cs_.../pay      # the buyer pays on the hosted page (same)
    curl -s -X POST "$STUB/fail?method=POST&path=/v1/transfers&message=Refused"   # Stripe refuses the next transfer
    curl -s "$STUB/objects?object=transfer"                 # what "Stripe" holds, newest last

The first three answer `{"event": {"id", "type", "account"}, "object": {...}, "delivery": {"url",
"status", "body"}}`: `delivery` is what the service answered (null with `deliver=false`; with an
`error` instead of a status, and the answer 502, when the service could not be reached). Paying a
Checkout Session delivers two events, `payment_intent.succeeded` then `checkout.session.completed`,
and answers `{"events": [...]}` of such answers. The session's hosted page (its `url`, on the stub)
can be opened in a browser instead: its "Pay" button does the same and goes on to the
`success_url`. Stop the stub with Ctrl-C; what it held is gone.
"""

from __future__ import annotations

import argparse
import copy
import json
import signal
import threading
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import FrameType
from typing import Any

import httpx

from tests.stripe_stub import READABLE, RESOURCES, StripeStub, event, sign

#: The control requests' prefix; Stripe's API is all under /v1/.
CONTROL_PREFIX = "/_stub/"
#: How long a delivery waits for the service (which may call the stub back meanwhile).
DELIVERY_TIMEOUT_SECONDS = 30.0
#: The kinds of object `GET /_stub/objects?object=...` lists: what the stub can hold.
KINDS = (frozenset(RESOURCES.values()) | frozenset(READABLE.values()) | {"transfer_reversal", "checkout.session"}) - {
    "account_link"
}
#: What an injected failure is, unless the control request says otherwise: a refusal, which the
#: SDK does not retry (a 5xx would be retried, and one failure then goes unnoticed).
DEFAULT_FAILURE = {"status": "400", "type": "invalid_request_error", "message": "Refused by the Stripe stub"}
_CONTROLS = (
    "POST /_stub/accounts/{id}/activate",
    "POST /_stub/accounts/{id}/restrict",
    "POST /_stub/payment_intents/{id}/succeed[?deliver=false]",
    "POST /_stub/checkout/sessions/{id}/pay[?deliver=false]",
    "POST /_stub/fail?method=&path=&times=&status=&type=&message=&should_retry=",
    "GET /_stub/objects?object=KIND",
)
_ACCOUNT_FIELDS = ("capabilities", "details_submitted", "payouts_enabled")
_INTENT_FIELDS = ("status", "amount", "amount_received", "currency", "latest_charge")
_SESSION_FIELDS = ("status", "payment_status", "amount_total", "currency", "payment_intent")


@dataclass(frozen=True)
class Endpoint:
    """A webhook endpoint of the service and the secret Stripe signs its events with."""

    url: str
    secret: str


class _ControlError(Exception):
    """A control request the stub cannot carry out: answered `status` with `message`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class StripeStubServer(StripeStub):
    """The Stripe stub with controls under `/_stub/` that play Stripe's part and deliver its events.

    Platform events (payment_intent.*) go to `platform`, events of connected accounts
    (account.updated, carrying the `account`) to `connect`, each signed with its secret, in test
    mode. A delivery is made while the control request waits, so its answer holds the service's.
    """

    def __init__(
        self,
        *,
        platform: Endpoint,
        connect: Endpoint,
        settlement_currency: str = "eur",
        rates: Mapping[str, Decimal] | None = None,
    ) -> None:
        super().__init__(settlement_currency, rates)
        self.platform = platform
        self.connect = connect

    def _answer_outside_api(self, method: str, url: urllib.parse.SplitResult, body: str) -> tuple[int, bytes] | None:
        if not url.path.startswith(CONTROL_PREFIX):
            return None
        try:
            status, answer = self._control(method, url.path.removeprefix(CONTROL_PREFIX).strip("/"), _query(url))
        except _ControlError as refused:
            status, answer = refused.status, {"error": str(refused)}
        return status, json.dumps(answer).encode()

    def _control(self, method: str, path: str, query: dict[str, str]) -> tuple[int, Any]:
        match path.split("/"):
            case ["accounts", account_id, "activate" | "restrict" as change]:
                _allow(method, "POST")
                _known_params(query)
                return self._change_account(account_id, active=change == "activate")
            case ["payment_intents", intent_id, "succeed"]:
                _allow(method, "POST")
                _known_params(query, "deliver")
                return self._succeed(intent_id, deliver=_flag(query.get("deliver", "true"), "deliver"))
            case ["checkout", "sessions", session_id, "pay"]:
                _allow(method, "POST")
                _known_params(query, "deliver")
                return self._pay_session(session_id, deliver=_flag(query.get("deliver", "true"), "deliver"))
            case ["fail"]:
                _allow(method, "POST")
                return 200, {"failing": self._fail(query)}
            case ["objects"]:
                _allow(method, "GET")
                _known_params(query, "object")
                return 200, self._objects_of(query.get("object", ""))
            case _:
                raise _ControlError(404, f"no such control: {path!r}; there are {', '.join(_CONTROLS)}")

    def _change_account(self, account_id: str, *, active: bool) -> tuple[int, Any]:
        """Onboarding finished (transfers and payouts on), or the account restricted (both off)."""
        with self._lock:
            account = self.objects.get(account_id)
            if account is None or account.get("object") != "account":
                raise _ControlError(404, f"the stub has no account {account_id!r} (made since it started)")
            capabilities = {**(account.get("capabilities") or {}), "transfers": "active" if active else "inactive"}
            fields: dict[str, Any] = {"capabilities": capabilities, "payouts_enabled": active}
            if active:
                fields["details_submitted"] = True
            # As Stripe's event does: the changed fields' values before the change.
            previous = {name: copy.deepcopy(account.get(name)) for name in fields if account.get(name) != fields[name]}
            account.update(fields)
            payload = event("account.updated", account, account=account_id, previous_attributes=previous)
        return self._deliver(self.connect, payload, _summary(payload, _ACCOUNT_FIELDS))

    def _succeed(self, intent_id: str, *, deliver: bool) -> tuple[int, Any]:
        """The buyer pays the intent in full (a charge, settled into the balance), as Stripe.js would."""
        with self._lock:
            intent = self.objects.get(intent_id)
            if intent is None or intent.get("object") != "payment_intent":
                raise _ControlError(404, f"the stub has no PaymentIntent {intent_id!r} (made since it started)")
        try:
            paid = self.succeed_payment(intent_id)
        except ValueError as refused:
            raise _ControlError(409, f"{refused}; `borderhub payments reconcile` catches up on a lost event") from None
        except KeyError as no_rate:
            raise _ControlError(400, f"{no_rate.args[0]} (start the stub with --rate CURRENCY=RATE)") from None
        payload = event("payment_intent.succeeded", paid)
        summary = _summary(payload, _INTENT_FIELDS)
        if not deliver:
            return 200, {**summary, "delivery": None}
        return self._deliver(self.platform, payload, summary)

    def _pay_session(self, session_id: str, *, deliver: bool) -> tuple[int, Any]:
        """The buyer pays on the session's hosted page: its PaymentIntent is made and succeeds."""
        try:
            paid = self.pay_checkout_session(session_id)
        except KeyError as missing:
            raise _ControlError(404, str(missing.args[0])) from None
        except ValueError as refused:
            raise _ControlError(409, str(refused)) from None
        answers = [
            self._deliver_or_not(payload, fields, deliver=deliver) for payload, fields in self._hosted_events(paid)
        ]
        return 502 if any(status == 502 for status, _ in answers) else 200, {"events": [a for _, a in answers]}

    def _paid_on_hosted_page(self, session: dict[str, Any]) -> None:
        """The buyer paid on the hosted page in a browser: Stripe's events go to the service."""
        for payload, _fields in self._hosted_events(session):
            deliver(self.platform, payload)

    def _hosted_events(self, session: dict[str, Any]) -> list[tuple[dict[str, Any], tuple[str, ...]]]:
        """What Stripe sends when a session is paid: its PaymentIntent succeeded, then the session completed."""
        with self._lock:
            intent = copy.deepcopy(self.objects[session["payment_intent"]])
        return [
            (event("payment_intent.succeeded", intent), _INTENT_FIELDS),
            (event("checkout.session.completed", session), _SESSION_FIELDS),
        ]

    def _deliver_or_not(
        self, payload: dict[str, Any], fields: Sequence[str], *, deliver: bool
    ) -> tuple[int, dict[str, Any]]:
        summary = _summary(payload, fields)
        if not deliver:
            return 200, {**summary, "delivery": None}
        status, answer = self._deliver(self.platform, payload, summary)
        return status, answer

    def _fail(self, query: dict[str, str]) -> dict[str, Any]:
        """The next matching API request(s) fail, as `fail_next`; what was armed."""
        _known_params(query, "method", "path", "times", "status", "type", "message", "should_retry")
        given = {**DEFAULT_FAILURE, **query}
        status, times = _number(given["status"], "status"), _number(given.get("times", "1"), "times")
        if not 400 <= status <= 599 or times < 1:
            raise _ControlError(400, "status must be an error's (400-599), times at least 1")
        should_retry = _flag(given["should_retry"], "should_retry") if "should_retry" in given else None
        method, path = given.get("method", "").upper() or None, given.get("path") or None
        self.fail_next(
            status,
            given["message"],
            given["type"],
            times=times,
            should_retry=should_retry,
            method=method,
            path=path,
        )
        return {
            "method": method,
            "path": path,
            "times": times,
            "status": status,
            "type": given["type"],
            "message": given["message"],
            "should_retry": should_retry,
        }

    def _objects_of(self, kind: str) -> list[dict[str, Any]]:
        if kind not in KINDS:
            raise _ControlError(400, f"object must be one of {', '.join(sorted(KINDS))}, not {kind!r}")
        with self._lock:
            return copy.deepcopy(sorted(self._all(kind), key=self._newest_first))

    def _deliver(self, endpoint: Endpoint, payload: dict[str, Any], summary: dict[str, Any]) -> tuple[int, Any]:
        delivery = deliver(endpoint, payload)
        return 502 if "error" in delivery else 200, {**summary, "delivery": delivery}


def deliver(endpoint: Endpoint, payload: dict[str, Any]) -> dict[str, Any]:
    """POST the event to the endpoint, signed as Stripe signs it; what the service answered
    (`url`, `status`, `body`), or an `error` instead when it could not be reached."""
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Stripe-Signature": sign(body, endpoint.secret),
        "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    }
    try:
        response = httpx.post(endpoint.url, content=body, headers=headers, timeout=DELIVERY_TIMEOUT_SECONDS)
    except httpx.HTTPError as failed:
        return {"url": endpoint.url, "error": f"{type(failed).__name__}: {failed}"}
    try:
        answer: Any = response.json()
    except ValueError:
        answer = response.text
    return {"url": endpoint.url, "status": response.status_code, "body": answer}


def _summary(payload: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    obj = payload["data"]["object"]
    return {
        "event": {"id": payload["id"], "type": payload["type"], "account": payload.get("account")},
        "object": {"id": obj["id"], **{name: obj.get(name) for name in fields}},
    }


def _query(url: urllib.parse.SplitResult) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))


def _allow(method: str, allowed: str) -> None:
    if method != allowed:
        raise _ControlError(405, f"this control takes {allowed}, not {method}")


def _known_params(query: Mapping[str, str], *known: str) -> None:
    unknown = sorted(set(query) - set(known))
    if unknown:
        takes = f"takes only {', '.join(known)}" if known else "takes no parameters"
        raise _ControlError(400, f"unknown parameter {unknown[0]!r}: this control {takes}")


def _flag(value: str, name: str) -> bool:
    if value not in {"true", "false"}:
        raise _ControlError(400, f"{name} is true or false, not {value!r}")
    return value == "true"


def _number(value: str, name: str) -> int:
    if not value.isdigit():
        raise _ControlError(400, f"{name} is a whole number, not {value!r}")
    return int(value)


def _rate(text: str) -> tuple[str, Decimal]:
    currency, _, rate = text.partition("=")
    try:
        value = Decimal(rate)
    except InvalidOperation:
        value = Decimal(0)
    if len(currency) != 3 or not currency.isalpha() or not value.is_finite() or value <= 0:
        raise argparse.ArgumentTypeError(f"expected CURRENCY=RATE such as pln=0.2345, not {text!r}")
    return currency.lower(), value


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.stripe_stub_server",
        description="Stripe's API on 127.0.0.1 for `borderhub serve --demo`, with /_stub/ controls "
        "that play Stripe's part and deliver its webhook events, signed, to the service.",
    )
    parser.add_argument("--port", type=int, default=12111, help="port on 127.0.0.1 (default 12111; 0: any free)")
    parser.add_argument("--forward-to", required=True, help="the service's platform webhook URL")
    parser.add_argument("--secret", required=True, help="its signing secret (STRIPE_WEBHOOK_SECRET)")
    parser.add_argument("--connect-forward-to", required=True, help="the service's Connect webhook URL")
    parser.add_argument("--connect-secret", required=True, help="its signing secret (STRIPE_CONNECT_WEBHOOK_SECRET)")
    parser.add_argument("--settlement-currency", default="eur", help="the platform's balance currency (default eur)")
    parser.add_argument(
        "--rate",
        type=_rate,
        action="append",
        default=[],
        metavar="CURRENCY=RATE",
        help="units of the settlement currency per unit of CURRENCY, for charges in it (repeatable)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until Ctrl-C or SIGTERM."""
    arguments = _arguments(argv)
    stub = StripeStubServer(
        platform=Endpoint(arguments.forward_to, arguments.secret),
        connect=Endpoint(arguments.connect_forward_to, arguments.connect_secret),
        settlement_currency=arguments.settlement_currency.lower(),
        rates=dict(arguments.rate),
    )
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        stub.start(arguments.port)
    except OSError as busy:
        raise SystemExit(f"cannot listen on 127.0.0.1:{arguments.port}: {busy.strerror}") from None
    print(  # noqa: T201 - the one line a person reads
        f"Stripe stub on {stub.url} (STRIPE_API_BASE), controls at {stub.url}{CONTROL_PREFIX}; "
        f"platform events to {stub.platform.url}, Connect events to {stub.connect.url}",
        flush=True,
    )
    try:
        stopping.wait()
    finally:
        stub.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
