"""Claims of periodic job runs, so each run happens once across all bot processes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_if_absent
from storage.models import JobRun


async def claim_run(
    session: AsyncSession, name: str, run_key: str, now: datetime, lease: timedelta
) -> bool:
    """Claim run ``run_key`` of job ``name``; False when another process has it or it is done.

    A run that was claimed more than ``lease`` ago and never finished belongs to a process
    that died, and is taken over by a conditional UPDATE that only one process can win.
    """
    if await insert_if_absent(
        session, JobRun, ["name", "run_key"], name=name, run_key=run_key, started_at=now
    ):
        return True
    taken_over = await session.execute(
        update(JobRun)
        .where(
            JobRun.name == name,
            JobRun.run_key == run_key,
            JobRun.finished_at.is_(None),
            JobRun.started_at <= now - lease,
        )
        .values(started_at=now)
    )
    return taken_over.rowcount == 1


async def finish_run(session: AsyncSession, name: str, run_key: str, now: datetime) -> None:
    await session.execute(
        update(JobRun)
        .where(JobRun.name == name, JobRun.run_key == run_key)
        .values(finished_at=now)
    )
