"""Each customer that entered decline is in exactly one daily digest, whatever the digest
time, a DST change or the moment the tick runs."""

from __future__ import annotations

from datetime import UTC, datetime

from crm_core.model import Role
from tests.helpers.updates import TgUser

MIA = TgUser(5, "Mia")
ANN = TgUser(2, "Ann")
DECLINE_HEADING = "Customers that entered decline since the last digest"


def declined_lines(digest_text: str) -> list[str]:
    section = digest_text.split(DECLINE_HEADING)[1].split("\n\n")[0]
    return [line for line in section.split("\n") if line.startswith("•")]


async def digests_sent(harness, moment: datetime) -> list[str]:
    harness.clock.set(moment)
    return [message.plain for message in await harness.tick() if message.chat_id == MIA.id]


async def setup_team(harness, timezone_name: str) -> None:
    await harness.enrol(MIA, Role.MANAGER, timezone_name=timezone_name)
    await harness.enrol(ANN, Role.REP, team_of=MIA)
    await harness.send(ANN, "/log Acme call first talk")
    await harness.press(ANN, 1)


async def test_decline_after_digest_time_moved(harness):
    await setup_team(harness, "UTC")
    [first] = await digests_sent(harness, datetime(2026, 3, 3, 8, 31, tzinfo=UTC))
    harness.clock.set(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
    await harness.send(ANN, "/stage Acme decline")
    await harness.send(MIA, "/digesttime 20:00")

    [second] = await digests_sent(harness, datetime(2026, 3, 4, 20, 1, tzinfo=UTC))

    # Acme entered decline on 03-03 at 12:00, after the digest of 03-03 was built.
    assert declined_lines(first) == []
    assert len(declined_lines(second)) == 1


async def test_decline_in_fall_back_hour(harness):
    # Berlin leaves summer time on Sunday 2026-10-25. The digest at 08:30 local is built at
    # 06:30 UTC on 10-24 and at 07:30 UTC on 10-25.
    await setup_team(harness, "Europe/Berlin")
    [first] = await digests_sent(harness, datetime(2026, 10, 24, 6, 30, 30, tzinfo=UTC))
    harness.clock.set(datetime(2026, 10, 24, 7, 0, tzinfo=UTC))
    await harness.send(ANN, "/stage Acme decline")

    [second] = await digests_sent(harness, datetime(2026, 10, 25, 7, 30, 30, tzinfo=UTC))

    assert declined_lines(first) == []
    assert len(declined_lines(second)) == 1


async def test_decline_in_spring_forward_hour(harness):
    # Berlin starts summer time on Sunday 2026-03-29. The digest at 08:30 local is built at
    # 07:30 UTC on 03-28 and at 06:30 UTC on 03-29.
    await setup_team(harness, "Europe/Berlin")
    harness.clock.set(datetime(2026, 3, 28, 7, 0, tzinfo=UTC))
    await harness.send(ANN, "/stage Acme decline")
    [first] = await digests_sent(harness, datetime(2026, 3, 28, 7, 30, 30, tzinfo=UTC))

    [second] = await digests_sent(harness, datetime(2026, 3, 29, 6, 30, 30, tzinfo=UTC))

    assert len(declined_lines(first)) == 1
    assert declined_lines(second) == []
