"""The `borderhub` command: serve, worker, database, administration and data import."""

from __future__ import annotations

import asyncio
import datetime as dt
import getpass
import signal
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click
import msgspec
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings, ensure_secrets, load_settings
from kernel import audit, clock, embedded, migrate
from kernel.db import create_engine, session_factory, sibling_sessions, transaction
from kernel.logging import configure_logging
from kernel.settings import SettingsError

if TYPE_CHECKING:
    from kernel.catalogs import MessageCatalog
    from kernel.worker import HeldJob
    from marketplace.demo import DemoSummary
    from search.api import SearchEngine
    from web.settings import WebSettings

T = TypeVar("T")


def _settings(data_dir: Path | None = None) -> Settings:
    """Settings from the environment; with no DATABASE_URL, start the embedded server and point at it."""
    try:
        settings = load_settings(data_dir=data_dir)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    configure_logging(settings.log_level, settings.log_format)
    if settings.database_url is None:
        settings = settings.on_embedded(embedded.start(settings.data_dir / "pgdata"))
    return ensure_secrets(settings)


async def load_demo_data(session: AsyncSession, settings: Settings) -> DemoSummary:
    """The demo hub, and (when just created) the demo pools and tender on top of it."""
    from marketplace.demo import load_demo
    from procurement.demo import load_procurement_demo

    summary = await load_demo(session, settings, public_url=settings.marketplace.public_url)
    if summary.created:
        assert summary.hub_id is not None  # noqa: S101 - set when created
        assert summary.coordinator is not None  # noqa: S101
        summary.lines += await load_procurement_demo(
            session, settings.procurement, summary.hub_id, summary.coordinator, summary.members
        )
    return summary


def _url(settings: Settings) -> str:
    assert settings.database_url is not None  # noqa: S101 - _settings always sets it
    return settings.database_url


def _in_transaction(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    from borderhub.composition import compose

    # Events emitted by a command (the demo's listings, imported rates) reach the same
    # subscribers as they do from the web process.
    composition = compose(settings)

    async def run() -> T:
        engine = create_engine(_url(settings), pool_size=2)
        try:
            async with transaction(composition.sessions(engine)) as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the embedded database and generated secrets live (env BORDERHUB_DATA_DIR).",
)


@click.group()
def main() -> None:
    """Borderhub: cross-border B2B marketplace and pooled procurement."""


def _demo_sign_in() -> WebSettings:
    """The start page's list of demo people to sign in as."""
    from marketplace.demo import DEMO_PASSWORD, demo_people
    from web.settings import DemoAccount, WebSettings

    accounts = tuple(
        DemoAccount(email=email, name=name, organization=organization, role=role)
        for email, name, organization, role in demo_people()
    )
    return WebSettings(demo_accounts=accounts, demo_password=DEMO_PASSWORD)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="Load a small demo hub and print its credentials.")
@data_dir_option
def serve(host: str, port: int, demo: bool, data_dir: Path | None) -> None:
    """Run the API (migrating the database first; with the embedded database, the worker too)."""
    import uvicorn

    from borderhub.app import create_app

    if demo and load_settings().database_url is not None:
        # The demo's accounts have a published password, including a platform admin.
        raise click.ClickException("--demo only loads into the embedded database; unset DATABASE_URL")
    settings = _settings(data_dir)
    migrate.upgrade(_url(settings))
    if demo:
        click.echo(_in_transaction(settings, lambda session: load_demo_data(session, settings)).describe())
        settings = msgspec.structs.replace(settings, web=_demo_sign_in())
        if not settings.marketplace.smtp_enabled:
            # Without a mail server, the demo shows its mail: everyone's, which is why only the demo does.
            marketplace = msgspec.structs.replace(settings.marketplace, demo_mailbox=True)
            settings = msgspec.structs.replace(settings, marketplace=marketplace)
            click.echo(
                f"No SMTP server: mail is kept in the local mailbox — `borderhub mail list`, "
                f"or http://{host}:{port}/api/v1/demo/mailbox"
            )
    click.echo(
        f"Borderhub on http://{host}:{port}/ — the API at /api/v1, its interactive docs at http://{host}:{port}/schema"
    )
    # uvicorn re-raises SIGTERM after shutting down; as SystemExit it lets the exit
    # handlers run, which stop the embedded PostgreSQL instead of orphaning it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None, access_log=False)


@main.command()
@click.option("--drain", is_flag=True, help="Exit once the queue is empty instead of waiting for more.")
@data_dir_option
def worker(drain: bool, data_dir: Path | None) -> None:
    """Deliver outbox events to subscribers and run scheduled jobs."""
    from borderhub.composition import compose
    from kernel.worker import run_worker

    settings = _settings(data_dir)
    composition = compose(settings)

    async def run() -> None:
        engine = create_engine(_url(settings), pool_size=4)
        try:
            async with composition.running():
                await run_worker(_url(settings), composition.sessions(engine), composition.registry, drain=drain)
        finally:
            await engine.dispose()

    asyncio.run(run())


@main.group()
def db() -> None:
    """Database migrations."""


@db.command()
@data_dir_option
def upgrade(data_dir: Path | None) -> None:
    """Apply all pending migrations."""
    migrate.upgrade(_url(_settings(data_dir)))
    click.echo(f"database at {migrate.head_revision()}")


@db.command()
@data_dir_option
def check(data_dir: Path | None) -> None:
    """Fail if the models and the migrations disagree (runs the migrations first)."""
    url = _url(_settings(data_dir))
    migrate.upgrade(url)
    migrate.check(url)
    click.echo("models and migrations agree")


@main.group()
def admin() -> None:
    """Platform administration."""


@admin.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", default="Platform administrator", show_default=True)
@click.option("--password", default=None, help="Prompted for when omitted (env BORDERHUB_ADMIN_PASSWORD also works).")
@data_dir_option
def create_admin(email: str, full_name: str, password: str | None, data_dir: Path | None) -> None:
    """Create a platform administrator, or promote an existing account."""
    import os

    from marketplace.api import bootstrap_platform_admin

    password = password or os.environ.get("BORDERHUB_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    settings = _settings(data_dir)
    migrate.upgrade(_url(settings))

    async def work(session: AsyncSession) -> str:
        return await bootstrap_platform_admin(
            session,
            settings,
            public_url=settings.marketplace.public_url,
            email=email,
            full_name=full_name,
            password=password,
        )

    try:
        click.echo(_in_transaction(settings, work))
    except Exception as exc:  # surfaced as a clean CLI error, not a traceback
        from kernel.errors import DomainError

        if isinstance(exc, DomainError):
            raise click.ClickException(exc.detail) from exc
        raise


@main.group()
def search() -> None:
    """The listing search index (SEARCH_BACKEND)."""


def _with_search_engine(settings: Settings, work: Callable[..., Awaitable[T]]) -> T:
    """Run `work(sessions, engine)` against the configured engine (prepared first)."""
    from search.api import build_engine

    async def run() -> T:
        engine = create_engine(_url(settings), pool_size=2)
        search_engine = build_engine(settings.search)
        try:
            await search_engine.prepare()
            return await work(session_factory(engine), search_engine)
        finally:
            await engine.dispose()
            await search_engine.close()

    return asyncio.run(run())


@search.command()
@data_dir_option
def reindex(data_dir: Path | None) -> None:
    """Rebuild the index from the database (every listing, in batches), dropping documents of deleted listings."""
    from search.api import all_listing_ids
    from search.api import reindex as rebuild

    settings = _settings(data_dir)
    migrate.upgrade(_url(settings))

    async def work(sessions: async_sessionmaker[AsyncSession], engine: SearchEngine) -> str:
        ids = await all_listing_ids(sessions)
        with click.progressbar(length=len(ids), label=f"indexing {len(ids)} listings", file=sys.stderr) as bar:
            counts = await rebuild(sessions, engine, bar.update, ids)
        return f"{counts.upserted} documents indexed, {counts.deleted} removed ({engine.name})"

    click.echo(_with_search_engine(settings, work))


@search.command("vocabulary")
@data_dir_option
def search_vocabulary(data_dir: Path | None) -> None:
    """Load the starter vocabulary of goods and services again (after an upgrade that corrected it), keeping
    the terms hubs added; then `search reindex` if listings should be indexed with it."""
    from search.api import load_starter_vocabulary

    settings = _settings(data_dir)
    migrate.upgrade(_url(settings))

    async def run() -> int:
        engine = create_engine(_url(settings), pool_size=1)
        try:
            return await load_starter_vocabulary(session_factory(engine))
        finally:
            await engine.dispose()

    click.echo(f"{asyncio.run(run())} concepts loaded")


@search.command("check")
@click.option("--show", default=20, show_default=True, help="How many drifted listings of each kind to list.")
@data_dir_option
def search_check(show: int, data_dir: Path | None) -> None:
    """Compare the index with the database document by document; exit 1 on any drift."""
    from search.api import Drift, all_listing_ids, check

    settings = _settings(data_dir)
    migrate.upgrade(_url(settings))

    async def work(sessions: async_sessionmaker[AsyncSession], engine: SearchEngine) -> Drift:
        ids = await all_listing_ids(sessions)
        with click.progressbar(length=len(ids), label=f"checking {len(ids)} listings", file=sys.stderr) as bar:
            return await check(sessions, engine, bar.update, ids)

    drift = _with_search_engine(settings, work)
    click.echo(f"{drift.checked} listings checked")
    for label, ids in (("missing from the index", drift.missing), ("indexed but not offered", drift.unexpected)):
        if ids:
            click.echo(f"{len(ids)} {label}: " + ", ".join(str(i) for i in ids[:show]))
    if drift.stale:
        click.echo(f"{len(drift.stale)} out of date:")
        for listing_id, fields in list(drift.stale.items())[:show]:
            click.echo(f"  {listing_id}: {', '.join(fields)}")
    if not drift.clean:
        raise click.ClickException("the index has drifted; run `borderhub search reindex`")
    click.echo("index and database agree")


@main.group()
def fx() -> None:
    """Foreign-exchange reference rates."""


@fx.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--source", default="ECB", show_default=True, help="Recorded as the rates' source.")
@data_dir_option
def fx_import(file: TextIO, source: str, data_dir: Path | None) -> None:
    """Import reference rates in the ECB CSV format (eurofxref.csv or eurofxref-hist.csv; '-' for stdin).

    Columns of currencies no longer in use (the history's CYP, BGN ...) are skipped and listed.
    """
    from kernel.errors import DomainError
    from kernel.fx import parse_ecb_csv
    from marketplace.api import record_rates

    try:
        parsed = parse_ecb_csv(file.read(), source=source)
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc
    rows = parsed.rows
    settings = _settings(data_dir)
    migrate.upgrade(_url(settings))
    dates = sorted({r.as_of for r in rows})
    span = f" from {dates[0]} to {dates[-1]}" if dates else ""

    async def work(session: AsyncSession) -> int:
        count = await record_rates(session, rows)
        summary = {"source": source, "rates": count, "span": span.strip(), "skipped": list(parsed.skipped)}
        await audit.record(
            session, None, "fx.rates_imported", object_type="fx_import", object_id=uuid.uuid4(), after=summary
        )
        return count

    count = _in_transaction(settings, work)
    click.echo(f"imported {count} rates{span} (source {source})")
    if parsed.skipped:
        click.echo(f"skipped the columns of currencies not in use: {', '.join(parsed.skipped)}")


@main.group()
def jobs() -> None:
    """Outbox deliveries the worker has held after failing MAX_ATTEMPTS times."""


#: Longest last error shown on a `jobs held` line (`--json` has it whole, with its traceback).
ERROR_WIDTH = 160


def held_table(held: list[HeldJob]) -> str:
    """One line per held job under a header, columns aligned, the last error on one line at the end."""
    if not held:
        return "no held jobs"
    header = ("ID", "HELD AT (UTC)", "ATTEMPTS", "TOPIC", "SUBSCRIBER", "EVENT", "LAST ERROR")
    rows = [header] + [
        (
            str(job.id),
            job.held_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
            str(job.attempts),
            job.topic or "-",
            job.subscriber,
            str(job.event_id or "-"),
            _one_line(job.last_error or "(no error recorded)"),
        )
        for job in held
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = [
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]]) for row in rows
    ]
    return "\n".join([*lines, f"{len(held)} held job{'' if len(held) == 1 else 's'}"])


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= ERROR_WIDTH else line[: ERROR_WIDTH - 1] + "…"


@jobs.command("held")
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead, with each last error's traceback.")
@data_dir_option
def jobs_held(as_json: bool, data_dir: Path | None) -> None:
    """List held jobs: id, when held, attempts, event topic, subscriber, event id and last error."""
    from kernel.worker import held_jobs

    settings = _settings(data_dir)
    migrate.upgrade(_url(settings))
    held = _in_transaction(settings, held_jobs)
    click.echo(msgspec.json.encode(held).decode() if as_json else held_table(held))


@jobs.command("retry")
@click.argument("job_id", type=int, required=False)
@click.option(
    "--all-of",
    "matching",
    metavar="TOPIC|SUBSCRIBER",
    help="Every held job of this event topic (e.g. marketplace.ListingChanged) or subscriber, instead of one.",
)
@data_dir_option
def jobs_retry(job_id: int | None, matching: str | None, data_dir: Path | None) -> None:
    """Re-queue the held job JOB_ID (or all of a topic or subscriber) with a fresh retry budget."""
    from kernel.worker import retry_held

    if (job_id is None) == (matching is None):
        raise click.UsageError("give either a held job's ID or --all-of TOPIC|SUBSCRIBER")
    settings = _settings(data_dir)
    migrate.upgrade(_url(settings))

    async def work(session: AsyncSession) -> list[int]:
        ids = await retry_held(session, job_id=job_id, matching=matching)
        if ids:
            after = {"job_ids": ids, "matching": matching}
            await audit.record(
                session, None, "jobs.retried", object_type="held_jobs", object_id=uuid.uuid4(), after=after
            )
        return ids

    ids = _in_transaction(settings, work)
    if job_id is not None and not ids:
        raise click.ClickException(f"job {job_id} is not held (see `borderhub jobs held`)")
    what = f"job {job_id}" if job_id is not None else f"{len(ids)} held job{'' if len(ids) == 1 else 's'} of {matching}"
    click.echo(f"re-queued {what}")


@main.group()
def payments() -> None:
    """Card payments through Stripe Connect."""


@payments.command("reconcile")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    default=None,
    help="Check card payments started since then (UTC; default: the last 3 days, as the scheduled run).",
)
@data_dir_option
def payments_reconcile(since: dt.datetime | None, data_dir: Path | None) -> None:
    """Compare card payments with Stripe and repair what can be (missed successes, unrecorded refunds
    and transfers, transfers and refunds owed, waiting moves); list what is left for a person.
    Exits 1 when something is left."""
    from marketplace.api import RECONCILE_DAYS, reconcile_card_payments

    settings = _settings(data_dir)
    migrate.upgrade(_url(settings))
    start = since.replace(tzinfo=dt.UTC) if since else clock.now() - dt.timedelta(days=RECONCILE_DAYS)
    with _ProgressBars() as progress:
        report = _in_transaction(
            settings,
            lambda session: reconcile_card_payments(
                sibling_sessions(session), settings.marketplace, since=start, progress=progress
            ),
        )
    click.echo(f"checked {report.checked}; repaired {len(report.repaired)}; left for a person {len(report.unresolved)}")
    for finding in report.findings:
        mark = "repaired" if finding.repaired else "LEFT"
        click.echo(f"  {mark:8}  {finding.kind:26}  {finding.subject}  {finding.detail}")
    if report.unresolved:
        sys.exit(1)


class _ProgressBars:
    """One click progress bar per step of a long run, told `(step, done, of)` as it goes (on stderr)."""

    def __init__(self) -> None:
        self._step: str | None = None
        self._bar: Any = None

    def __enter__(self) -> _ProgressBars:
        return self

    def __call__(self, step: str, done: int, of: int) -> None:
        if step != self._step:
            self._close()
            self._step = step
            self._bar = click.progressbar(length=of, label=step, file=sys.stderr).__enter__()
        self._bar.update(done - self._bar.pos)

    def __exit__(self, *exc: object) -> None:
        self._close()

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


@main.group()
def mail() -> None:
    """Outgoing e-mail: the local mailbox (every message, sent or kept)."""


@mail.command("list")
@click.option("--to", "to", default=None, help="Only messages to this address.")
@click.option(
    "--status", type=click.Choice(["pending", "sent", "kept", "failed"]), default=None, help="Only in this status."
)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@data_dir_option
def mail_list(to: str | None, status: str | None, limit: int, data_dir: Path | None) -> None:
    """The latest messages, newest first: id, when, status, to, subject."""
    from marketplace.api import MailStatus, mailbox

    settings = _settings(data_dir)
    migrate.upgrade(_url(settings))
    wanted = MailStatus(status) if status else None

    async def work(session: AsyncSession) -> list[str]:
        found = await mailbox(session, to=to, status=wanted, limit=limit)
        return [
            f"{m.id}  {m.created_at:%Y-%m-%d %H:%M}  {m.status.value:<7}  {m.to_address}  {m.subject}" for m in found
        ]

    lines = _in_transaction(settings, work)
    click.echo("\n".join(lines) if lines else "no messages")


@mail.command("show")
@click.argument("mail_id", type=click.UUID)
@click.option("--html", is_flag=True, help="The HTML part instead of the text.")
@data_dir_option
def mail_show(mail_id: uuid.UUID, html: bool, data_dir: Path | None) -> None:
    """One message: its headers and its text (or HTML) part."""
    from marketplace.api import mail_by_id

    settings = _settings(data_dir)
    migrate.upgrade(_url(settings))

    async def work(session: AsyncSession) -> str | None:
        found = await mail_by_id(session, mail_id)
        if found is None:
            return None
        headers = [
            f"To: {found.to_address}",
            f"Subject: {found.subject}",
            f"Language: {found.language}",
            f"Status: {found.status.value}" + (f" ({found.last_error})" if found.last_error else ""),
            f"Written: {found.created_at:%Y-%m-%d %H:%M:%S} UTC",
        ]
        return "\n".join([*headers, "", found.html_body if html else found.text_body])

    shown = _in_transaction(settings, work)
    if shown is None:
        raise click.ClickException(f"no message {mail_id}")
    click.echo(shown)


@main.group()
def i18n() -> None:
    """Message catalogs (of the messages, the pages and the invoices): extract the texts, update each language's
    catalog, compile and check them."""


def _catalogs() -> list[MessageCatalog]:
    from marketplace.api import INVOICE_CATALOG, MESSAGE_CATALOG
    from web.i18n import WEB_CATALOG

    return [MESSAGE_CATALOG, WEB_CATALOG, INVOICE_CATALOG]


@i18n.command("extract")
def i18n_extract() -> None:
    """Write every text of each catalog's sources to its messages.pot."""
    from kernel.catalogs import extract

    for catalog in _catalogs():
        template = extract(catalog)
        click.echo(f"{catalog.name}: {len(template)} texts extracted to {catalog.locale_dir}")


@i18n.command("update")
def i18n_update() -> None:
    """Extract, then bring each language's catalog up to date (new texts untranslated)."""
    from kernel.catalogs import update

    for catalog in _catalogs():
        for language, missing in update(catalog).items():
            state = f"{missing} texts to translate" if missing else "complete"
            click.echo(f"{catalog.name} {language}: {state}")


@i18n.command("compile")
def i18n_compile() -> None:
    """Compile every catalog and check it: complete, nothing fuzzy, placeholders as in English. Exits 1
    naming each problem otherwise. (The service compiles the catalogs in memory as it loads them.)"""
    from kernel.catalogs import check

    failed = False
    for catalog in _catalogs():
        found = check(catalog)
        for language, problems in found.items():
            click.echo(f"{catalog.name} {language}: " + ("ok" if not problems else f"{len(problems)} problems"))
            for problem in problems:
                click.echo(f"  {problem}")
        failed = failed or any(found.values())
    if failed:
        raise SystemExit(1)
