"""A local stand-in for the Stripe API, so tests run the real `stripe` SDK and never reach the internet.

Why a stub rather than mocks: the service's Stripe calls go through the SDK's own request
encoding, headers, error mapping and retries, so pointing the SDK at a local server tests what
production does, up to the wire. The server answers with Stripe's own published fixture objects
(read at run time from `../shared/data/stripe/fixtures3.json`, never copied into this repository)
with the request's parameters merged in, as Stripe's stripe-mock does, and keeps what it created
so later reads see it. Tests play Stripe's part by changing that state (`succeed_payment`,
`update`, `put`) — a buyer paying, an account activated — and assert on `requests`: exactly what
was sent.

Stripe's hosted payment page is played too: a Checkout Session (`POST /v1/checkout/sessions`) has a
`url` on the stub (`/c/pay/<session id>`) that a browser (or a test's HTTP client) opens: while the
session is open it shows a page with a "Pay" button (a POST, which pays as `pay_checkout_session`
does), and once the session is paid it sends the browser on to the session's `success_url`, as
Stripe does. As on Stripe, the session's PaymentIntent is made when the buyer pays, from its
`payment_intent_data` (metadata, transfer group, description), not when the session is made.

Where it matters to a marketplace, the stub refuses what Stripe refuses, with Stripe's messages:
a transfer to an account whose `transfers` capability is not active, a transfer beyond (or in
another currency than) its `source_transaction`, a refund beyond what is left on the charge or of
an intent that was never paid, cancelling an intent that is past cancelling, a reversal beyond
what is left. Lists page as Stripe's do (newest first, `limit`, `starting_after`,
`ending_before`), and `expand` replaces ids by the objects they name.

Failures are injected with `fail_next` (the request is not carried out), `lose_next_answer` (it
is carried out but its answer is lost, as when the network drops Stripe's reply) and
`fail_randomly` (both, at random, for chaos tests); `reset` forgets all of it.

Use it as `stripe.StripeClient(key, http_client=stripe.HTTPXClient(),
base_addresses={"api": stub.url, "connect": stub.url})` with a `sk_test_` key.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import html
import itertools
import json
import random
import re
import secrets
import string
import threading
import time
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

import stripe

from tests.shared_data import shared_data

#: Collection paths the stub creates objects in (POST /v1/<collection>), and the fixture each starts from.
RESOURCES = {
    "accounts": "account",
    "account_links": "account_link",
    "payment_intents": "payment_intent",
    "transfers": "transfer",
    "refunds": "refund",
    "charges": "charge",
}
#: Collections that can also be read by id (objects a test `put` there, such as disputes).
READABLE = {**RESOURCES, "balance_transactions": "balance_transaction", "disputes": "dispute", "events": "event"}
#: Collections that can be listed, and the parameters each list filters on by equality
#: (besides `created`, `limit`, `starting_after`, `ending_before` and `expand`, which every list takes).
LISTS: dict[str, tuple[str, frozenset[str]]] = {
    "payment_intents": ("payment_intent", frozenset({"customer"})),
    "transfers": ("transfer", frozenset({"transfer_group", "destination"})),
    "refunds": ("refund", frozenset({"payment_intent", "charge"})),
    "charges": ("charge", frozenset({"payment_intent", "transfer_group"})),
}
#: Parameters Stripe requires to create these objects.
REQUIRED = {
    "payment_intent": ("amount", "currency"),
    "transfer": ("amount", "currency", "destination"),
}
#: Stripe's account links expire after a few minutes.
LINK_LIFETIME_SECONDS = 300
#: A Checkout Session expires 24 hours after it is made, unless it says otherwise.
CHECKOUT_SESSION_LIFETIME_SECONDS = 24 * 3600
#: Where the stub serves its hosted payment pages, as Stripe's are at `checkout.stripe.com/c/pay/<id>`.
HOSTED_PAGE_PREFIX = "/c/pay/"
#: Stripe's default and largest page of a list.
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
#: The statuses an intent can be cancelled in, in the order Stripe's message names them.
CANCELABLE = ("requires_payment_method", "requires_capture", "requires_confirmation", "requires_action", "processing")
CANCELLATION_REASONS = ("abandoned", "duplicate", "fraudulent", "requested_by_customer")
#: Currencies whose amounts Stripe counts in whole units, or in thousandths; all others in hundredths.
ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
#: Stripe's error when a destination account cannot receive transfers yet.
NO_TRANSFERS_CAPABILITY = (
    "Your destination account needs to have at least one of the following capabilities enabled: "
    "transfers, crypto_transfers, legacy_payments"
)

_ALPHANUMERIC = string.ascii_letters + string.digits
_BRACKETS = re.compile(r"\[([^\]]*)\]")
_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}
_LIST_PARAMS = frozenset({"limit", "starting_after", "ending_before", "expand", "created"})


def fixtures_path() -> Path:
    """Stripe's published fixture file in the shared data (see `tests.shared_data`)."""
    return shared_data("stripe", "fixtures3.json")


@cache
def _resources(path: Path) -> dict[str, Any]:
    # The file is large; read it once per path, and hand out copies only.
    resources: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["resources"]
    return resources


def fixture(resource: str) -> dict[str, Any]:
    """A fresh copy of Stripe's published example of `resource` (e.g. "payment_intent")."""
    resources = _resources(fixtures_path())
    if resource not in resources:
        raise KeyError(f"Stripe's fixtures have no {resource!r}")
    obj: dict[str, Any] = copy.deepcopy(resources[resource])
    return obj


def new_id(prefix: str) -> str:
    """`prefix` and 24 random letters and digits, shaped like Stripe's object ids."""
    return prefix + "".join(secrets.choice(_ALPHANUMERIC) for _ in range(24))


def minor_unit_exponent(currency: str) -> int:
    """How many decimals Stripe's amounts in `currency` carry: 0 (JPY...), 3 (BHD...) or 2."""
    code = currency.lower()
    if code in ZERO_DECIMAL:
        return 0
    return 3 if code in THREE_DECIMAL else 2


def convert(amount: int, currency: str, to_currency: str, rate: Decimal) -> int:
    """`amount` (minor units of `currency`) in minor units of `to_currency`, at `rate` units of
    `to_currency` per unit of `currency`, rounded half up as Stripe rounds a settlement."""
    shift = minor_unit_exponent(to_currency) - minor_unit_exponent(currency)
    return int((Decimal(amount) * rate).scaleb(shift).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def event(
    type_: str,
    obj: dict[str, Any],
    *,
    account: str | None = None,
    livemode: bool = False,
    event_id: str | None = None,
    created: int | None = None,
    previous_attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A webhook event of `type_` carrying a copy of `obj`, shaped like Stripe's example event.

    A Connect event (one that happened on a connected account) carries that `account` at the top
    level; a platform event has no `account` key at all, as in Stripe's example.
    """
    payload = fixture("event")
    payload.update(
        id=event_id or new_id("evt_"),
        type=type_,
        created=int(time.time()) if created is None else created,
        livemode=livemode,
        # Stripe renders events in the account's API version; the SDK expects its own.
        api_version=stripe.api_version,
        data={"object": copy.deepcopy(obj)},
    )
    if previous_attributes is not None:
        payload["data"]["previous_attributes"] = copy.deepcopy(previous_attributes)
    if account is None:
        payload.pop("account", None)
    else:
        payload["account"] = account
    return payload


def sign(payload: bytes, secret: str, *, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` header for `payload`, computed as Stripe documents it (v1 = HMAC-SHA256)."""
    signed_at = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{signed_at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={signed_at},v1={digest}"


@dataclass(frozen=True)
class StubRequest:
    """One request as the stub received it."""

    method: str
    path: str
    params: dict[str, Any]
    """Form body (POST) or query (GET), brackets decoded into nested dicts; leaves stay strings."""
    idempotency_key: str | None
    stripe_account: str | None


def decode_params(raw: str) -> dict[str, Any]:
    """Stripe's form encoding back into structure, leaves left as the strings that were sent.

    `metadata[id]=1&amount=5&expand[0]=x` → `{"metadata": {"id": "1"}, "amount": "5", "expand": ["x"]}`:
    an array (encoded `key[0]`, `key[1]`, ...) comes back as a list, so that it merges over a
    fixture's list (e.g. `payment_method_types`) as a list, not as a dict of indexes.
    """
    params: dict[str, Any] = {}
    for key, value in urllib.parse.parse_qsl(raw, keep_blank_values=True):
        head, bracket, rest = key.partition("[")
        parts = [head, *_BRACKETS.findall(bracket + rest)]
        node = params
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        leaf = parts[-1]
        if leaf == "":  # `key[]=v`: an array without indexes
            leaf = str(sum(k.isdigit() for k in node))
        node[leaf] = value
    listed = _lists(params)
    assert isinstance(listed, dict)
    return listed


def _lists(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    items = {key: _lists(item) for key, item in value.items()}
    if items and sorted(items) == sorted(str(i) for i in range(len(items))):
        return [items[str(i)] for i in range(len(items))]
    return items


def _merge(target: dict[str, Any], params: dict[str, Any]) -> None:
    """Request parameters over a fixture object, typed like the fixture's own fields.

    Only the fixture tells which strings were numbers or flags (`amount`,
    `automatic_payment_methods[enabled]`); a field the fixture leaves null stays a string.
    """
    for key, value in params.items():
        current = target.get(key)
        if isinstance(value, dict):
            if not isinstance(current, dict):
                current = target[key] = {}
            _merge(current, value)
        else:
            target[key] = _typed(value, current)


def _typed(value: Any, like: Any) -> Any:
    if not isinstance(value, str):
        return copy.deepcopy(value)
    if isinstance(like, bool):  # before int: bool is an int
        return value == "true"
    if isinstance(like, int) and re.fullmatch(r"-?\d+", value):
        return int(value)
    return value


def _without(params: dict[str, Any], *names: str) -> dict[str, Any]:
    return {key: value for key, value in params.items() if key not in names}


def _money(amount: int, currency: str) -> str:
    """`amount` minor units as Stripe's messages show money: "€12.50", or "12.50 PLN" without a symbol."""
    exponent = minor_unit_exponent(currency)
    major = f"{Decimal(amount).scaleb(-exponent):,.{exponent}f}"
    symbol = _SYMBOLS.get(currency.lower())
    return f"{symbol}{major}" if symbol else f"{major} {currency.upper()}"


class _Failure(Exception):
    """An error answer, raised from deep in a route and turned into the response."""

    def __init__(
        self,
        status: int,
        message: str,
        type_: str = "invalid_request_error",
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type_, "message": message, **extra}}
        self.headers = headers or {}


def _missing(resource: str, object_id: str, param: str = "id") -> _Failure:
    # An unknown id in the path is a 404; one given as a parameter makes the request invalid (400).
    status = 404 if param == "id" else 400
    return _Failure(status, f"No such {resource}: '{object_id}'", code="resource_missing", param=param)


def _required(params: dict[str, Any], *names: str) -> None:
    for name in names:
        if params.get(name) in (None, ""):
            raise _Failure(400, f"Missing required param: {name}.", code="parameter_missing", param=name)


def _integer(value: Any, param: str, *, positive: bool = False) -> int:
    if not isinstance(value, str) or not re.fullmatch(r"-?\d+", value) or (positive and int(value) <= 0):
        message = "Invalid positive integer" if positive else f"Invalid integer: {value}"
        raise _Failure(400, message, code="parameter_invalid_integer", param=param)
    return int(value)


def _lost_answer() -> _Failure:
    return _Failure(
        500,
        "An unknown error occurred (the stub carried out the request, then lost its answer)",
        "api_error",
        headers={"Stripe-Should-Retry": "false"},
    )


def _random_failure() -> _Failure:
    return _Failure(
        500,
        "An unknown error occurred (a random failure injected by the stub)",
        "api_error",
        headers={"Stripe-Should-Retry": "false"},
    )


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class _Remembered:
    """What an idempotency key was first used for, and what it got."""

    path: str
    params: dict[str, Any]
    body: bytes


@dataclass(frozen=True)
class _Target:
    """Which requests an injected failure is for: a method and a path prefix, or (None) any."""

    method: str | None = None
    path: str | None = None

    def matches(self, request: StubRequest) -> bool:
        return (self.method is None or request.method == self.method) and (
            self.path is None or request.path.startswith(self.path)
        )


@dataclass(frozen=True)
class _RandomFailures:
    rate: float
    paths: tuple[str, ...]
    rng: random.Random
    lose_answer_rate: float

    def matches(self, request: StubRequest) -> bool:
        return request.method == "POST" and request.path.startswith(self.paths)


class StripeStub:
    """Stripe's API on 127.0.0.1, answering the SDK from fixtures and remembering what it made.

    `settlement_currency` is the platform's balance currency: a charge settles into a balance
    transaction in it, converted at `rates` (lower-case charge currency → `Decimal` units of
    settlement currency per unit of charge currency; a currency's rate to itself is 1). Both are
    plain attributes a test may change; `reset()` puts back the values the stub was built with.

    Thread-safe: the server answers on its own threads, one lock guards all state.
    """

    def __init__(self, settlement_currency: str = "eur", rates: Mapping[str, Decimal] | None = None) -> None:
        self.settlement_currency = settlement_currency
        self.rates: dict[str, Decimal] = dict(rates or {})
        self._built_with = (settlement_currency, dict(self.rates))
        self.requests: list[StubRequest] = []
        self.objects: dict[str, dict[str, Any]] = {}
        self._sequence: dict[str, int] = {}  # creation order, which breaks ties of `created` in lists
        self._counter = itertools.count()
        self._remembered: dict[tuple[str | None, str], _Remembered] = {}
        self._intent_data: dict[str, dict[str, Any]] = {}
        """Each Checkout Session's PaymentIntent as it will be made when the buyer pays (Stripe keeps
        `payment_intent_data` to itself: the session object does not show it)."""
        self._failures: list[tuple[_Target, _Failure]] = []
        self._lost_answers: list[_Target] = []
        self._random: _RandomFailures | None = None
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`, for the SDK's `base_addresses` (api and connect)."""
        if self._server is None:
            raise RuntimeError("the Stripe stub is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self, port: int = 0) -> StripeStub:
        """Serve on 127.0.0.1:`port` (0: any free port; `url` tells which)."""
        if self._server is None:
            self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
            self._thread = threading.Thread(target=self._server.serve_forever, name="stripe-stub", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> StripeStub:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    # --- test controls ---------------------------------------------------------------------

    def requests_to(self, method: str, path_prefix: str) -> list[StubRequest]:
        """The requests of `method` ("GET", "POST") whose path starts with `path_prefix`, in order."""
        with self._lock:
            return [r for r in self.requests if r.method == method.upper() and r.path.startswith(path_prefix)]

    def put(self, obj: dict[str, Any]) -> None:
        """Store (or replace) a copy of `obj` under its id, as if Stripe had it."""
        with self._lock:
            self._store(copy.deepcopy(obj))

    def update(self, object_id: str, **fields: Any) -> dict[str, Any]:
        """Change fields of a stored object, as Stripe would (an account activated...); returns it.

        An intent set to `status="succeeded"` with a `latest_charge` the stub does not have gets
        that charge (and its balance transaction), as `succeed_payment` would make them, so that
        transfers from it and refunds of it work as they do after a real payment. Without a rate
        from its currency, that charge settles unconverted, in its own currency (as on a platform
        with a balance in it); `succeed_payment` insists on the rate instead.
        """
        with self._lock:
            if object_id not in self.objects:
                raise KeyError(f"the Stripe stub has no object {object_id!r}")
            obj = self.objects[object_id]
            obj.update(copy.deepcopy(fields))
            charge_id = obj.get("latest_charge")
            if (
                obj.get("object") == "payment_intent"
                and obj.get("status") == "succeeded"
                and isinstance(charge_id, str)
                and charge_id not in self.objects
            ):
                self._record_charge(obj, charge_id, obj.get("amount_received") or obj["amount"], strict=False)
            return obj

    def succeed_payment(self, payment_intent_id: str) -> dict[str, Any]:
        """The buyer pays the intent in full: a charge and its balance transaction (in the settlement
        currency) are made, and the intent succeeds with that `latest_charge`. Returns a copy of the
        intent, as Stripe would now show it (e.g. for `event("payment_intent.succeeded", ...)`).

        Raises KeyError for an unknown intent or a missing exchange rate, ValueError for an intent
        already succeeded or canceled.
        """
        with self._lock:
            intent = self.objects.get(payment_intent_id)
            if intent is None or intent.get("object") != "payment_intent":
                raise KeyError(f"the Stripe stub has no PaymentIntent {payment_intent_id!r}")
            return copy.deepcopy(self._pay_intent(intent))

    def pay_checkout_session(self, session_id: str) -> dict[str, Any]:
        """The buyer pays on the session's hosted page: its PaymentIntent is made (from the session's
        `payment_intent_data`) and succeeds as with `succeed_payment`, and the session is complete and
        paid, naming it. Returns a copy of the session as Stripe would now show it (its
        `payment_intent` is the id of the intent, in `objects`), e.g. for
        `event("checkout.session.completed", ...)`.

        Raises KeyError for an unknown session or a missing exchange rate, ValueError for a session
        that is not open (paid already, or expired).
        """
        with self._lock:
            session = self.objects.get(session_id)
            if session is None or session.get("object") != "checkout.session":
                raise KeyError(f"the Stripe stub has no Checkout Session {session_id!r}")
            self._lapse(session)
            if session["status"] != "open":
                raise ValueError(f"Checkout Session {session_id} is {session['status']}, not open")
            intent = self._create("payment_intent", copy.deepcopy(self._intent_data[session_id]))
            self._pay_intent(intent)
            session.update(status="complete", payment_status="paid", payment_intent=intent["id"])
            return copy.deepcopy(session)

    def _pay_intent(self, intent: dict[str, Any]) -> dict[str, Any]:
        if intent["status"] in {"succeeded", "canceled"}:
            raise ValueError(f"PaymentIntent {intent['id']} is already {intent['status']}")
        charge = self._record_charge(intent, new_id("ch_"), intent["amount"])
        intent.update(
            status="succeeded",
            latest_charge=charge["id"],
            amount_received=charge["amount"],
            amount_capturable=0,
            last_payment_error=None,
            next_action=None,
            processing=None,
        )
        return intent

    def fail_next(
        self,
        status: int = 500,
        message: str = "stub failure",
        type_: str = "api_error",
        *,
        times: int = 1,
        should_retry: bool | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """Answer the next `times` requests with this error, without carrying them out.

        With `method` and/or `path` (a prefix), only requests that match consume the failure; others
        pass through. Without them, whatever request comes next fails.

        The SDK retries a 5xx (or 409) by itself up to its `max_network_retries`, so to make a call
        fail through a client with retries, fail it `1 + max_network_retries` times — or pass
        `should_retry=False`, which sends Stripe's `Stripe-Should-Retry: false` and stops them.
        """
        headers = {} if should_retry is None else {"Stripe-Should-Retry": str(should_retry).lower()}
        target = _Target(method.upper() if method else None, path)
        with self._lock:
            self._failures.extend((target, _Failure(status, message, type_, headers=headers)) for _ in range(times))

    def lose_next_answer(self, method: str, path: str, times: int = 1) -> None:
        """Carry out the next `times` requests of `method` whose path starts with `path`, but answer
        each with a 500 `api_error` (and `Stripe-Should-Retry: false`, so the SDK does not retry by
        itself): Stripe did the work and the network lost the reply. The object is stored and the
        idempotency key remembered, so a retry with the same key gets the object, replayed."""
        with self._lock:
            self._lost_answers.extend(_Target(method.upper(), path) for _ in range(times))

    def fail_randomly(
        self, rate: float, *, paths: Iterable[str], rng: random.Random | None = None, lose_answer_rate: float = 0.0
    ) -> None:
        """From now on, each POST whose path starts with one of `paths` fails with probability `rate`
        (a 500 `api_error` with `Stripe-Should-Retry: false`, not carried out); of those that do not
        fail, each has its answer lost (see `lose_next_answer`) with probability `lose_answer_rate`.

        Draws come from `rng`, which the test seeds: one per matching request, and with a
        `lose_answer_rate` a second for each that did not fail, in the order the stub receives them.
        `fail_randomly(0, paths=())` (no `rng` needed then) or `stop_failing()` turns it off. Failed
        requests still land in `requests`.
        """
        if not (0 <= rate <= 1 and 0 <= lose_answer_rate <= 1):
            raise ValueError("rates are probabilities, between 0 and 1")
        prefixes = tuple(paths)
        chaos = None
        if prefixes and (rate > 0 or lose_answer_rate > 0):
            if rng is None:
                raise ValueError("random failures need the test's seeded `rng`, so that a failing run can be replayed")
            chaos = _RandomFailures(rate, prefixes, rng, lose_answer_rate)
        with self._lock:
            self._random = chaos

    def forget_idempotency_keys(self) -> None:
        """Forget every idempotency key, as Stripe does 24 hours after a key's first use: a request
        sent again with the same key is then carried out anew."""
        with self._lock:
            self._remembered.clear()

    def stop_failing(self) -> None:
        """Drop every injected failure still pending: `fail_next`, `lose_next_answer`, `fail_randomly`."""
        with self._lock:
            self._drop_failures()

    def reset(self) -> None:
        """Forget requests, objects, idempotency keys and every injected failure, and go back to the
        settlement currency and rates the stub was built with."""
        with self._lock:
            self.requests.clear()
            self.objects.clear()
            self._sequence.clear()
            self._remembered.clear()
            self._intent_data.clear()
            self._drop_failures()
            self.settlement_currency, rates = self._built_with
            self.rates = dict(rates)

    def _drop_failures(self) -> None:
        self._failures.clear()
        self._lost_answers.clear()
        self._random = None

    # --- answering -------------------------------------------------------------------------

    def _answer_outside_api(self, method: str, url: urllib.parse.SplitResult, body: str) -> tuple[int, bytes] | None:
        """A hook for a subclass that serves more than Stripe's API on the same port (as
        `tests.stripe_stub_server` serves its `/_stub/` controls): a status and a JSON body to answer
        with, neither recorded in `requests` nor subject to injected failures; None lets the API
        answer, as it answers every request here."""
        return None

    def _hosted_page(self, method: str, url: urllib.parse.SplitResult) -> _Reply | None:
        """Stripe's hosted payment page of a Checkout Session (its `url`), as a browser sees it: while
        the session is open, a page with a "Pay" button (POST: the buyer pays, and is sent on to the
        `success_url`); once paid, a redirect to the `success_url`; expired, a page saying so."""
        if not url.path.startswith(HOSTED_PAGE_PREFIX):
            return None
        session_id = url.path.removeprefix(HOSTED_PAGE_PREFIX).strip("/")
        with self._lock:
            found = self.objects.get(session_id)
            session = copy.deepcopy(self._lapse(found)) if found and found.get("object") == "checkout.session" else None
        if session is None:
            return _html(404, "No such payment page", "<p>The Stripe stub has no Checkout Session here.</p>")
        if session["status"] == "open" and method == "POST":
            session = self.pay_checkout_session(session_id)
            self._paid_on_hosted_page(session)
        back = session.get("cancel_url")
        back_link = f'<p><a href="{html.escape(back)}">Back</a></p>' if back else ""
        if session["status"] == "complete":
            success = session.get("success_url")
            if success:
                return _Reply(303, b"", {"Location": success.replace("{CHECKOUT_SESSION_ID}", session_id)})
            return _html(200, "Paid", "<p>Thank you: this payment is made.</p>")
        if session["status"] == "expired":
            return _html(200, "This payment page has expired", back_link)
        amount = html.escape(_money(session["amount_total"] or 0, session["currency"] or "eur"))
        form = (
            f'<form method="post" action="{HOSTED_PAGE_PREFIX}{session_id}">'
            f'<button type="submit">Pay {amount}</button></form>'
        )
        return _html(200, f"Pay {amount} (Stripe stub)", form + back_link)

    def _paid_on_hosted_page(self, session: dict[str, Any]) -> None:
        """A hook for a subclass that delivers events (`tests.stripe_stub_server`): the buyer just paid
        `session` on its hosted page. Here, nothing: a test posts the events it wants itself."""

    def _answer(self, request: StubRequest, authorization: str | None) -> _Reply:
        with self._lock:
            self.requests.append(request)
            injected = self._injected_failure(request)
            if injected is not None:
                # Not remembered under the idempotency key: a retry with the same key gets through,
                # as after a network error.
                return _error_reply(injected)
            if not re.fullmatch(r"Bearer sk_test_\S+", authorization or ""):
                return _error_reply(_Failure(401, "Invalid API Key provided: expected a Bearer sk_test_ key"))
            reply = self._carry_out(request)
            if self._answer_lost(request):
                return _error_reply(_lost_answer())
            return reply

    def _injected_failure(self, request: StubRequest) -> _Failure | None:
        for index, (target, failure) in enumerate(self._failures):
            if target.matches(request):
                del self._failures[index]
                return failure
        chaos = self._random
        if chaos is not None and chaos.matches(request) and chaos.rng.random() < chaos.rate:
            return _random_failure()
        return None

    def _answer_lost(self, request: StubRequest) -> bool:
        for index, target in enumerate(self._lost_answers):
            if target.matches(request):
                del self._lost_answers[index]
                return True
        chaos = self._random
        return (
            chaos is not None
            and chaos.lose_answer_rate > 0
            and chaos.matches(request)
            and chaos.rng.random() < chaos.lose_answer_rate
        )

    def _carry_out(self, request: StubRequest) -> _Reply:
        key = request.idempotency_key if request.method == "POST" else None
        if key is not None and (request.stripe_account, key) in self._remembered:
            return self._replay(request, self._remembered[request.stripe_account, key])
        try:
            answer = self._expanded(self._route(request), request.params.get("expand"))
        except _Failure as failure:
            # Not remembered: the same request, once Stripe's state allows it, goes through.
            return _error_reply(failure)
        body = json.dumps(answer).encode()
        if key is not None:
            self._remembered[request.stripe_account, key] = _Remembered(request.path, request.params, body)
        return _Reply(200, body, {})

    def _replay(self, request: StubRequest, first: _Remembered) -> _Reply:
        # As Stripe does: a key is for one request; reused for another, it is an error, not a replay.
        if (first.path, first.params) != (request.path, request.params):
            return _error_reply(
                _Failure(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters they were first used "
                    f"with. Try using a key other than '{request.idempotency_key}' if you meant to execute a "
                    "different request.",
                    "idempotency_error",
                )
            )
        return _Reply(200, first.body, {"Idempotent-Replayed": "true"})

    def _route(self, request: StubRequest) -> dict[str, Any]:  # noqa: PLR0911, PLR0912 - one return per route
        parts = request.path.strip("/").split("/")  # v1, collection[, id[, sub-collection[, id]]]
        params = request.params
        match request.method, parts:
            case "POST", ["v1", "transfers"]:
                return self._transfer(params)
            case "POST", ["v1", "refunds"]:
                return self._refund(params)
            case "POST", ["v1", "checkout", "sessions"]:
                return self._checkout_session(params)
            case "GET", ["v1", "checkout", "sessions", session_id]:
                return self._lapse(self._stored("checkout.session", session_id))
            case "POST", ["v1", "checkout", "sessions", session_id, "expire"]:
                return self._expire(self._lapse(self._stored("checkout.session", session_id)))
            case "POST", ["v1", collection] if collection in RESOURCES:
                return self._create(RESOURCES[collection], params)
            case "GET", ["v1", collection] if collection in LISTS:
                resource, filters = LISTS[collection]
                return self._list(request.path, self._all(resource), params, filters)
            case "GET", ["v1", collection, object_id] if collection in READABLE:
                return self._stored(READABLE[collection], object_id)
            case "POST", ["v1", "payment_intents", intent_id, "cancel"]:
                return self._cancel(self._stored("payment_intent", intent_id), params)
            case "POST", ["v1", "transfers", transfer_id, "reversals"]:
                return self._reverse(self._stored("transfer", transfer_id), params)
            case "GET", ["v1", "transfers", transfer_id, "reversals"]:
                self._stored("transfer", transfer_id)
                reversals = [r for r in self._all("transfer_reversal") if r["transfer"] == transfer_id]
                return self._list(request.path, reversals, params, frozenset())
            case "GET", ["v1", "transfers", transfer_id, "reversals", reversal_id]:
                reversal = self._stored("transfer_reversal", reversal_id)
                if reversal["transfer"] != self._stored("transfer", transfer_id)["id"]:
                    raise _missing("transfer_reversal", reversal_id)
                return reversal
            case _:
                raise _Failure(404, f"Unrecognized request URL ({request.method}: {request.path}).")

    # --- state -----------------------------------------------------------------------------

    def _store(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.objects[obj["id"]] = obj
        self._sequence.setdefault(obj["id"], next(self._counter))
        return obj

    def _stored(self, resource: str, object_id: str, param: str = "id") -> dict[str, Any]:
        obj = self.objects.get(object_id)
        if obj is None or obj.get("object") != resource:
            raise _missing(resource, object_id, param)
        return obj

    def _all(self, resource: str) -> list[dict[str, Any]]:
        return [obj for obj in self.objects.values() if obj.get("object") == resource]

    def _newest_first(self, obj: dict[str, Any]) -> tuple[int, int]:
        return obj.get("created") or 0, self._sequence.get(obj["id"], -1)

    def _expanded(self, obj: dict[str, Any], paths: Any) -> dict[str, Any]:
        """A copy of `obj` with the ids at `paths` (Stripe's `expand`, dotted) replaced by their objects."""
        if not paths:
            return obj
        expanded = copy.deepcopy(obj)
        for path in [paths] if isinstance(paths, str) else paths:
            self._expand(expanded, str(path).split("."), str(path))
        return expanded

    def _expand(self, node: dict[str, Any], parts: list[str], path: str) -> None:
        head, rest = parts[0], parts[1:]
        if node.get("object") == "list" and head == "data":
            for item in node["data"]:
                if rest:
                    self._expand(item, rest, path)
            return
        if head not in node:
            raise _Failure(400, f"This property cannot be expanded ({path}).", param="expand")
        value = node[head]
        if isinstance(value, str) and value in self.objects:
            value = node[head] = copy.deepcopy(self.objects[value])
        if rest and isinstance(value, dict):
            self._expand(value, rest, path)

    # --- resources -------------------------------------------------------------------------

    def _create(self, resource: str, params: dict[str, Any]) -> dict[str, Any]:
        _required(params, *REQUIRED.get(resource, ()))
        obj = fixture(resource)
        now = int(time.time())
        fields = _without(params, "expand")  # expand shapes the reply only
        obj["created"] = now
        if resource == "account_link":  # the one object without an id: nothing to store
            account = fields.get("account", "")
            _merge(obj, fields)
            obj.update(
                url=f"https://connect.stripe.com/setup/s/{account}/{new_id('')}",
                expires_at=now + LINK_LIFETIME_SECONDS,
            )
            return obj
        obj.update(id=new_id(obj["id"].split("_", 1)[0] + "_"), metadata={})
        if resource == "payment_intent":
            # A new intent has not been paid, whatever the example shows.
            obj.update(
                status="requires_payment_method",
                last_payment_error=None,
                latest_charge=None,
                amount_received=0,
                amount_capturable=0,
                canceled_at=None,
                cancellation_reason=None,
                next_action=None,
                processing=None,
                transfer_data=None,
                client_secret=f"{obj['id']}_secret_{new_id('')}",
            )
        elif resource == "account":
            # Requested capabilities start inactive until onboarding; tests activate them with `update`.
            requested = fields.pop("capabilities", None)
            capabilities = dict.fromkeys(requested, "inactive") if isinstance(requested, dict) else {}
            obj.update(
                charges_enabled=False,
                payouts_enabled=False,
                details_submitted=False,
                capabilities=capabilities or {"transfers": "inactive"},
            )
        elif resource == "transfer":
            obj.update(amount_reversed=0, reversed=False, source_transaction=None, transfer_group=None)
            obj["reversals"] = {
                "object": "list",
                "data": [],
                "has_more": False,
                "url": f"/v1/transfers/{obj['id']}/reversals",
            }
        _merge(obj, fields)
        return self._store(obj)

    def _checkout_session(self, params: dict[str, Any]) -> dict[str, Any]:
        """A Checkout Session in `payment` mode for its `line_items` (each with `price_data`), open
        on the stub's hosted page; its PaymentIntent is kept to be made when the buyer pays."""
        _required(params, "mode", "line_items")
        if params["mode"] != "payment":
            raise _Failure(400, "The stub plays Checkout in `payment` mode only.", param="mode")
        items = params["line_items"]
        if not isinstance(items, list) or not items:
            raise _Failure(400, "Invalid array", code="parameter_invalid_array", param="line_items")
        total, currencies = 0, set()
        for index, item in enumerate(items):
            price = item.get("price_data") if isinstance(item, dict) else None
            if not isinstance(price, dict):
                raise _Failure(
                    400, "The stub takes line items with `price_data` only.", param=f"line_items[{index}][price_data]"
                )
            _required(price, "currency", "unit_amount")
            if not (price.get("product_data") or {}).get("name"):
                raise _Failure(
                    400,
                    "Missing required param: line_items[0][price_data][product_data][name].",
                    code="parameter_missing",
                    param=f"line_items[{index}][price_data][product_data][name]",
                )
            quantity = _integer(item.get("quantity", ""), f"line_items[{index}][quantity]", positive=True)
            total += _integer(price["unit_amount"], f"line_items[{index}][price_data][unit_amount]") * quantity
            currencies.add(str(price["currency"]).lower())
        if len(currencies) > 1:
            raise _Failure(400, "All line items must have the same currency.", param="line_items")
        [currency] = currencies
        now = int(time.time())
        expires_at = (
            _integer(params["expires_at"], "expires_at")
            if params.get("expires_at") is not None
            else now + CHECKOUT_SESSION_LIFETIME_SECONDS
        )
        session = fixture("checkout.session")
        session_id = new_id("cs_test_")
        session.update(
            id=session_id,
            created=now,
            expires_at=expires_at,
            livemode=False,
            metadata={},
            status="open",
            payment_status="unpaid",
            payment_intent=None,  # made when the buyer pays, as Stripe does since API version 2022-08-01
            amount_subtotal=total,
            amount_total=total,
            currency=currency,
            url=f"{self.url}{HOSTED_PAGE_PREFIX}{session_id}",
            customer_details=None,
            shipping_address_collection=None,
            shipping_cost=None,
            shipping_options=[],
            total_details={"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            after_expiration=None,
            recovered_from=None,
        )
        _merge(session, _without(params, "expand", "line_items", "payment_intent_data", "expires_at"))
        intent = copy.deepcopy(params.get("payment_intent_data") or {})
        intent.update(amount=str(total), currency=currency)
        self._intent_data[session_id] = intent
        return self._store(session)

    def _lapse(self, session: dict[str, Any]) -> dict[str, Any]:
        """An open session past its `expires_at` is expired, as Stripe expires it."""
        if session.get("status") == "open" and (session.get("expires_at") or 0) <= time.time():
            self._expire(session)
        return session

    def _expire(self, session: dict[str, Any]) -> dict[str, Any]:
        if session["status"] != "open":
            raise _Failure(
                400,
                f'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session '
                f"({session['id']}) has a status of {session['status']}.",
            )
        session.update(status="expired", url=None)
        intent = self.objects.get(str(session.get("payment_intent")))
        if intent is not None and intent["status"] in CANCELABLE:  # an attempt that was not paid
            intent.update(status="canceled", canceled_at=int(time.time()), cancellation_reason="abandoned")
        return session

    def _record_charge(
        self, intent: dict[str, Any], charge_id: str, amount: int, *, strict: bool = True
    ) -> dict[str, Any]:
        """The charge that paid `intent` (`amount`, its currency) and the balance transaction that
        settled it in the settlement currency, both stored; the charge is returned. Without a rate
        to the settlement currency: KeyError if `strict`, else it settles in its own currency."""
        currency = str(intent["currency"]).lower()
        settlement = self.settlement_currency.lower()
        if not strict and currency != settlement and currency not in {code.lower() for code in self.rates}:
            settlement = currency
        rate = self._rate(currency, settlement)
        now = int(time.time())
        settled = convert(amount, currency, settlement, rate)
        transaction = fixture("balance_transaction")
        transaction.update(
            id=new_id("txn_"),
            amount=settled,
            currency=settlement,
            exchange_rate=None if currency == settlement else float(rate),
            fee=0,
            fee_details=[],
            net=settled,
            source=charge_id,
            type="charge",
            reporting_category="charge",
            description=intent.get("description"),
            created=now,
            available_on=now,
        )
        charge = fixture("charge")
        charge.update(
            id=charge_id,
            amount=amount,
            amount_captured=amount,
            captured=True,
            currency=currency,
            payment_intent=intent["id"],
            amount_refunded=0,
            refunded=False,
            paid=True,
            status="succeeded",
            disputed=False,
            failure_code=None,
            failure_message=None,
            balance_transaction=transaction["id"],
            transfer_group=intent.get("transfer_group"),
            description=intent.get("description"),
            metadata=copy.deepcopy(intent.get("metadata") or {}),
            created=now,
        )
        self._store(transaction)
        return self._store(charge)

    def _rate(self, currency: str, settlement: str) -> Decimal:
        if currency == settlement:
            return Decimal(1)
        rates = {code.lower(): Decimal(rate) for code, rate in self.rates.items()}
        if currency not in rates:
            raise KeyError(
                f"the Stripe stub has no rate from {currency} to {settlement}: "
                f"give it rates={{{currency!r}: Decimal(...)}}"
            )
        return rates[currency]

    def _settled(self, charge: dict[str, Any]) -> tuple[int, str]:
        """What `charge` brought into the balance: its balance transaction's amount and currency."""
        transaction = self.objects.get(str(charge.get("balance_transaction")))
        if transaction is not None and transaction.get("object") == "balance_transaction":
            return transaction["amount"], str(transaction["currency"]).lower()
        return charge["amount"], str(charge["currency"]).lower()  # a charge a test `put` without one

    def _transfer(self, params: dict[str, Any]) -> dict[str, Any]:
        _required(params, *REQUIRED["transfer"])
        amount = _integer(params["amount"], "amount", positive=True)
        currency = str(params["currency"]).lower()
        destination = self.objects.get(str(params["destination"]))
        # An account the stub does not know passes: tests may transfer to an `acct_` id they made up.
        if destination is not None and destination.get("object") == "account":  # noqa: SIM102 - reads as the rule
            if (destination.get("capabilities") or {}).get("transfers") != "active":
                raise _Failure(
                    400, NO_TRANSFERS_CAPABILITY, code="insufficient_capabilities_for_transfer", param="destination"
                )
        if params.get("source_transaction") is not None:
            charge = self._stored("charge", str(params["source_transaction"]), "source_transaction")
            settled, settled_currency = self._settled(charge)
            if currency != settled_currency:
                raise _Failure(
                    400,
                    f"The currency of source_transaction's balance transaction ({settled_currency}) must be the "
                    f"same as the transfer currency ({currency}).",
                    param="source_transaction",
                )
            already = sum(t["amount"] for t in self._all("transfer") if t.get("source_transaction") == charge["id"])
            if already + amount > settled:
                message = (
                    "Transfers using this transaction as a source must not exceed the source amount of "
                    f"{_money(settled, currency)}."
                )
                if already:
                    message += (
                        f" (There is already a transfer using this source, amounting to {_money(already, currency)}.)"
                    )
                raise _Failure(400, message, param="amount")
        return self._create("transfer", params)

    def _refund(self, params: dict[str, Any]) -> dict[str, Any]:
        """A refund of a charge, named or the latest of an intent, within what is left unrefunded."""
        intent_id, charge_id = params.get("payment_intent"), params.get("charge")
        if intent_id is None and charge_id is None:
            raise _Failure(
                400, "One of the following params should be provided for this request: payment_intent or charge."
            )
        if intent_id is not None:
            intent = self._stored("payment_intent", str(intent_id), "payment_intent")
            charge = self.objects.get(str(intent.get("latest_charge")))
            if intent["status"] != "succeeded" or charge is None or charge.get("status") != "succeeded":
                raise _Failure(
                    400,
                    f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                    param="payment_intent",
                )
            if charge_id is not None and charge_id != charge["id"]:
                raise _Failure(
                    400, f"Charge {charge_id} does not belong to PaymentIntent {intent['id']}.", param="charge"
                )
        else:
            charge = self._stored("charge", str(charge_id), "charge")
        currency = str(charge["currency"])
        left = charge["amount"] - charge["amount_refunded"]
        if left <= 0:
            raise _Failure(400, f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
        amount = left if params.get("amount") is None else _integer(params["amount"], "amount", positive=True)
        if amount > left:
            # Stripe sends no `code` with this one.
            raise _Failure(
                400,
                f"Refund amount ({_money(amount, currency)}) is greater than unrefunded amount on charge "
                f"({_money(left, currency)})",
                param="amount",
            )
        refund = fixture("refund")
        refund.update(
            id=new_id("re_"),
            created=int(time.time()),
            metadata={},
            reason=None,
            amount=amount,
            currency=currency,
            charge=charge["id"],
            payment_intent=charge.get("payment_intent"),
            status="succeeded",
        )
        _merge(refund, _without(params, "expand", "amount", "charge", "payment_intent"))
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        return self._store(refund)

    def _cancel(self, intent: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        if intent["status"] not in CANCELABLE:
            raise _Failure(
                400,
                f"You cannot cancel this PaymentIntent because it has a status of {intent['status']}. Only a "
                f"PaymentIntent with one of the following statuses may be canceled: {', '.join(CANCELABLE)}.",
                code="payment_intent_unexpected_state",
                payment_intent=copy.deepcopy(intent),
            )
        reason = params.get("cancellation_reason")
        if reason is not None and reason not in CANCELLATION_REASONS:
            raise _Failure(
                400,
                f"Invalid cancellation_reason: must be one of {', '.join(CANCELLATION_REASONS)}",
                param="cancellation_reason",
            )
        intent.update(status="canceled", canceled_at=int(time.time()), cancellation_reason=reason)
        return intent

    def _reverse(self, transfer: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        remaining = transfer["amount"] - transfer["amount_reversed"]
        reversal = fixture("transfer_reversal")
        reversal.update(
            id=new_id("trr_"),
            transfer=transfer["id"],
            created=int(time.time()),
            metadata={},
            amount=remaining,  # Stripe's default: reverse what is left
            currency=transfer["currency"],
        )
        _merge(reversal, _without(params, "expand"))
        if not isinstance(reversal["amount"], int) or not 0 < reversal["amount"] <= remaining:
            raise _Failure(
                400, f"You cannot reverse {reversal['amount']}: {remaining} is left to reverse.", param="amount"
            )
        transfer["amount_reversed"] += reversal["amount"]
        transfer["reversed"] = transfer["amount_reversed"] >= transfer["amount"]
        if isinstance(transfer.get("reversals"), dict):
            transfer["reversals"].setdefault("data", []).insert(0, copy.deepcopy(reversal))
        return self._store(reversal)

    def _list(
        self, url: str, items: list[dict[str, Any]], params: dict[str, Any], filters: frozenset[str]
    ) -> dict[str, Any]:
        """A page of `items` as Stripe lists them: newest first, `limit` long, after (or before) a cursor."""
        unknown = sorted(set(params) - _LIST_PARAMS - filters)
        if unknown:
            raise _Failure(400, f"Received unknown parameter: {unknown[0]}", code="parameter_unknown", param=unknown[0])
        limit = DEFAULT_LIMIT if params.get("limit") is None else _integer(params["limit"], "limit")
        if not 1 <= limit <= MAX_LIMIT:
            raise _Failure(
                400, f"This value must be between 1 and {MAX_LIMIT}.", code="parameter_invalid_integer", param="limit"
            )
        selected = sorted(
            (
                obj
                for obj in items
                if all(obj.get(name) == params[name] for name in filters if name in params)
                and _created_within(obj, params.get("created"))
            ),
            key=self._newest_first,
            reverse=True,
        )
        if params.get("starting_after") and params.get("ending_before"):
            raise _Failure(400, "You may only specify one of these parameters: ending_before, starting_after.")
        if params.get("starting_after"):
            cursor = self._newest_first(self._cursor(params["starting_after"], "starting_after"))
            older = [obj for obj in selected if self._newest_first(obj) < cursor]
            page, has_more = older[:limit], len(older) > limit
        elif params.get("ending_before"):
            cursor = self._newest_first(self._cursor(params["ending_before"], "ending_before"))
            newer = [obj for obj in selected if self._newest_first(obj) > cursor]
            page, has_more = newer[-limit:], len(newer) > limit
        else:
            page, has_more = selected[:limit], len(selected) > limit
        return {"object": "list", "data": page, "has_more": has_more, "url": url}

    def _cursor(self, object_id: Any, param: str) -> dict[str, Any]:
        obj = self.objects.get(str(object_id))
        if obj is None:
            raise _missing("object", str(object_id), param)
        return obj


def _created_within(obj: dict[str, Any], created: Any) -> bool:
    """Whether `obj` matches a list's `created` filter: an exact time, or bounds `gt`, `gte`, `lt`, `lte`."""
    if created is None:
        return True
    at = obj.get("created") or 0
    if not isinstance(created, dict):
        return bool(at == _integer(created, "created"))
    tests = {"gt": at.__gt__, "gte": at.__ge__, "lt": at.__lt__, "lte": at.__le__}
    for bound, value in created.items():
        if bound not in tests:
            raise _Failure(400, f"Received unknown parameter: created[{bound}]", code="parameter_unknown")
        if not tests[bound](_integer(value, f"created[{bound}]")):
            return False
    return True


def _html(status: int, title: str, body: str) -> _Reply:
    """A page of the stub's hosted payment page (what Stripe's would show, much simplified)."""
    page = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"</head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return _Reply(status, page.encode(), {"Content-Type": "text/html; charset=utf-8"})


def _error_reply(failure: _Failure) -> _Reply:
    return _Reply(failure.status, json.dumps(failure.body).encode(), failure.headers)


def _handler(stub: StripeStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, as the SDK's httpx client expects; every reply carries Content-Length.
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle's algorithm and the client's delayed
        # ACK each reply would wait ~40 ms.
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            hosted = stub._hosted_page(self.command, url)
            other = stub._answer_outside_api(self.command, url, body) if hosted is None else None
            if hosted is not None:
                reply = hosted
            elif other is not None:
                reply = _Reply(other[0], other[1], {})
            else:
                request = StubRequest(
                    method=self.command,
                    path=url.path,
                    params=decode_params(body if self.command == "POST" else url.query),
                    idempotency_key=self.headers.get("Idempotency-Key"),
                    stripe_account=self.headers.get("Stripe-Account"),
                )
                reply = stub._answer(request, self.headers.get("Authorization"))
            headers = dict(reply.headers)
            self.send_response(reply.status)
            self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
            self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("Request-Id", new_id("req_"))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)

        do_GET = _serve  # noqa: N815 - BaseHTTPRequestHandler dispatches on do_<METHOD>
        do_POST = _serve  # noqa: N815
        do_DELETE = _serve  # noqa: N815 - answered 404, like any route the stub does not know

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's signature
            """Quiet: the requests are in `stub.requests`."""

    return Handler
