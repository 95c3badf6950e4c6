"""The scheduler tick: push due follow-ups and send due manager digests.

The database is the source of truth. The JobQueue only calls ``tick`` every
``settings.tick_seconds``. Each tick claims due rows (see ``storage.followups`` and
``storage.digests``), sends them and marks them sent. A restart loses nothing, and
several bot processes on one database send each reminder and digest once, unless one
push takes longer than the claim's lease.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from telegram.ext import Application

from crm_core.digest import render_digest
from crm_core.reminder import render_reminder
from handlers.common import get_services
from handlers.delivery import DeliveryStatus, push
from handlers.gate import delete_old_updates
from handlers.reminders import reminder_keyboard
from storage.analysis_runs import refresh_team
from storage.digests import (
    DueDigest,
    claim_digest,
    digest_content,
    digest_progress,
    due_digests,
    mark_digest_failed,
    mark_digest_part_sent,
    mark_digest_sent,
    previous_digest_end,
    release_digest,
    store_digest_parts,
)
from storage.followups import (
    ReminderDelivery,
    claim_due_followups,
    mark_failed,
    mark_sent,
    release_claim,
    reminder_deliveries,
)
from storage.job_runs import claim_run, finish_run
from storage.models import Team

logger = logging.getLogger(__name__)

# Follow-ups claimed per batch. With about one message per second to one chat, a batch
# that all goes to one rep takes about this many seconds, well inside the lease.
# A rep with thousands due at once (after importing an old history) gets at most
# settings.max_pushes_per_rep_per_day of them in any 24 hours, the most valuable first.
FOLLOWUP_BATCH = 30
# A claim older than this is taken to belong to a dead process and is claimed again.
FOLLOWUP_LEASE = timedelta(minutes=10)
# Batches per tick; the rest waits for the next tick, so one tick stays short.
MAX_BATCHES_PER_TICK = 10
_TICK_LOCK = "tick_lock"
# An unfinished daily analysis older than this belongs to a dead process and runs again.
ANALYSIS_LEASE = timedelta(minutes=30)


@dataclass(frozen=True)
class TickReport:
    """Counts of the reminders and digests that one tick sent."""

    reminders_sent: int = 0
    digests_sent: int = 0
    teams_analysed: int = 0
    # True when the previous tick of this process was still running.
    skipped: bool = False


def register_jobs(application: Application) -> None:
    """Add the repeating tick to the application's JobQueue."""
    interval = get_services(application).settings.tick_seconds
    application.job_queue.run_repeating(
        tick,
        interval=interval,
        first=1.0,
        name="tick",
        # A late tick still runs once; ticks never pile up.
        job_kwargs={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )


async def tick(application_or_context: Any) -> TickReport:
    """Claim and send due follow-ups, then due digests.

    Takes the Application (tests, console) or a job's CallbackContext.
    """
    application = getattr(application_or_context, "application", application_or_context)
    lock = application.bot_data.setdefault(_TICK_LOCK, asyncio.Lock())
    if lock.locked():
        return TickReport(skipped=True)
    async with lock:
        # The analysis comes first so that a digest sent in the same tick sees today's stages.
        services = get_services(application)
        await _delete_old_update_ids(services, services.clock())
        analysed = await run_daily_analysis(application)
        reminders = await send_due_followups(application)
        digests = await send_due_digests(application)
    return TickReport(reminders_sent=reminders, digests_sent=digests, teams_analysed=analysed)


async def run_daily_analysis(application: Application) -> int:
    """Analyse each team once per UTC day; return how many teams this process analysed.

    Stages drift with time alone (a customer who stops buying slides into decline), so
    the whole book is analysed daily, which also records the stage changes the digest
    reports and refits the churn-risk model.
    """
    services = get_services(application)
    if not services.settings.daily_analysis:
        return 0
    now = services.clock()
    run_key = now.date().isoformat()
    async with services.sessions() as session:
        team_ids = list(await session.scalars(select(Team.id).order_by(Team.id)))

    analysed = 0
    for team_id in team_ids:
        name = f"analysis:{team_id}"
        async with services.sessions() as session, session.begin():
            if not await claim_run(session, name, run_key, now, ANALYSIS_LEASE):
                continue
        try:
            async with services.sessions() as session, session.begin():
                await refresh_team(
                    session, team_id, now, services.cadence, services.settings.tier_cutoffs
                )
                await finish_run(session, name, run_key, services.clock())
        except Exception:
            # The claim stays unfinished, so another tick retries after the lease.
            logger.exception("daily analysis of team %s failed", team_id)
            continue
        analysed += 1
    return analysed


async def _delete_old_update_ids(services: Any, now: datetime) -> None:
    """Forget handled update ids older than two days, once per UTC day."""
    run_key = now.date().isoformat()
    async with services.sessions() as session, session.begin():
        if not await claim_run(session, "cleanup:updates", run_key, now, ANALYSIS_LEASE):
            return
        deleted = await delete_old_updates(session, now - timedelta(days=2))
        await finish_run(session, "cleanup:updates", run_key, now)
    logger.info("deleted %d handled update ids older than two days", deleted)


async def send_due_followups(application: Application) -> int:
    """Push every due follow-up, batch by batch; return how many were sent."""
    services = get_services(application)
    sent = 0
    for _ in range(MAX_BATCHES_PER_TICK):
        async with services.sessions() as session, session.begin():
            claimed = await claim_due_followups(
                session,
                services.clock(),
                FOLLOWUP_BATCH,
                FOLLOWUP_LEASE,
                daily_cap=services.settings.max_pushes_per_rep_per_day,
            )
            deliveries = await reminder_deliveries(session, claimed)
        if not deliveries:
            break
        results = await asyncio.gather(
            *(_deliver_reminder(application, delivery) for delivery in deliveries)
        )
        sent += sum(results)
        if len(deliveries) < FOLLOWUP_BATCH:
            break
    return sent


async def _deliver_reminder(application: Application, delivery: ReminderDelivery) -> bool:
    """Push one claimed follow-up and record the outcome; return whether it was sent."""
    services = get_services(application)
    followup_id = delivery.view.followup_id
    try:
        text = render_reminder(
            delivery.view, delivery.language, ZoneInfo(delivery.timezone), services.clock()
        )
        markup = reminder_keyboard(followup_id, delivery.language)
    except Exception:  # one bad row must not stop the batch or be retried
        logger.exception("cannot render follow-up %s; marking it failed", followup_id)
        async with services.sessions() as session, session.begin():
            await mark_failed(session, followup_id, delivery.claim_token, services.clock())
        return False

    result = await push(
        application,
        user_id=delivery.rep_id,
        chat_id=delivery.chat_id,
        text=text,
        reply_markup=markup,
    )

    async with services.sessions() as session, session.begin():
        now = services.clock()
        if result.status is DeliveryStatus.SENT:
            if not await mark_sent(session, followup_id, delivery.claim_token, now):
                logger.warning("follow-up %s was sent after its claim expired", followup_id)
        elif result.status is DeliveryStatus.REJECTED:
            await mark_failed(session, followup_id, delivery.claim_token, now)
        else:
            await release_claim(session, followup_id, delivery.claim_token, now)
    if result.status is DeliveryStatus.SENT:
        logger.info("reminder sent: follow-up %s to rep %s", followup_id, delivery.rep_id)
        return True
    return False


async def send_due_digests(application: Application) -> int:
    """Send the daily digest to every manager whose digest time has passed; return the count."""
    services = get_services(application)
    async with services.sessions() as session:
        due = await due_digests(session, services.clock())
    sent = 0
    for item in due:
        sent += await _deliver_digest(application, item)
    return sent


async def _deliver_digest(application: Application, item: DueDigest) -> bool:
    services = get_services(application)
    claimed_at = services.clock()
    async with services.sessions() as session, session.begin():
        if not await claim_digest(session, item.manager_id, item.local_date, claimed_at):
            return False
        if item.team_id is None and not item.all_teams:
            logger.warning("manager %s has no team; no digest to send", item.manager_id)
            await mark_digest_failed(session, item.manager_id, item.local_date, claimed_at)
            return False

    async with services.sessions() as session:
        parts, parts_sent = await digest_progress(session, item.manager_id, item.local_date)
    if parts is None:
        try:
            async with services.sessions() as session, session.begin():
                since = await previous_digest_end(session, item.manager_id, item.local_date)
                content = await digest_content(
                    session,
                    team_id=None if item.all_teams else item.team_id,
                    zone=ZoneInfo(item.timezone),
                    now=claimed_at,
                    window_of=services.cadence.interval,
                    declined_since=since,
                )
                parts = render_digest(content, item.language, timezone=ZoneInfo(item.timezone))
                await store_digest_parts(
                    session, item.manager_id, item.local_date, parts, claimed_at
                )
        except Exception:  # the other managers still get theirs
            logger.exception("cannot build the digest of manager %s", item.manager_id)
            async with services.sessions() as session, session.begin():
                await mark_digest_failed(session, item.manager_id, item.local_date, claimed_at)
            return False

    status = DeliveryStatus.SENT
    for index in range(parts_sent, len(parts)):
        result = await push(
            application, user_id=item.manager_id, chat_id=item.chat_id, text=parts[index]
        )
        status = result.status
        if status is not DeliveryStatus.SENT:
            break
        async with services.sessions() as session, session.begin():
            await mark_digest_part_sent(session, item.manager_id, item.local_date, index + 1)

    async with services.sessions() as session, session.begin():
        now = services.clock()
        if status is DeliveryStatus.SENT:
            await mark_digest_sent(session, item.manager_id, item.local_date, now)
        elif status is DeliveryStatus.RETRY:
            await release_digest(session, item.manager_id, item.local_date, claimed_at)
        else:
            await mark_digest_failed(session, item.manager_id, item.local_date, now)
    if status is DeliveryStatus.SENT:
        logger.info("digest sent to manager %s for %s", item.manager_id, item.local_date)
        return True
    return False
