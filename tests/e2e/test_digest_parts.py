"""A digest in several parts: a failure part-way resumes with the next part, never repeats."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm_core.model import Role
from handlers import jobs
from storage.models import Digest
from tests.conftest import START
from tests.helpers.updates import TgUser

pytestmark = pytest.mark.harness_settings(daily_analysis=False)

MIA = TgUser(201, "Mia")
# Enough reps with long names that the digest needs several messages.
REPS = [TgUser(1000 + number, f"Representative number {number:03d}") for number in range(200)]


async def test_digest_resumes_after_failed_part(harness):
    await harness.enrol(MIA, Role.MANAGER)
    for rep in REPS:
        await harness.enrol(rep, Role.REP, team_of=MIA)
    harness.clock.set(START + timedelta(hours=23))  # past 08:30 UTC on 03-02
    # Part 1 goes out; part 2 and its three retries get 429.
    harness.transport.fail_chat(MIA.id, retry_after=1, times=4, after=1)

    await jobs.send_due_digests(harness.app)
    after_failure = [message.plain for message in harness.messages_to(MIA)]
    harness.clock.advance(timedelta(minutes=1))
    await jobs.send_due_digests(harness.app)
    harness.clock.advance(timedelta(minutes=1))
    await jobs.send_due_digests(harness.app)

    parts = [message.plain for message in harness.messages_to(MIA)]
    async with harness.services.sessions() as session:
        digest = await session.scalar(select(Digest))
    assert len(after_failure) == 1
    assert len(parts) == len(digest.parts)
    assert len(parts) > 2
    assert len(set(parts)) == len(parts)
    assert parts[0].startswith("📊 Team digest")
    assert digest.status == "sent"
    assert digest.parts_sent == len(digest.parts)
