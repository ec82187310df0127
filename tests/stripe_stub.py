"""A local stand-in for the Stripe API, so tests run the real `stripe` SDK and never reach the internet.

Why a stub rather than mocks: the service's Stripe calls go through the SDK's own request
encoding, headers, error mapping and retries, so pointing the SDK at a local server tests what
production does, up to the wire. The server answers with Stripe's own published fixture objects
(read at run time from `../shared/data/stripe/fixtures3.json`, never copied into this repository)
with the request's parameters merged in, as Stripe's stripe-mock does, and keeps what it created
so later reads see it. Tests play Stripe's part by changing that state (`update`, `put`) — a
payment succeeding, an account activated — and assert on `requests`: exactly what was sent.

Use it as `stripe.StripeClient(key, http_client=stripe.HTTPXClient(),
base_addresses={"api": stub.url, "connect": stub.url})` with a `sk_test_` key.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
import secrets
import string
import threading
import time
import urllib.parse
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

import stripe

from tests.shared_data import shared_data

#: Collection paths the stub creates objects in, and the fixture each starts from.
RESOURCES = {
    "accounts": "account",
    "account_links": "account_link",
    "payment_intents": "payment_intent",
    "transfers": "transfer",
    "refunds": "refund",
    "charges": "charge",
}
#: Collections that can also be read by id (objects a test `put` there, such as disputes).
READABLE = {**RESOURCES, "disputes": "dispute", "events": "event"}
#: Stripe's account links expire after a few minutes.
LINK_LIFETIME_SECONDS = 300

_ALPHANUMERIC = string.ascii_letters + string.digits
_BRACKETS = re.compile(r"\[([^\]]*)\]")


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


def event(
    type_: str, obj: dict[str, Any], *, event_id: str | None = None, created: int | None = None
) -> dict[str, Any]:
    """A webhook event of `type_` carrying a copy of `obj`, shaped like Stripe's example event."""
    payload = fixture("event")
    payload.update(
        id=event_id or new_id("evt_"),
        type=type_,
        created=int(time.time()) if created is None else created,
        # Stripe renders events in the account's API version; the SDK expects its own.
        api_version=stripe.api_version,
        data={"object": copy.deepcopy(obj)},
    )
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


class _Failure(Exception):
    """An error answer, raised from deep in a route and turned into the response."""

    def __init__(
        self,
        status: int,
        message: str,
        type_: str = "invalid_request_error",
        *,
        headers: dict[str, str] | None = None,
        **extra: str,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type_, "message": message, **extra}}
        self.headers = headers or {}


def _missing(resource: str, object_id: str) -> _Failure:
    return _Failure(404, f"No such {resource}: '{object_id}'", code="resource_missing", param="id")


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


class StripeStub:
    """Stripe's API on 127.0.0.1, answering the SDK from fixtures and remembering what it made.

    Thread-safe: the server answers on its own threads, one lock guards all state.
    """

    def __init__(self) -> None:
        self.requests: list[StubRequest] = []
        self.objects: dict[str, dict[str, Any]] = {}
        self._remembered: dict[tuple[str | None, str], _Remembered] = {}
        self._failures: list[_Failure] = []
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

    def start(self) -> StripeStub:
        if self._server is None:
            self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
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
            self.objects[obj["id"]] = copy.deepcopy(obj)

    def update(self, object_id: str, **fields: Any) -> dict[str, Any]:
        """Change fields of a stored object, as Stripe would (a payment succeeding...); returns it."""
        with self._lock:
            if object_id not in self.objects:
                raise KeyError(f"the Stripe stub has no object {object_id!r}")
            self.objects[object_id].update(copy.deepcopy(fields))
            return self.objects[object_id]

    def fail_next(
        self,
        status: int = 500,
        message: str = "stub failure",
        type_: str = "api_error",
        *,
        times: int = 1,
        should_retry: bool | None = None,
    ) -> None:
        """Answer the next `times` requests, whatever they are, with this error.

        The SDK retries a 5xx (or 409) by itself up to its `max_network_retries`, so to make a call
        fail through a client with retries, fail it `1 + max_network_retries` times — or pass
        `should_retry=False`, which sends Stripe's `Stripe-Should-Retry: false` and stops them.
        """
        headers = {} if should_retry is None else {"Stripe-Should-Retry": str(should_retry).lower()}
        with self._lock:
            self._failures.extend(_Failure(status, message, type_, headers=headers) for _ in range(times))

    def reset(self) -> None:
        """Forget requests, objects, idempotency keys and pending failures."""
        with self._lock:
            self.requests.clear()
            self.objects.clear()
            self._remembered.clear()
            self._failures.clear()

    # --- the API ---------------------------------------------------------------------------

    def _answer(self, request: StubRequest, authorization: str | None) -> _Reply:
        with self._lock:
            self.requests.append(request)
            if self._failures:
                # Not remembered under the idempotency key: a retry with the same key gets through,
                # as after a network error.
                return _error_reply(self._failures.pop(0))
            if not re.fullmatch(r"Bearer sk_test_\S+", authorization or ""):
                return _error_reply(_Failure(401, "Invalid API Key provided: expected a Bearer sk_test_ key"))
            key = request.idempotency_key if request.method == "POST" else None
            if key is not None and (request.stripe_account, key) in self._remembered:
                return self._replay(request, self._remembered[request.stripe_account, key])
            try:
                body = json.dumps(self._route(request)).encode()
            except _Failure as failure:
                return _error_reply(failure)
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

    def _route(self, request: StubRequest) -> dict[str, Any]:
        parts = request.path.strip("/").split("/")  # v1, collection[, id[, sub-collection]]
        match request.method, parts:
            case "POST", ["v1", collection] if collection in RESOURCES:
                return self._create(RESOURCES[collection], request.params)
            case "GET", ["v1", collection, object_id] if collection in READABLE:
                return self._stored(READABLE[collection], object_id)
            case "POST", ["v1", "transfers", transfer_id, "reversals"]:
                return self._reverse(self._stored("transfer", transfer_id), request.params)
            case _:
                raise _Failure(404, f"Unrecognized request URL ({request.method}: {request.path}).")

    def _stored(self, resource: str, object_id: str) -> dict[str, Any]:
        obj = self.objects.get(object_id)
        if obj is None or obj.get("object") != resource:
            raise _missing(resource, object_id)
        return obj

    def _create(self, resource: str, params: dict[str, Any]) -> dict[str, Any]:
        obj = fixture(resource)
        now = int(time.time())
        fields = {key: value for key, value in params.items() if key != "expand"}  # expand shapes the reply only
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
        elif resource == "refund":
            intent = self.objects.get(str(fields.get("payment_intent")))
            obj.update(status="succeeded", charge=None, payment_intent=None)
            if intent is not None:  # a refund of a known intent is of its charge and currency
                obj.update(
                    charge=intent.get("latest_charge"),
                    currency=intent["currency"],
                    amount=intent["amount_received"] or intent["amount"],
                )
        elif resource == "transfer":
            obj.update(amount_reversed=0, reversed=False)
            obj["reversals"] = {
                "object": "list",
                "data": [],
                "has_more": False,
                "url": f"/v1/transfers/{obj['id']}/reversals",
            }
        _merge(obj, fields)
        self.objects[obj["id"]] = obj
        return obj

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
        _merge(reversal, {key: value for key, value in params.items() if key != "expand"})
        if not isinstance(reversal["amount"], int) or not 0 < reversal["amount"] <= remaining:
            raise _Failure(
                400, f"You cannot reverse {reversal['amount']}: {remaining} is left to reverse.", param="amount"
            )
        transfer["amount_reversed"] += reversal["amount"]
        transfer["reversed"] = transfer["amount_reversed"] >= transfer["amount"]
        if isinstance(transfer.get("reversals"), dict):
            transfer["reversals"].setdefault("data", []).insert(0, copy.deepcopy(reversal))
        self.objects[reversal["id"]] = reversal
        return reversal


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
            request = StubRequest(
                method=self.command,
                path=url.path,
                params=decode_params(body if self.command == "POST" else url.query),
                idempotency_key=self.headers.get("Idempotency-Key"),
                stripe_account=self.headers.get("Stripe-Account"),
            )
            reply = stub._answer(request, self.headers.get("Authorization"))
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("Request-Id", new_id("req_"))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)

        do_GET = _serve  # noqa: N815 - BaseHTTPRequestHandler dispatches on do_<METHOD>
        do_POST = _serve  # noqa: N815
        do_DELETE = _serve  # noqa: N815 - answered 404, like any route the stub does not know

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's signature
            """Quiet: the requests are in `stub.requests`."""

    return Handler
