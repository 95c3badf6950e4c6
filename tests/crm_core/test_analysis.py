"""Stage, level, value and tier on small histories with results worked out by hand.

Unless a test says otherwise, ``AS_OF`` is 2024-06-30 00:00 UTC and the settings are the
defaults: assumed gap 90 days for one purchase day, decline at recency >= 2 x gap,
terminated at >= 4 x gap and >= 180 days, recent window 90 days.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from importlib import resources
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from crm_core.analysis import (
    analyze,
    analyze_one,
    assign_tiers,
    level_label,
    render_reason,
    stage_label,
    tier_label,
)
from crm_core.model import Level, Stage, Tier
from crm_core.risk import fit_churn_model
from storage.history_file import read_history

AS_OF = datetime(2024, 6, 30, tzinfo=UTC)


def make_events(*rows: tuple) -> pd.DataFrame:
    """Build an events frame from (customer, date, kind, amount, satisfaction) tuples."""
    records = [
        (customer, pd.Timestamp(date), kind, amount, satisfaction)
        for customer, date, kind, amount, satisfaction in (
            row + (None,) * (5 - len(row)) for row in rows
        )
    ]
    frame = pd.DataFrame(
        records, columns=["customer", "occurred_at", "kind", "amount", "satisfaction"]
    )
    frame["amount"] = frame["amount"].astype(float)
    frame["satisfaction"] = frame["satisfaction"].astype(float)
    return frame


def purchases(customer: str, dates: list[str], amount: float = 100.0) -> list[tuple]:
    return [(customer, date, "purchase", amount) for date in dates]


MONTHLY_FROM_MAY_2023 = [
    f"{year}-{month:02d}-01"
    for year, month in (
        *((2023, month) for month in range(5, 13)),
        *((2024, month) for month in range(1, 7)),
    )
]


def test_no_purchase_is_acquisition():
    result = analyze(make_events(("P", "2024-06-01", "call")), AS_OF)

    row = result.loc["P"]
    assert row["stage"] == Stage.ACQUISITION
    assert row["level"] == Level.CASUAL_BUYER
    assert math.isnan(row["churn_risk"])
    assert row["rfm_r"] is pd.NA
    assert row["reason"] == "no purchase yet, last contact on 2024-06-01"


def test_customer_without_events_gets_row():
    customers = pd.DataFrame(
        {
            "customer": ["N"],
            "created_at": [pd.NaT],
            "level_override": [None],
            "stage_override": [None],
        }
    )
    result = analyze(make_events(("P", "2024-06-01", "call")), AS_OF, customers)

    assert result.loc["N", "stage"] == Stage.ACQUISITION
    assert result.loc["N", "reason"] == "no contacts or purchases yet"
    assert result.loc["N", "tier"] == Tier.C


def test_one_purchase_is_not_active():
    # One purchase day 20 days ago: no usual gap, so the assumed 90 days applies and the
    # customer stays in acquisition rather than counting as an established buyer.
    result = analyze(make_events(*purchases("S", ["2024-06-10"])), AS_OF)

    row = result.loc["S"]
    assert row["stage"] == Stage.ACQUISITION
    assert row["suggested_level"] == Level.CASUAL_BUYER
    assert row["recency_days"] == 20
    assert math.isnan(row["usual_gap_days"])
    assert row["reason"] == "one purchase day so far, 20 days ago"
    assert 0.0 <= row["churn_risk"] <= 1.0


def test_one_purchase_long_ago_declines():
    # 2024-01-01 to 2024-06-30 is 181 days: 181 / 90 >= 2 but < 4, so decline.
    result = analyze(make_events(*purchases("S", ["2024-01-01"])), AS_OF)

    assert result.loc["S", "stage"] == Stage.DECLINE
    assert result.loc["S", "reason"] == (
        "last purchase 181 days ago; only one purchase day, so a gap of 90 days is assumed"
    )


def test_purchases_on_one_day_count_once():
    events = make_events(
        ("D", "2024-06-10 09:00", "purchase", 50.0), ("D", "2024-06-10 17:00", "purchase", 70.0)
    )
    result = analyze(events, AS_OF)

    row = result.loc["D"]
    assert row["n_purchases"] == 1
    assert row["purchase_count"] == 2
    assert row["revenue"] == 120.0
    assert row["stage"] == Stage.ACQUISITION


def test_history_after_as_of_is_ignored():
    events = make_events(("F", "2024-07-05", "purchase", 80.0), ("P", "2024-06-01", "call"))

    assert "F" not in analyze(events, AS_OF).index

    customers = pd.DataFrame({"customer": ["F"], "created_at": [pd.NaT]})
    row = analyze(events, AS_OF, customers).loc["F"]
    assert row["stage"] == Stage.ACQUISITION
    assert row["n_purchases"] == 0
    assert row["reason"] == "no contacts or purchases yet"


def test_created_after_as_of_gets_no_row():
    customers = pd.DataFrame({"customer": ["Z"], "created_at": [pd.Timestamp("2024-08-01")]})

    result = analyze(make_events(("P", "2024-06-01", "call")), AS_OF, customers)

    assert "Z" not in result.index


def test_all_refunded_is_acquisition():
    events = make_events(
        ("R", "2024-05-01", "purchase", 100.0), ("R", "2024-05-03", "purchase", -100.0)
    )
    row = analyze(events, AS_OF).loc["R"]

    assert row["revenue"] == 0.0
    assert row["stage"] == Stage.ACQUISITION
    assert row["suggested_level"] == Level.CASUAL_BUYER
    assert row["tier"] == Tier.C
    assert row["reason"] == "all purchases refunded (net revenue 0.00 from 2 purchase records)"


def test_explicit_loss_terminates():
    events = make_events(
        *purchases("L", ["2024-03-01", "2024-04-01"]), ("L", "2024-05-15", "loss")
    )
    row = analyze(events, AS_OF).loc["L"]

    assert row["stage"] == Stage.TERMINATED
    assert row["churn_risk"] == 1.0
    assert row["reason"] == "marked as lost on 2024-05-15"


def test_purchase_after_loss_reopens():
    events = make_events(
        *purchases("L", ["2024-03-01", "2024-04-01"]),
        ("L", "2024-05-15", "loss"),
        *purchases("L", ["2024-06-01"]),
    )
    row = analyze(events, AS_OF).loc["L"]

    assert row["stage"] == Stage.GROWTH
    assert pd.isna(row["lost_at"])


def test_complaint_means_decline():
    # Gaps 30, 30, 30 days; the last purchase (2024-05-31) is 30 days old, on schedule.
    dates = ["2024-03-02", "2024-04-01", "2024-05-01", "2024-05-31"]
    events = make_events(*purchases("C", dates), ("C", "2024-06-15", "complaint"))
    row = analyze(events, AS_OF).loc["C"]

    assert row["usual_gap_days"] == 30
    assert row["stage"] == Stage.DECLINE
    assert row["reason"] == "complaints in the last 90 days: 1; last purchase 30 days ago"


def test_low_satisfaction_means_decline():
    dates = ["2024-03-02", "2024-04-01", "2024-05-01", "2024-05-31"]
    events = make_events(*purchases("U", dates), ("U", "2024-06-15", "call", None, 2.0))
    row = analyze(events, AS_OF).loc["U"]

    assert row["stage"] == Stage.DECLINE
    assert row["reason"] == (
        "average satisfaction 2.0 of 5 in the last 90 days; last purchase 30 days ago"
    )


def test_overdue_repeat_buyer_declines():
    # Gaps 30 (Jan 1 - Jan 31) and 30 (Jan 31 - Mar 1, 2024 is a leap year): usual gap 30.
    # Recency Mar 1 - Jun 30 = 121 days: 121 / 30 = 4.03 >= 4, but 121 < 180, so decline.
    # Spend: nothing in the last 90 days against 300 over the 91 days before, so -100%.
    events = make_events(*purchases("O", ["2024-01-01", "2024-01-31", "2024-03-01"]))
    row = analyze(events, AS_OF).loc["O"]

    assert row["stage"] == Stage.DECLINE
    assert row["reason"] == (
        "last purchase 121 days ago; usual gap 30 days; spend down 100% over the last 90 days"
    )


def test_long_absence_terminates():
    # Gap 30 days; recency 2023-07-01 - 2024-06-30 = 365 days >= 4 x 30 and >= 180.
    events = make_events(*purchases("T", ["2023-06-01", "2023-07-01"]))
    row = analyze(events, AS_OF).loc["T"]

    assert row["stage"] == Stage.TERMINATED
    assert row["reason"] == "last purchase 365 days ago; usual gap 30 days"


def test_young_repeat_buyer_grows():
    # Gaps 30 and 31 days, median 30.5, shown rounded half up as 31. Tenure Apr 1 - Jun 30
    # is 90 days, below the 365 days of maturity. No earlier spend window yet, so no trend.
    events = make_events(*purchases("G", ["2024-04-01", "2024-05-01", "2024-06-01"]))
    row = analyze(events, AS_OF).loc["G"]

    assert row["stage"] == Stage.GROWTH
    assert row["usual_gap_days"] == 30.5
    assert math.isnan(row["spend_trend"])
    assert row["suggested_level"] == Level.CUSTOMER
    assert (
        row["reason"]
        == "3 purchase days over 90 days; last purchase 29 days ago; usual gap 31 days"
    )


def test_long_steady_buyer_is_mature():
    # 14 monthly purchases of 100 from 2023-05-01 to 2024-06-01. The 13 gaps are
    # 29 x1, 30 x4, 31 x8, median 31. Tenure 2023-05-01 - 2024-06-30 = 426 days.
    # Recent 90 days (after 2024-04-01): May and June = 200. The earlier period runs from
    # the first purchase to 2024-04-01, 336 days with 12 purchases = 1200, so 1200 x 90 /
    # 336 = 321.4 per 90 days. Trend 200 / 321.4 - 1 = -37.8%, shown as 38%.
    row = analyze(make_events(*purchases("M", MONTHLY_FROM_MAY_2023)), AS_OF).loc["M"]

    assert row["stage"] == Stage.MATURITY
    assert row["tenure_days"] == 426
    assert row["spend_trend"] == pytest.approx(200 / (1200 * 90 / 336) - 1)
    assert row["reason"] == (
        "14 purchase days over 426 days; last purchase 29 days ago; usual gap 31 days; "
        "spend down 38% over the last 90 days"
    )


def test_spend_drop_declines():
    # Monthly from 2023-07-01: 300 each up to 2024-04-01 (10 purchases), then 50 in May and
    # June. Recent spend 100. Earlier span 2023-07-01 - 2024-04-01 = 275 days with 3000, so
    # 3000 x 90 / 275 = 981.8 per 90 days. Trend 100 / 981.8 - 1 = -89.8%, shown as 90%.
    dates = [f"2023-{month:02d}-01" for month in range(7, 13)] + [
        f"2024-{month:02d}-01" for month in range(1, 5)
    ]
    events = make_events(
        *purchases("Y", dates, 300.0), *purchases("Y", ["2024-05-01", "2024-06-01"], 50.0)
    )
    row = analyze(events, AS_OF).loc["Y"]

    assert row["spend_trend"] == pytest.approx(100 / (3000 * 90 / 275) - 1)
    assert row["stage"] == Stage.DECLINE
    assert row["reason"] == (
        "spend down 90% over the last 90 days; last purchase 29 days ago; usual gap 31 days"
    )


def test_stage_override_wins_and_shows():
    events = make_events(*purchases("G", ["2024-04-01", "2024-05-01", "2024-06-01"]))
    customers = pd.DataFrame(
        {
            "customer": ["G"],
            "created_at": [pd.NaT],
            "level_override": ["client"],
            "stage_override": ["maturity"],
        }
    )
    row = analyze(events, AS_OF, customers).loc["G"]

    assert row["stage"] == Stage.MATURITY
    assert row["detected_stage"] == Stage.GROWTH
    assert row["stage_overridden"]
    assert row["reason"].startswith("stage set by hand to maturity (detected: growth); ")
    assert row["level"] == Level.CLIENT
    assert row["suggested_level"] == Level.CUSTOMER
    assert row["level_overridden"]
    assert not row["level_upgrade"]


def test_level_upgrade_suggested():
    events = make_events(*purchases("G", ["2024-04-01", "2024-05-01", "2024-06-01"]))
    customers = pd.DataFrame({"customer": ["G"], "level_override": ["casual_buyer"]})
    row = analyze(events, AS_OF, customers).loc["G"]

    assert row["level"] == Level.CASUAL_BUYER
    assert row["suggested_level"] == Level.CUSTOMER
    assert row["level_upgrade"]


def test_invalid_override_raises():
    customers = pd.DataFrame({"customer": ["G"], "stage_override": ["sleeping"]})

    with pytest.raises(ValueError, match="sleeping"):
        analyze(make_events(*purchases("G", ["2024-06-01"])), AS_OF, customers)


def test_dialogue_makes_client():
    # Three purchase days and three calls or meetings in the last 180 days.
    events = make_events(
        *purchases("K", ["2024-04-01", "2024-05-01", "2024-06-01"]),
        ("K", "2024-04-15", "call"),
        ("K", "2024-05-15", "meeting"),
        ("K", "2024-06-15", "email"),
    )
    row = analyze(events, AS_OF).loc["K"]

    assert row["suggested_level"] == Level.CLIENT
    assert row["level_reason"] == (
        "3 purchase days and 3 calls, visits, messages or meetings in the last 180 days"
    )


def test_long_valuable_partner():
    # Tier A (the only buyer), 14 purchase days over 426 days, four meetings within a year.
    meetings = [
        ("Q", date, "meeting") for date in ("2023-09-10", "2023-12-10", "2024-03-10", "2024-06-10")
    ]
    events = make_events(*purchases("Q", MONTHLY_FROM_MAY_2023), *meetings)
    row = analyze(events, AS_OF).loc["Q"]

    assert row["tier"] == Tier.A
    assert row["suggested_level"] == Level.PARTNER
    assert row["level_reason"] == (
        "tier A for 426 days, 14 purchase days and 4 meetings or visits in the last year"
    )


def test_value_warning_on_rising_price():
    # Satisfaction 5 throughout. Reference price (100 + 100 + 150 + 150) / 4 = 125.
    # Earlier 180 days: V = 5 / (100 / 125) = 6.25. Recent 180 days: V = 5 / (150 / 125)
    # = 4.17. Change 4.17 / 6.25 - 1 = -33%, at satisfaction 5 >= 4: warning.
    events = make_events(
        ("V", "2023-09-01", "purchase", 100.0, 5.0),
        ("V", "2023-11-01", "purchase", 100.0, 5.0),
        ("V", "2024-03-01", "purchase", 150.0, 5.0),
        ("V", "2024-05-01", "purchase", 150.0, 5.0),
    )
    row = analyze(events, AS_OF).loc["V"]

    assert row["value_ratio"] == pytest.approx(5 / (150 / 125))
    assert row["value_trend"] == pytest.approx((5 / 1.2) / 6.25 - 1)
    assert row["value_warning"]
    assert row["reason"].endswith("value for money down 33% while satisfaction stays high")


def test_value_warning_needs_high_satisfaction():
    # The same prices, but satisfaction falls to 3: V falls for a visible reason.
    events = make_events(
        ("W", "2023-09-01", "purchase", 100.0, 5.0),
        ("W", "2023-11-01", "purchase", 100.0, 5.0),
        ("W", "2024-03-01", "purchase", 150.0, 3.0),
        ("W", "2024-05-01", "purchase", 150.0, 3.0),
    )
    row = analyze(events, AS_OF).loc["W"]

    assert row["value_trend"] < -0.2
    assert not row["value_warning"]


def test_tiers_by_revenue_share():
    # Total 1000. Shares before each customer: A 0, B 0.5, C 0.8, D 0.9, E 0.96.
    # A: before < 0.8 -> A, A. Then C and D are below 0.95 -> B, B. E -> C. X refunds -> C.
    revenue = pd.Series({"A": 500.0, "B": 300.0, "C": 100.0, "D": 60.0, "E": 40.0, "X": -20.0})
    tiers = assign_tiers(revenue)

    assert tiers.to_dict() == {"A": "A", "B": "A", "C": "B", "D": "B", "E": "C", "X": "C"}


def test_tiers_and_share_in_analyze():
    events = make_events(
        *[
            (name, "2024-06-01", "purchase", amount)
            for name, amount in (
                ("A", 500.0),
                ("B", 300.0),
                ("C", 100.0),
                ("D", 60.0),
                ("E", 40.0),
            )
        ]
    )
    result = analyze(events, AS_OF)

    assert result["tier"].to_dict() == {"A": "A", "B": "A", "C": "B", "D": "B", "E": "C"}
    assert result.loc["B", "contribution_share"] == pytest.approx(0.3)
    assert result.loc["A", "rfm_m"] == 5
    assert result.loc["E", "rfm_m"] == 1


def test_naive_as_of_raises():
    with pytest.raises(ValueError, match="timezone-aware"):
        analyze(make_events(("P", "2024-06-01", "call")), datetime(2024, 6, 30))


def mixed_book() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for number in range(400):
        customer = f"B{number:03d}"
        for _ in range(int(rng.integers(1, 8))):
            day = pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(rng.integers(0, 600)))
            kind = rng.choice(["purchase", "purchase", "purchase", "call", "complaint"])
            amount = float(rng.integers(-20, 300)) if kind == "purchase" else None
            satisfaction = float(rng.integers(1, 6)) if rng.random() < 0.3 else None
            rows.append((customer, day, kind, amount, satisfaction))
    return make_events(*rows)


def test_analyze_one_matches_analyze():
    events = mixed_book()
    model = fit_churn_model(events, AS_OF)
    book = analyze(events, AS_OF, risk_model=model)

    for customer in book.index[::37]:
        one = analyze_one(
            events[events["customer"] == customer],
            AS_OF,
            tier=Tier(book.loc[customer, "tier"]),
            risk_model=model,
        )
        expected = book.loc[customer]
        for column in (
            "stage",
            "level",
            "suggested_level",
            "reason",
            "n_purchases",
            "revenue",
            "value_warning",
            "level_reason",
        ):
            assert one[column] == expected[column], (customer, column)
        assert one["churn_risk"] == pytest.approx(expected["churn_risk"], nan_ok=True)


def test_analyze_one_without_events():
    one = analyze_one(make_events(), AS_OF, customer="new")

    assert one["customer"] == "new"
    assert one["stage"] == Stage.ACQUISITION
    assert one["reason"] == "no contacts or purchases yet"


def test_analyze_one_rejects_two_customers():
    events = make_events(("A", "2024-06-01", "call"), ("B", "2024-06-01", "call"))

    with pytest.raises(ValueError, match="one customer"):
        analyze_one(events, AS_OF)


def test_reason_text_matches_parts():
    book = analyze(mixed_book(), AS_OF)

    for parts, reason in zip(book["reason_parts"], book["reason"], strict=True):
        assert render_reason(parts, "en") == reason


def test_reason_renders_in_chinese():
    events = make_events(*purchases("T", ["2023-06-01", "2023-07-01"]))
    parts = analyze(events, AS_OF).loc["T", "reason_parts"]

    assert render_reason(parts, "zh") == "最近一次购买在 365 天前；通常购买间隔 30 天"


def test_labels_in_both_languages():
    assert stage_label(Stage.DECLINE, "en") == "decline"
    assert stage_label("decline", "zh") == "衰退期"
    assert level_label(Level.PARTNER, "zh") == "合作伙伴"
    assert tier_label(Tier.A, "en") == "A"


def test_cdnow_every_customer_has_stage():
    path = resources.files("lifetimes.datasets").joinpath("CDNOW_master.txt")
    with resources.as_file(path) as file:
        events = read_history(file)
    result = analyze(events, datetime(1997, 9, 30, tzinfo=UTC))

    assert len(result) == 23_570
    assert result["stage"].isin([str(stage) for stage in Stage]).all()
    assert result["level"].isin([str(level) for level in Level]).all()
    assert result["churn_risk"].between(0, 1).all()
    assert (result["reason"] != "").all()


def test_render_reason_date_in_reader_zone():
    parts = [("analysis.reason.no_purchase", {"date": "2026-03-02T10:30:00"})]

    assert render_reason(parts, "en") == "no purchase yet, last contact on 2026-03-02"
    assert (
        render_reason(parts, "en", ZoneInfo("Pacific/Kiritimati"))
        == "no purchase yet, last contact on 2026-03-03"
    )
    assert (
        render_reason([("analysis.reason.no_purchase", {"date": "2026-03-02"})], "en")
        == "no purchase yet, last contact on 2026-03-02"
    )


def test_purchase_without_amount_not_refunded():
    # One purchase on 2024-06-20 with no amount recorded, 10 days before AS_OF: a first
    # purchase, so acquisition with the single-purchase reason, not "all refunded".
    events = pd.DataFrame(
        {
            "customer": ["acme"],
            "occurred_at": [pd.Timestamp("2024-06-20")],
            "kind": ["purchase"],
            "amount": [np.nan],
            "satisfaction": [np.nan],
        }
    )

    row = analyze(events, datetime(2024, 6, 30, tzinfo=UTC)).loc["acme"]

    assert row["n_purchases"] == 1
    assert row["revenue"] == 0.0
    assert row["stage"] == Stage.ACQUISITION
    assert "refunded" not in row["reason"]
    assert "one purchase day" in row["reason"]


def test_render_reason_labels_stored_stage_words():
    # Reasons read back from the database hold plain strings, not enum members.
    parts = [("analysis.reason.override", {"stage": "decline", "detected": "acquisition"})]

    assert render_reason(parts, "zh") == "阶段已手动设为衰退期（系统判断：获取期）"
    assert render_reason(parts, "en") == "stage set by hand to decline (detected: acquisition)"


def test_render_reason_separator_per_language():
    parts = [
        ("analysis.reason.no_purchase", {"date": "2026-03-02"}),
        ("analysis.reason.no_purchase", {"date": "2026-03-03"}),
    ]

    assert "; " in render_reason(parts, "en")
    assert "；" in render_reason(parts, "zh")
