"""The Meilisearch engine asks for uncompressed answers: a compressed one reached the client ~44 ms
after its header on loopback, most of a search's time (`benchmarks/README.md`, search)."""

from __future__ import annotations

import asyncio

import pytest

from search.engines.base import SearchUnavailable
from search.engines.meilisearch import MeilisearchEngine


async def test_every_request_to_meilisearch_asks_for_an_uncompressed_answer() -> None:
    heads: list[str] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # A stand-in for the server (a third-party boundary): it keeps the request's head and
        # answers 503, which the engine reports as unavailable.
        heads.append((await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower())
        body = b'{"message":"down for the test","code":"internal","type":"internal","link":""}'
        writer.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n")
        writer.write(b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    engine = MeilisearchEngine(f"http://127.0.0.1:{port}", "key", timeout=5)
    try:
        with pytest.raises(SearchUnavailable):
            await engine.prepare()
    finally:
        await engine.close()
        server.close()
        await server.wait_closed()
    assert heads, "the engine sent nothing"
    assert all("\r\naccept-encoding: identity\r\n" in head for head in heads), heads
