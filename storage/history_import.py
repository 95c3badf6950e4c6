"""The ``import`` and ``analyze`` commands: history files into the database, results out."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import html
import logging
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.analysis import AnalysisSettings, analyze, render_reason
from crm_core.cadence import CadenceTable
from crm_core.i18n import translate
from crm_core.parsing import normalize_name
from settings import Settings
from storage import users
from storage.analysis_runs import aware_utc, load_team_history, refresh_team
from storage.db import create_engine, create_sessionmaker, migrate
from storage.history_file import (
    AMOUNT_MAX,
    CENT,
    ColumnOptions,
    HistoryFileError,
    read_history,
)
from storage.job_runs import claim_run, finish_run
from storage.models import Contact, Customer, Team, User

logger = logging.getLogger(__name__)

DEMO_USER_ID = 1000
INSERT_BATCH = 5_000
ANALYZE_COLUMNS = ("customer", "level", "stage", "churn_risk", "tier", "reason")


def _say(language: str, key: str, **params: object) -> None:
    print(cli_text(language, key, **params))


def cli_text(language: str, key: str, /, **params: object) -> str:
    """Render a catalogue message for the terminal, where HTML entities mean nothing."""
    return html.unescape(translate(language, key, **params))


async def _owner(
    session: AsyncSession, owner_id: int | None, settings: Settings, now: datetime
) -> User | None:
    """Return the owning rep; the console demo rep is created when no owner is named."""
    user_id = owner_id or DEMO_USER_ID
    row = await session.get(User, user_id)
    if row is None and owner_id is None:
        profile = users.Profile(
            user_id=DEMO_USER_ID,
            chat_id=DEMO_USER_ID,
            full_name="Demo Rep",
            username="demo_rep",
            language=settings.default_language,
            timezone=settings.default_timezone,
            digest_time=settings.default_digest_time,
        )
        row = await users.create_demo_manager(session, profile, now)
    return row


async def import_history(
    session: AsyncSession, events: pd.DataFrame, owner: User, now: datetime
) -> dict[str, int]:
    """Insert the customers and events of a history frame for ``owner``'s team.

    Customers are matched by their key in the file (``external_id``), or else by name to a
    customer created in the bot, which then takes the key. A row whose source
    key (see ``_source_keys``) is already stored is skipped, so importing a file again, or
    a later export that repeats its rows, adds only the rows not imported before.

    Raises:
        HistoryFileError: If the amounts of one customer, stored and new, add up to more
            than the revenue column stores. Nothing is inserted then.
    """
    team_id = owner.team_id
    keys = events["customer"].astype(str)
    first_seen = events.groupby(keys)["occurred_at"].min()

    existing = dict(
        (
            await session.execute(
                select(Customer.external_id, Customer.id).where(
                    Customer.team_id == team_id, Customer.external_id.is_not(None)
                )
            )
        ).all()
    )
    by_name = {
        row.name_key: row
        for row in await session.execute(
            select(Customer.name_key, Customer.id, Customer.external_id).where(
                Customer.team_id == team_id
            )
        )
    }
    names_taken = set(by_name)
    new_rows = []
    links = []
    for key, first in first_seen.items():
        if key in existing:
            continue
        same_name = by_name.get(normalize_name(key))
        if same_name is not None and same_name.external_id is None:
            # A customer typed in the bot under this name: the file's rows are theirs.
            links.append({"id": same_name.id, "external_id": key})
            continue
        name = key
        if normalize_name(name) in names_taken:
            # The name belongs to another imported customer; keep the two apart.
            name = f"{key} (import)"
        names_taken.add(normalize_name(name))
        new_rows.append(
            {
                "team_id": team_id,
                "owner_id": owner.id,
                "name": name,
                "name_key": normalize_name(name),
                "external_id": key,
                "created_at": aware_utc(first),
                "level": "casual_buyer",
                "stage": "acquisition",
                "detected_stage": "acquisition",
                "stage_reason": [],
                "tier": "C",
                "revenue": 0,
                "value_warning": False,
                "analysis": {},
            }
        )
    for start in range(0, len(new_rows), INSERT_BATCH):
        await session.execute(insert(Customer), new_rows[start : start + INSERT_BATCH])
    if links:
        await session.execute(update(Customer), links)
    ids = dict(
        (
            await session.execute(
                select(Customer.external_id, Customer.id).where(
                    Customer.team_id == team_id, Customer.external_id.is_not(None)
                )
            )
        ).all()
    )

    contact_rows: list[dict[str, Any]] = []
    for row in events.itertuples(index=False):
        amount = None if pd.isna(row.amount) else _cents(row.amount)
        satisfaction = None if pd.isna(row.satisfaction) else int(row.satisfaction)
        contact_rows.append(
            {
                "customer_id": ids[str(row.customer)],
                "rep_id": owner.id,
                "kind": str(row.kind),
                "occurred_at": aware_utc(row.occurred_at),
                "summary": "",
                "amount": amount,
                "satisfaction": satisfaction,
                "source": "import",
                "created_at": now,
            }
        )
    for contact, source_key in zip(contact_rows, _source_keys(contact_rows), strict=True):
        contact["source_key"] = source_key

    already: set[str] = set()
    for start in range(0, len(contact_rows), INSERT_BATCH):
        batch = [contact["source_key"] for contact in contact_rows[start : start + INSERT_BATCH]]
        stored = await session.scalars(
            select(Contact.source_key).where(Contact.source_key.in_(batch))
        )
        already.update(stored)
    contact_rows = [contact for contact in contact_rows if contact["source_key"] not in already]
    await _check_totals(session, team_id, contact_rows, ids)

    for start in range(0, len(contact_rows), INSERT_BATCH):
        await session.execute(insert(Contact), contact_rows[start : start + INSERT_BATCH])
    return {
        "events": len(contact_rows),
        "skipped": len(events) - len(contact_rows),
        "customers": len(first_seen),
        "new_customers": len(new_rows),
    }


def _source_keys(contact_rows: list[dict[str, Any]]) -> list[str]:
    """Return ``import:<content hash>:<occurrence>`` for each contact row, in order.

    The hash covers the customer id, time, kind, amount and satisfaction. The occurrence
    counts identical rows before this one in the same frame, so two genuine identical
    purchases in one file both count, and a later file repeating both adds neither.

    NOTE: Imports made before this key format stored ``import:<file hash>:<row>`` keys, which
    these never equal, so importing such rows again adds them a second time.
    """
    occurrences: Counter[str] = Counter()
    source_keys = []
    for contact in contact_rows:
        amount = contact["amount"]
        satisfaction = contact["satisfaction"]
        content = "|".join(
            (
                str(contact["customer_id"]),
                contact["occurred_at"].isoformat(),
                contact["kind"],
                "" if amount is None else str(amount),
                "" if satisfaction is None else str(satisfaction),
            )
        )
        digest = hashlib.sha256(content.encode()).hexdigest()[:32]
        source_keys.append(f"import:{digest}:{occurrences[digest]}")
        occurrences[digest] += 1
    return source_keys


async def _check_totals(
    session: AsyncSession, team_id: int, contact_rows: list[dict[str, Any]], ids: dict[str, int]
) -> None:
    """Reject amounts whose sum per customer could overflow the revenue column.

    The revenue at any date is a signed sum of some of a customer's amounts, so the sum of
    their absolute values, stored and new, bounds it.
    """
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for contact in contact_rows:
        if contact["amount"] is not None:
            totals[contact["customer_id"]] += abs(contact["amount"])
    if not totals:
        return
    stored = await session.execute(
        select(Contact.customer_id, func.sum(func.abs(Contact.amount)))
        .join(Customer, Customer.id == Contact.customer_id)
        .where(Customer.team_id == team_id, Contact.amount.is_not(None))
        .group_by(Contact.customer_id)
    )
    for customer_id, total in stored.all():
        if customer_id in totals:
            # SQLite returns the sum as a float, PostgreSQL as a Decimal.
            totals[customer_id] += Decimal(str(total)).quantize(CENT, rounding=ROUND_HALF_UP)
    customer_id, largest = max(totals.items(), key=lambda item: item[1])
    if largest > AMOUNT_MAX:
        keys = {value: key for key, value in ids.items()}
        raise HistoryFileError(
            "history_file.error.revenue_out_of_range",
            customer=keys[customer_id],
            total=f"{largest:,}",
            maximum=f"{AMOUNT_MAX:,}",
        )


def _cents(amount: float) -> Decimal:
    # read_history rounds amounts to cents, so repr gives back their exact decimal.
    return Decimal(repr(float(amount))).quantize(CENT, rounding=ROUND_HALF_UP)


def _column_options(args: argparse.Namespace) -> ColumnOptions:
    return ColumnOptions(
        customer_col=args.customer_col,
        date_col=args.date_col,
        amount_col=args.amount_col,
        kind_col=getattr(args, "kind_col", None),
        satisfaction_col=getattr(args, "satisfaction_col", None),
        date_format=args.date_format,
    )


async def run_import(settings: Settings, args: argparse.Namespace) -> int:
    """Load ``args.file`` into the database and analyse the owner's team; return the exit code."""
    language = settings.default_language
    path = Path(args.file)
    if not await asyncio.to_thread(path.is_file):
        _say(language, "cli.file_not_found", path=str(path))
        return 2
    try:
        events = await asyncio.to_thread(read_history, path, _column_options(args))
    except HistoryFileError as error:
        print(cli_text(language, error.message_key, **error.params), file=sys.stderr)
        return 2

    now = datetime.now(UTC)
    engine = create_engine(settings.database_url)
    sessions = create_sessionmaker(engine)
    try:
        await migrate(engine)
        async with sessions() as session, session.begin():
            owner = await _owner(session, args.owner, settings, now)
            if owner is None or owner.team_id is None:
                _say(language, "cli.owner_not_found", owner=str(args.owner))
                return 2
            counts = await import_history(session, events, owner, now)
            cadence = CadenceTable.load(settings.cadence_file)
            summary = await refresh_team(
                session, owner.team_id, now, cadence, settings.tier_cutoffs
            )
            # The bot's daily analysis need not repeat today's work.
            run_name = f"analysis:{owner.team_id}"
            if await claim_run(session, run_name, now.date().isoformat(), now, timedelta(0)):
                await finish_run(session, run_name, now.date().isoformat(), now)
    except HistoryFileError as error:
        # Raised inside the transaction, which has rolled back, so nothing is stored.
        print(cli_text(language, error.message_key, **error.params), file=sys.stderr)
        return 2
    finally:
        await engine.dispose()

    _say(language, "cli.import_done", path=str(path), owner=owner.id, **counts)
    _say(
        language,
        "cli.analysis_done",
        customers=summary.customers,
        followups=summary.followups_scheduled,
    )
    return 0


def _parse_as_of(value: str) -> datetime | None:
    """Return the end of day ``value`` (YYYY-MM-DD) in UTC, so the whole day counts."""
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return None
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def _earliest_date(events: pd.DataFrame, customers: pd.DataFrame) -> pd.Timestamp:
    """Return the earliest event time or customer creation time, in UTC."""
    moments = pd.concat(
        [
            pd.to_datetime(events["occurred_at"], utc=True),
            pd.to_datetime(customers["created_at"], utc=True),
        ]
    )
    return moments.min()


async def run_analyze(settings: Settings, args: argparse.Namespace) -> int:
    """Write one row per customer, from the history up to ``--as-of``, to ``--out``."""
    language = args.language if args.language in ("en", "zh") else "en"
    as_of = _parse_as_of(args.as_of)
    if as_of is None:
        _say(language, "cli.bad_as_of", value=args.as_of)
        return 2

    engine = create_engine(settings.database_url)
    sessions = create_sessionmaker(engine)
    frames = []
    earliest: list[pd.Timestamp] = []
    try:
        await migrate(engine)
        async with sessions() as session:
            names = dict((await session.execute(select(Customer.id, Customer.name))).all())
            team_ids = (await session.scalars(select(Team.id))).all()
            for team_id in team_ids:
                events, customers = await load_team_history(session, team_id)
                if customers.empty:
                    continue
                earliest.append(_earliest_date(events, customers))
                analysis_settings = AnalysisSettings(tier_cutoffs=settings.tier_cutoffs)
                result = await asyncio.to_thread(
                    analyze, events, as_of, customers, analysis_settings
                )
                result = result.assign(team=team_id)
                frames.append(result)
    finally:
        await engine.dispose()

    if not frames:
        _say(language, "cli.nothing_to_analyze")
        return 1
    table = pd.concat(frames)
    if table.empty:
        # Every customer was created and every event happened after --as-of.
        first = min(earliest).date().isoformat()
        _say(language, "cli.nothing_before_as_of", as_of=args.as_of, first=first)
        return 1
    table["reason"] = [render_reason(parts, language) for parts in table["reason_parts"]]
    table.index = [names.get(int(key), key) for key in table.index]
    table.index.name = "customer"
    table = table.reset_index()
    extra = [
        column
        for column in (
            "detected_stage",
            "suggested_level",
            "revenue",
            "n_purchases",
            "recency_days",
            "usual_gap_days",
            "rfm_r",
            "rfm_f",
            "rfm_m",
            "contribution_share",
            "value_ratio",
            "value_warning",
            "team",
        )
        if column in table.columns
    ]
    output = Path(args.out)
    output.parent.mkdir(parents=True, exist_ok=True)
    table[list(ANALYZE_COLUMNS) + extra].to_csv(output, index=False)
    _say(language, "cli.analyze_done", customers=len(table), path=str(output), as_of=args.as_of)
    return 0
