"""Follow-up reminders end to end: the tick pushes each due follow-up once, buttons close it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm_core.model import Role
from handlers.jobs import FOLLOWUP_LEASE
from storage.followups import claim_due_followups, schedule_followup
from storage.models import Customer, FollowUp, User
from tests.conftest import START
from tests.helpers.updates import TgUser

# These tests put customers with a hand-picked stage into the database. The daily analysis
# would recompute those stages from the (empty) history in the first tick.
pytestmark = pytest.mark.harness_settings(daily_analysis=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_harness(request: pytest.FixtureRequest):
    """The harness on SQLite, then on PostgreSQL."""
    return request.getfixturevalue("harness" if request.param == "sqlite" else "harness_pg")


MANAGER = TgUser(201, "Mia")
ANN = TgUser(101, "Ann")
BOB = TgUser(102, "Bob")
LI = TgUser(103, "Li", language_code="zh-hans")

DUE = START + timedelta(hours=1)  # Monday 2026-03-02 11:00 UTC


async def seed_followup(
    harness,
    owner: TgUser,
    name: str,
    due_at: datetime,
    *,
    note: str | None = "ask about the renewal",
) -> int:
    """Insert a decline-stage customer of ``owner`` with one pending follow-up."""
    async with harness.services.sessions() as session, session.begin():
        team_id = (await session.get(User, owner.id)).team_id
        customer = Customer(
            team_id=team_id,
            owner_id=owner.id,
            name=name,
            name_key=name.casefold(),
            created_at=START - timedelta(days=90),
            level="customer",
            stage="decline",
            detected_stage="decline",
            stage_reason=[["analysis.reason.usual_gap", {"days": 30}]],
            tier="A",
            revenue=Decimal("5000"),
            value_warning=False,
            analysis={},
            last_contact_at=START - timedelta(days=40),
        )
        session.add(customer)
        await session.flush()
        followup = await schedule_followup(
            session, customer_id=customer.id, rep_id=owner.id, due_at=due_at, note=note, now=START
        )
        return followup.id


async def status_of(harness, followup_id: int) -> str:
    async with harness.services.sessions() as session:
        return await session.scalar(select(FollowUp.status).where(FollowUp.id == followup_id))


async def tick(harness) -> list:
    """Run one tick and return what it sent to reps; the manager's digest is left out."""
    return [message for message in await harness.tick() if message.chat_id != MANAGER.id]


async def team(harness) -> None:
    await harness.enrol(MANAGER, Role.MANAGER)
    await harness.enrol(ANN, Role.REP, team_of=MANAGER)


async def test_due_followup_pushed_once(harness) -> None:
    await team(harness)
    await seed_followup(harness, ANN, "Acme", DUE)

    early = await tick(harness)
    harness.clock.set(DUE)
    on_time = await tick(harness)
    again = await tick(harness)
    harness.clock.advance(timedelta(days=30))
    much_later = await tick(harness)

    assert early == []
    assert len(on_time) == 1
    assert on_time[0].chat_id == ANN.id
    assert again == []
    assert much_later == []


async def test_reminder_text_and_buttons(harness) -> None:
    await team(harness)
    await seed_followup(harness, ANN, "A<b>&Co", DUE)
    harness.clock.set(DUE + timedelta(hours=3))

    [reminder] = await tick(harness)

    lines = reminder.plain.split("\n")
    assert lines[0] == "🔔 Follow up: A<b>&Co"
    assert lines[1] == "Overdue by 3 h (due 2026-03-02 11:00)."
    assert lines[2] == "Stage: decline (usual gap 30 days)"
    assert lines[3] == "Your note: ask about the renewal"
    assert lines[4].startswith("Suggested approach: ")
    assert "A&lt;b&gt;&amp;Co" in reminder.text
    assert [button["text"] for button in reminder.buttons] == [
        "✅ Done",
        "⏰ Snooze 1 day",
        "⏰ Snooze 1 week",
    ]


async def test_reminder_in_rep_language(harness) -> None:
    await harness.enrol(MANAGER, Role.MANAGER)
    await harness.enrol(LI, Role.REP, team_of=MANAGER, language="zh")
    await seed_followup(harness, LI, "Acme", DUE)
    harness.clock.set(DUE)

    [reminder] = await tick(harness)

    assert reminder.plain.startswith("🔔 跟进：Acme")
    assert reminder.buttons[0]["text"] == "✅ 已完成"


async def test_done_pressed(harness) -> None:
    await team(harness)
    followup_id = await seed_followup(harness, ANN, "Acme", DUE)
    harness.clock.set(DUE)
    [reminder] = await tick(harness)

    new_messages = await harness.press(ANN, 1)

    assert new_messages == []
    # Decline, tier A, level customer: 3 days in the shipped cadence, from Monday 03-02.
    assert reminder.plain.endswith(
        "✅ Marked done. Next follow-up: 2026-03-05 09:00. Log what happened with /log Acme."
    )
    assert reminder.plain.startswith("🔔 Follow up: Acme")
    assert reminder.buttons == []
    assert harness.transport.callback_answers[-1]["text"] == "Marked done."
    assert await status_of(harness, followup_id) == "done"
    harness.clock.set(datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
    [next_reminder] = await tick(harness)
    assert next_reminder.plain.startswith("🔔 Follow up: Acme")


async def test_second_press_changes_nothing(harness) -> None:
    await team(harness)
    followup_id = await seed_followup(harness, ANN, "Acme", DUE)
    harness.clock.set(DUE)
    [reminder] = await tick(harness)
    await harness.press(ANN, 1)
    text_after_first = reminder.text
    edits_after_first = reminder.edits

    await harness.press_data(ANN, reminder, f"fu:week:{followup_id}")

    assert harness.transport.callback_answers[-1]["text"] == "This reminder is already closed."
    assert reminder.text == text_after_first
    assert reminder.edits == edits_after_first
    assert await status_of(harness, followup_id) == "done"


@pytest.mark.parametrize(
    "template",
    [
        pytest.param("fu:nap:{id}", id="unknown-action"),
        pytest.param("fu:done:" + "9" * 40, id="forty-digits"),
        pytest.param("fu:day:2147483648", id="past-32-bits"),
        pytest.param("fu:week:0", id="zero"),
        pytest.param("fu:done:-{id}", id="negative"),
        pytest.param("fu:done:{id}:1", id="extra-field"),
        pytest.param("fu:done", id="missing-id"),
    ],
)
async def test_forged_reminder_button_stale(harness, template) -> None:
    await team(harness)
    followup_id = await seed_followup(harness, ANN, "Acme", DUE)
    harness.clock.set(DUE)
    [reminder] = await tick(harness)
    text_before = reminder.text

    forged = await harness.press_data(ANN, reminder, template.replace("{id}", str(followup_id)))

    assert forged == []
    assert harness.transport.callback_answers[-1]["text"] == (
        "This button has expired. Start again with the command."
    )
    assert reminder.text == text_before
    assert reminder.edits == 0
    assert await status_of(harness, followup_id) == "sent"


async def test_snooze_day_pressed(harness) -> None:
    # Due and pressed Monday 11:00 UTC; the snoozed reminder comes Tuesday 11:00.
    await team(harness)
    followup_id = await seed_followup(harness, ANN, "Acme", DUE)
    harness.clock.set(DUE)
    [reminder] = await tick(harness)

    await harness.press(ANN, 2)
    harness.clock.set(datetime(2026, 3, 3, 10, 59, tzinfo=UTC))
    before = await tick(harness)
    harness.clock.set(datetime(2026, 3, 3, 11, 0, tzinfo=UTC))
    snoozed = await tick(harness)

    assert reminder.plain.endswith("⏰ Snoozed until 2026-03-03 11:00.")
    assert await status_of(harness, followup_id) == "snoozed"
    assert before == []
    assert len(snoozed) == 1
    assert snoozed[0].plain.startswith("🔔 Follow up: Acme")
    assert "Your note: ask about the renewal" in snoozed[0].plain


async def test_snooze_week_across_dst(harness) -> None:
    # Ann works in Berlin. Due Friday 2026-03-27 09:00 CET (08:00 UTC). A week later,
    # Friday 2026-04-03 09:00, is CEST (UTC+2): 07:00 UTC.
    await harness.enrol(MANAGER, Role.MANAGER)
    await harness.enrol(ANN, Role.REP, team_of=MANAGER, timezone_name="Europe/Berlin")
    due = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)
    await seed_followup(harness, ANN, "Acme", due)
    harness.clock.set(due)
    [reminder] = await tick(harness)

    await harness.press(ANN, 3)
    harness.clock.set(datetime(2026, 4, 3, 6, 59, tzinfo=UTC))
    before = await tick(harness)
    harness.clock.set(datetime(2026, 4, 3, 7, 0, tzinfo=UTC))
    snoozed = await tick(harness)

    assert reminder.plain.endswith("⏰ Snoozed until 2026-04-03 09:00.")
    assert before == []
    assert len(snoozed) == 1


async def test_restart_between_due_and_tick(any_harness) -> None:
    await team(any_harness)
    await seed_followup(any_harness, ANN, "Acme", DUE)

    any_harness.clock.set(DUE + timedelta(minutes=5))
    await any_harness.restart()
    delivered = await tick(any_harness)
    await any_harness.restart()
    after_second_restart = await tick(any_harness)

    assert len(delivered) == 1
    assert after_second_restart == []
    assert len(any_harness.messages_to(ANN)) == 1


async def test_dead_claim_retried_after_lease(harness) -> None:
    # Another process claimed the follow-up and died before sending it.
    await team(harness)
    followup_id = await seed_followup(harness, ANN, "Acme", DUE)
    harness.clock.set(DUE)
    async with harness.services.sessions() as session, session.begin():
        await claim_due_followups(session, DUE, 10, FOLLOWUP_LEASE)

    await harness.restart()
    within_lease = await tick(harness)
    harness.clock.set(DUE + FOLLOWUP_LEASE)
    after_lease = await tick(harness)
    later = await tick(harness)

    assert within_lease == []
    assert len(after_lease) == 1
    assert later == []
    assert await status_of(harness, followup_id) == "sent"


async def test_blocked_rep_does_not_stop_others(harness) -> None:
    await team(harness)
    await harness.enrol(BOB, Role.REP, team_of=MANAGER)
    ann_followup = await seed_followup(harness, ANN, "Acme", DUE)
    await seed_followup(harness, BOB, "Globex", DUE)
    harness.transport.fail_chat(ANN.id, blocked=True)
    harness.clock.set(DUE)

    sent = await tick(harness)
    async with harness.services.sessions() as session:
        ann_active = (await session.get(User, ANN.id)).active

    assert [message.chat_id for message in sent] == [BOB.id]
    assert ann_active is False
    assert await status_of(harness, ann_followup) == "pending"


async def test_blocked_rep_gets_it_on_return(harness) -> None:
    await team(harness)
    await seed_followup(harness, ANN, "Acme", DUE)
    harness.transport.fail_chat(ANN.id, blocked=True)
    harness.clock.set(DUE)
    await tick(harness)

    await harness.send(ANN, "/lang en")
    harness.clock.advance(timedelta(minutes=1))
    delivered = await tick(harness)

    assert [message.plain.split("\n")[0] for message in delivered] == ["🔔 Follow up: Acme"]


async def test_other_rep_cannot_press(harness) -> None:
    await team(harness)
    await harness.enrol(BOB, Role.REP, team_of=MANAGER)
    followup_id = await seed_followup(harness, ANN, "Acme", DUE)
    harness.clock.set(DUE)
    [reminder] = await tick(harness)

    await harness.press_data(BOB, reminder, f"fu:done:{followup_id}")

    assert harness.transport.callback_answers[-1]["text"] == (
        "Only the rep who owns this reminder or their manager can close it."
    )
    assert await status_of(harness, followup_id) == "sent"
    assert len(reminder.buttons) == 3


async def test_logged_contact_makes_button_stale(harness) -> None:
    # A new follow-up for the same customer supersedes the one on screen.
    await team(harness)
    followup_id = await seed_followup(harness, ANN, "Acme", DUE)
    harness.clock.set(DUE)
    await tick(harness)
    async with harness.services.sessions() as session, session.begin():
        customer_id = await session.scalar(
            select(FollowUp.customer_id).where(FollowUp.id == followup_id)
        )
        await schedule_followup(
            session,
            customer_id=customer_id,
            rep_id=ANN.id,
            due_at=DUE + timedelta(days=7),
            note=None,
            now=DUE,
        )

    await harness.press(ANN, 1)

    assert harness.transport.callback_answers[-1]["text"] == "This reminder is already closed."
    assert await status_of(harness, followup_id) == "superseded"
