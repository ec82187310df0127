"""What an invoice's documents cost: the PDF, the XRechnung and the Factur-X PDF of the demo town's
invoices against the JSON read of the same invoice (the floor), and validating an e-invoice.

Run: `uv run python -m benchmarks.invoice_documents [--concurrency 4] [--requests 200] [--rounds 2]`.

Starts its own service with the demo data, where the town of Görlitz (a German public buyer with a
Leitweg-ID) has two invoices: honey from Görlitz (7 %) and bread from Zgorzelec (an intra-Community
supply, bilingual). As the town's buyer, alternating rounds in the same run: `GET /api/v1/invoices/{id}`
(the floor: the same access check and reads, no document), then each document of the same invoices.
The figure is each document's p95 over the floor's (best round of each). Last, in this process:
how long the EN 16931 validation of one XRechnung and one Factur-X XML takes once its rules are
compiled (and compiling them, once).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import facturx
import httpx

from benchmarks.harness import load, machine, running_service
from benchmarks.search import _login
from marketplace.invoicing.validation import errors, validate

BUYER = "einkauf@goerlitz.demo"


def _invoice_ids(client: httpx.Client, bearer: dict[str, str]) -> list[str]:
    [organization] = client.get("/api/v1/organizations", headers=bearer).json()["items"]
    invoices = client.get(f"/api/v1/organizations/{organization['id']}/invoices", headers=bearer).json()["items"]
    return [invoice["id"] for invoice in invoices]


async def server_times(base: str, bearer: dict[str, str], invoice_ids: list[str], args: argparse.Namespace) -> None:
    rounds = {"base": base, "total": args.requests, "concurrency": args.concurrency}

    async def floor(client: httpx.AsyncClient, i: int) -> httpx.Response:
        return await client.get(f"/api/v1/invoices/{invoice_ids[i % len(invoice_ids)]}", headers=bearer)

    for kind in ("pdf", "xrechnung", "factur-x"):

        async def document(client: httpx.AsyncClient, i: int, kind: str = kind) -> httpx.Response:
            return await client.get(f"/api/v1/invoices/{invoice_ids[i % len(invoice_ids)]}/{kind}", headers=bearer)

        floors, documents = [], []
        for _ in range(args.rounds):
            floors.append(await load(f"{kind}: the invoice read", floor, **rounds))
            documents.append(await load(f"{kind}: the document", document, **rounds))
        for result in [*floors, *documents]:
            print(result.line())
        best_floor = min(result.percentile(0.95) for result in floors)
        best = min(result.percentile(0.95) for result in documents)
        print(f"== {kind}: p95 {best:.0f} ms, the invoice read {best_floor:.0f} ms: {best / best_floor:.2f}x its floor")


def validation_times(client: httpx.Client, bearer: dict[str, str], invoice_id: str, repeat: int) -> None:
    xrechnung = client.get(f"/api/v1/invoices/{invoice_id}/xrechnung", headers=bearer).content
    _, cii = facturx.get_xml_from_pdf(client.get(f"/api/v1/invoices/{invoice_id}/factur-x", headers=bearer).content)
    for name, xml in (("XRechnung (UBL)", xrechnung), ("Factur-X (CII)", cii)):
        started = time.perf_counter()
        findings = validate(xml)
        first = time.perf_counter() - started
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            validate(xml)
            times.append(time.perf_counter() - started)
        print(
            f"== validate {name}: first {first * 1000:.0f} ms (compiles the rules), then median "
            f"{statistics.median(times) * 1000:.0f} ms over {repeat}; errors: {len(errors(findings))}"
        )


def main(args: argparse.Namespace) -> None:
    print(f"{machine()}; demo data; {args.concurrency} clients; {args.requests} requests per round")
    data_dir = Path(tempfile.mkdtemp(prefix="borderhub-bench-invoices-"))
    with running_service(data_dir=data_dir) as base, httpx.Client(base_url=base, timeout=60) as client:
        bearer = _login(client, BUYER)
        invoice_ids = _invoice_ids(client, bearer)
        asyncio.run(server_times(base, bearer, invoice_ids, args))
        validation_times(client, bearer, invoice_ids[0], args.validations)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--validations", type=int, default=20)
    main(parser.parse_args())
