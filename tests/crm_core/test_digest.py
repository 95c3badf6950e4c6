"""Digest dates, the choice of neglected customers and the digest text, worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from console.transport import html_to_plain
from crm_core.cadence import CadenceTable
from crm_core.digest import (
    CustomerValue,
    DeclinedCustomer,
    DigestContent,
    NeglectedCustomer,
    RepActivity,
    digest_date_due,
    local_day_bounds,
    render_digest,
    reported_day,
    select_neglected,
)
from crm_core.model import Level, Stage, Tier
from crm_core.text import utf16_len

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# A small cadence table: every level factor is 1, so the window is the stage x tier entry.
CADENCE = CadenceTable(
    days={
        **{(stage, tier): 10 for stage in Stage for tier in Tier},
        (Stage.GROWTH, Tier.A): 10,
        (Stage.GROWTH, Tier.B): 20,
        (Stage.GROWTH, Tier.C): 30,
        (Stage.DECLINE, Tier.C): 7,
        (Stage.TERMINATED, Tier.C): None,
    },
    level_factor={level: 1.0 for level in Level},
)


def customer(
    name: str,
    tier: Tier,
    revenue: int,
    last_contact_at: datetime | None,
    stage: Stage = Stage.GROWTH,
    customer_id: int = 0,
) -> CustomerValue:
    return CustomerValue(
        customer_id=customer_id,
        customer_name=name,
        owner_name="Ann",
        stage=stage,
        level=Level.CUSTOMER,
        tier=tier,
        revenue=Decimal(revenue),
        last_contact_at=last_contact_at,
    )


def test_day_bounds_spring_forward() -> None:
    # Berlin, Sunday 2026-03-29: midnight is CET (UTC+1), the next midnight CEST (UTC+2).
    start, end = local_day_bounds(date(2026, 3, 29), BERLIN)

    assert start == utc(2026, 3, 28, 23, 0)
    assert end == utc(2026, 3, 29, 22, 0)
    assert end - start == timedelta(hours=23)


def test_day_bounds_fall_back() -> None:
    # Berlin, Sunday 2026-10-25: midnight is CEST (UTC+2), the next midnight CET (UTC+1).
    start, end = local_day_bounds(date(2026, 10, 25), BERLIN)

    assert start == utc(2026, 10, 24, 22, 0)
    assert end == utc(2026, 10, 25, 23, 0)
    assert end - start == timedelta(hours=25)


def test_reported_day_is_local_yesterday() -> None:
    # 23:30 UTC on 2 March is already 00:30 on 3 March in Berlin.
    assert reported_day(utc(2026, 3, 2, 23, 30), BERLIN) == date(2026, 3, 2)
    assert reported_day(utc(2026, 3, 2, 22, 30), BERLIN) == date(2026, 3, 1)


@pytest.mark.parametrize(
    ("now", "zone", "expected"),
    [
        # Berlin on CET (UTC+1): 08:30 local is 07:30 UTC.
        pytest.param(utc(2026, 3, 28, 7, 29), BERLIN, None, id="berlin-cet-0829"),
        pytest.param(utc(2026, 3, 28, 7, 30), BERLIN, date(2026, 3, 28), id="berlin-cet-0830"),
        # Berlin on CEST (UTC+2) from 29 March: 08:30 local is 06:30 UTC.
        pytest.param(utc(2026, 3, 29, 6, 29), BERLIN, None, id="berlin-cest-0829"),
        pytest.param(utc(2026, 3, 29, 6, 30), BERLIN, date(2026, 3, 29), id="berlin-cest-0830"),
        # New York on EDT (UTC-4) from 8 March: 08:30 local is 12:30 UTC.
        pytest.param(utc(2026, 3, 8, 12, 29), NEW_YORK, None, id="new-york-edt-0829"),
        pytest.param(utc(2026, 3, 8, 12, 30), NEW_YORK, date(2026, 3, 8), id="new-york-edt-0830"),
        # 03:00 UTC on 9 March is still 23:00 on 8 March in New York.
        pytest.param(utc(2026, 3, 9, 3, 0), NEW_YORK, date(2026, 3, 8), id="new-york-late"),
    ],
)
def test_digest_date_due(now: datetime, zone: ZoneInfo, expected: date | None) -> None:
    assert digest_date_due(now, zone, time(8, 30)) == expected


def test_digest_time_in_dst_gap() -> None:
    # 02:30 does not exist in Berlin on 2026-03-29; it is read as 02:30 CET = 01:30 UTC,
    # which is 03:30 CEST on the wall clock.
    assert digest_date_due(utc(2026, 3, 29, 1, 29), BERLIN, time(2, 30)) is None
    assert digest_date_due(utc(2026, 3, 29, 1, 30), BERLIN, time(2, 30)) == date(2026, 3, 29)


def test_select_neglected_order_and_windows() -> None:
    candidates = [
        # growth A, window 10 days: 9 days without contact is within it.
        customer("Recent", Tier.A, 20000, NOW - timedelta(days=9), customer_id=1),
        # Exactly 10 days is still within the window; only more than 10 qualifies.
        customer("Edge", Tier.A, 5000, NOW - timedelta(days=10), customer_id=2),
        customer("Big", Tier.A, 9000, NOW - timedelta(days=11), customer_id=3),
        # growth B, window 20 days.
        customer("Never", Tier.B, 100, None, customer_id=4),
        customer("Richer B", Tier.B, 7000, NOW - timedelta(days=25), customer_id=5),
        # terminated C has no follow-up at all, so it never qualifies.
        customer("Gone", Tier.C, 80000, None, Stage.TERMINATED, customer_id=6),
        # decline C, window 7 days.
        customer("Dropping", Tier.C, 50000, NOW - timedelta(days=8), Stage.DECLINE, 7),
    ]

    chosen = select_neglected(candidates, NOW, CADENCE.interval, limit=10)

    assert [item.customer.customer_name for item in chosen] == [
        "Big",
        "Richer B",
        "Never",
        "Dropping",
    ]
    assert [item.days_without_contact for item in chosen] == [11, 25, None, 8]
    assert [item.window.days for item in chosen] == [10, 20, 20, 7]


def test_select_neglected_limit() -> None:
    candidates = [
        customer(f"C{index}", Tier.A, 1000 - index, None, customer_id=index) for index in range(5)
    ]

    chosen = select_neglected(candidates, NOW, CADENCE.interval, limit=3)

    assert [item.customer.customer_name for item in chosen] == ["C0", "C1", "C2"]


def sample_content() -> DigestContent:
    return DigestContent(
        day=date(2026, 3, 1),
        reps=(
            RepActivity(101, "Ann <A&B>", contacts=3, overdue_followups=1),
            RepActivity(102, "Bob", contacts=0, overdue_followups=2),
        ),
        declined=(
            DeclinedCustomer(
                "Acme <GmbH>",
                "Bob",
                utc(2026, 3, 1, 12, 0),
                (("analysis.reason.usual_gap", {"days": 30}),),
            ),
        ),
        neglected=(
            NeglectedCustomer(customer("Big & Co", Tier.A, 9000, None), timedelta(days=10), None),
            NeglectedCustomer(
                customer("Small", Tier.B, 1234567, NOW - timedelta(days=25)),
                timedelta(days=20),
                25,
            ),
        ),
    )


def test_render_digest_lines() -> None:
    [text] = render_digest(sample_content(), "en")
    lines = text.split("\n")

    assert lines[0] == "📊 <b>Team digest, 2026-03-02</b>"
    assert "<b>Yesterday, 2026-03-01</b>" in lines
    assert "• Ann &lt;A&amp;B&gt;: contacts logged 3, overdue follow-ups 1" in lines
    assert "• Bob: contacts logged 0, overdue follow-ups 2" in lines
    # 3 + 0 contacts, 1 + 2 overdue.
    assert "Team: contacts logged 3, overdue follow-ups 3" in lines
    assert "• Acme &lt;GmbH&gt; (Bob): usual gap 30 days" in lines
    assert "• Big &amp; Co (Ann), tier A, revenue 9,000: never contacted, cadence 10 days" in lines
    assert (
        "• Small (Ann), tier B, revenue 1,234,567: last contact 25 days ago, cadence 20 days"
        in lines
    )


def test_render_digest_is_valid_html() -> None:
    [text] = render_digest(sample_content(), "zh")

    plain = html_to_plain(text)

    assert "Ann <A&B>" in plain
    assert "团队日报" in plain


def test_render_empty_digest() -> None:
    content = DigestContent(day=date(2026, 3, 1), reps=(), declined=(), neglected=())

    [text] = render_digest(content, "en")

    assert "No team members yet." in text
    assert text.count("None.") == 2


def test_render_digest_splits_long_team() -> None:
    # 400 lines of about 105 characters each make about 42,000 units, which needs 11
    # messages or more under the 4,096 limit.
    reps = tuple(
        RepActivity(index, f"Rep {index:03d} " + "é" * 52, contacts=index, overdue_followups=1)
        for index in range(400)
    )
    content = DigestContent(day=date(2026, 3, 1), reps=reps, declined=(), neglected=())

    parts = render_digest(content, "en")
    plains = [html_to_plain(part) for part in parts]
    joined = "\n".join(plains)

    assert len(parts) >= 11
    assert max(utf16_len(part) for part in parts) <= 4096
    for index in range(400):
        assert joined.count(f"Rep {index:03d} ") == 1
    # 0 + 1 + ... + 399 = 79,800 contacts; 400 overdue.
    assert "Team: contacts logged 79800, overdue follow-ups 400" in joined
