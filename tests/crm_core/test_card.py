"""Rendering of the customer card and of the /today list."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from crm_core.card import (
    TODAY_MAX_ITEMS,
    ContactLine,
    CustomerCard,
    LevelUpgrade,
    LoggedView,
    TodayItem,
    format_local_date,
    format_local_datetime,
    format_money,
    order_today,
    render_card,
    render_confirmation,
    render_today,
    suggest_upgrade,
)
from crm_core.model import ContactKind, Level, Stage, Tier

# Wednesday 2026-03-04 10:00 UTC, 18:00 in Shanghai.
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC_ZONE = ZoneInfo("UTC")


def contact(day: int, summary: str = "talked", **kwargs: object) -> ContactLine:
    values: dict[str, object] = {
        "occurred_at": datetime(2026, 3, day, 9, 0, tzinfo=UTC),
        "kind": ContactKind.CALL,
        "summary": summary,
        "rep_name": "Ann",
    }
    values.update(kwargs)
    return ContactLine(**values)


CARD = CustomerCard(
    customer_id=1,
    name="Acme Ltd",
    owner_name="Ann",
    level=Level.CUSTOMER,
    stage=Stage.DECLINE,
    tier=Tier.A,
    revenue=Decimal("12500"),
    stage_reason=[
        ["analysis.reason.last_purchase", {"days": 94}],
        ["analysis.reason.usual_gap", {"days": 30}],
    ],
    churn_risk=0.354,
    value_ratio=3.8,
    rfm=(2, 4, 5),
    contacts=[
        contact(3, "renewal", amount=Decimal("5000"), satisfaction=4),
        contact(2),
        contact(1),
    ],
    next_followup_at=datetime(2026, 3, 6, 1, 0, tzinfo=UTC),
)


def card_lines(card: CustomerCard, language: str = "en", zone: ZoneInfo = SHANGHAI) -> list[str]:
    return render_card(card, language, zone, NOW).split("\n")


@pytest.mark.parametrize(
    ("expected_line"),
    [
        pytest.param("<b>Acme Ltd</b>", id="name"),
        pytest.param("Owner: Ann", id="owner"),
        pytest.param("Level: <b>customer</b>", id="level"),
        pytest.param(
            "Stage: <b>decline</b> (last purchase 94 days ago; usual gap 30 days)", id="stage"
        ),
        pytest.param("Value: tier <b>A</b>, revenue 12,500.00", id="value"),
        pytest.param("Value for money V = Q/P: 3.80", id="value-ratio"),
        # 0.354 rounds to 35%.
        pytest.param("Churn risk: 35%", id="churn-risk"),
        pytest.param("RFM scores (1-5): recency 2, frequency 4, monetary 5", id="rfm"),
        pytest.param(
            "• Tue 2026-03-03, call by Ann: renewal (amount 5,000.00, satisfaction 4/5)",
            id="newest-contact",
        ),
        # 01:00 UTC is 09:00 in Shanghai.
        pytest.param("Next follow-up: <b>Fri 2026-03-06 09:00</b>", id="next-followup"),
    ],
)
def test_card_line(expected_line):
    assert expected_line in card_lines(CARD)


def test_card_approach_for_stage():
    lines = card_lines(CARD)

    assert lines[-1].startswith("<b>Suggested approach</b>: Find the dissatisfaction")


def test_card_shows_three_contacts_newest_first():
    card = replace(
        CARD, contacts=[contact(4, "d"), contact(3, "c"), contact(2, "b"), contact(1, "a")]
    )

    contact_lines = [line for line in card_lines(card) if line.startswith("• ")]

    assert contact_lines == [
        "• Wed 2026-03-04, call by Ann: d",
        "• Tue 2026-03-03, call by Ann: c",
        "• Mon 2026-03-02, call by Ann: b",
    ]


def test_card_without_contacts():
    lines = card_lines(replace(CARD, contacts=[]))

    assert "No contacts logged yet." in lines


def test_card_contact_without_summary():
    lines = card_lines(replace(CARD, contacts=[contact(2, "", kind=ContactKind.PURCHASE)]))

    assert "• Mon 2026-03-02, purchase by Ann" in lines


def test_card_long_summary_cut():
    lines = card_lines(replace(CARD, contacts=[contact(2, "x" * 500)]))
    line = next(line for line in lines if line.startswith("• "))

    assert line.endswith("x…")
    assert len(line) < 220


def test_card_contact_date_in_user_zone():
    # 2026-03-02 20:00 UTC is already Tuesday 04:00 in Shanghai.
    late = contact(2, "late", occurred_at=datetime(2026, 3, 2, 20, 0, tzinfo=UTC))

    assert "• Tue 2026-03-03, call by Ann: late" in card_lines(replace(CARD, contacts=[late]))
    assert "• Mon 2026-03-02, call by Ann: late" in card_lines(
        replace(CARD, contacts=[late]), zone=UTC_ZONE
    )


@pytest.mark.parametrize(
    ("name", "escaped"),
    [
        pytest.param("<b>& Co", "<b>&lt;b&gt;&amp; Co</b>", id="tags-and-ampersand"),
        pytest.param("A > B", "<b>A &gt; B</b>", id="greater-than"),
        pytest.param("&amp;", "<b>&amp;amp;</b>", id="entity-text"),
    ],
)
def test_card_escapes_name(name, escaped):
    assert card_lines(replace(CARD, name=name))[0] == escaped


def test_card_escapes_owner_summary_and_rep():
    card = replace(
        CARD,
        owner_name="<i>Ann</i>",
        contacts=[contact(2, "price <50 & up", rep_name="Bo<b>")],
    )

    text = render_card(card, "en", SHANGHAI, NOW)

    assert "Owner: &lt;i&gt;Ann&lt;/i&gt;" in text
    assert "call by Bo&lt;b&gt;: price &lt;50 &amp; up" in text


def test_card_stage_without_reason():
    assert "Stage: <b>decline</b>" in card_lines(replace(CARD, stage_reason=[]))


def test_card_stage_set_by_hand():
    card = replace(
        CARD,
        stage_override_by="Mia",
        stage_override_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
    )

    assert "Stage set by hand by Mia on Sun 2026-03-01." in card_lines(card)


CLIENT_REASON = [["analysis.level_reason.client", {"purchases": 5, "contacts": 6, "days": 90}]]


def test_card_upgrade_suggested():
    card = replace(CARD, suggested_level=Level.CLIENT, level_reason=CLIENT_REASON)

    lines = card_lines(card)

    assert lines[2] == "Level: <b>customer</b>"
    assert lines[3] == (
        "Upgrade suggested: <b>client</b> — 5 purchase days and 6 calls, visits, messages or "
        "meetings in the last 90 days"
    )
    assert card.upgrade == LevelUpgrade(Level.CLIENT, tuple(map(tuple, CLIENT_REASON)))


def test_card_upgrade_without_reason():
    card = replace(CARD, suggested_level=Level.PARTNER, level_reason=[])

    assert "Upgrade suggested: <b>partner</b>" in card_lines(card)


def test_card_upgrade_chinese():
    card = replace(CARD, suggested_level=Level.CLIENT, level_reason=CLIENT_REASON)

    lines = card_lines(card, "zh")

    assert lines[3] == (
        "建议升级为<b>客户</b>：5 个购买日，最近 90 天有 6 次电话、拜访、消息或会面"
    )


def test_card_downgrade_not_suggested():
    card = replace(
        CARD,
        level=Level.PARTNER,
        level_set_by="Ann",
        level_set_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
        suggested_level=Level.CUSTOMER,
        level_reason=[["analysis.level_reason.customer", {"purchases": 3}]],
    )

    lines = card_lines(card)

    assert card.upgrade is None
    assert lines[2] == "Level: <b>partner</b>"
    assert not any(line.startswith("Upgrade suggested") for line in lines)
    assert "repeat buyer" not in "\n".join(lines)


def test_card_level_reason_when_automatic():
    card = replace(
        CARD,
        suggested_level=Level.CUSTOMER,
        level_reason=[["analysis.level_reason.customer", {"purchases": 3}]],
    )

    lines = card_lines(card)

    assert lines[2] == "Level: <b>customer</b> — repeat buyer (purchase days: 3)"
    assert card.upgrade is None


def test_card_level_reason_chinese():
    card = replace(
        CARD,
        suggested_level=Level.CUSTOMER,
        level_reason=[["analysis.level_reason.customer", {"purchases": 3}]],
    )

    assert card_lines(card, "zh")[2] == "关系层级：<b>顾客</b>——重复购买者（购买日：3）"


def test_card_level_set_by_hand():
    # 2026-03-01 20:00 UTC is already Monday 2026-03-02 in Shanghai.
    card = replace(
        CARD,
        level=Level.CLIENT,
        level_set_by="Mia",
        level_set_at=datetime(2026, 3, 1, 20, 0, tzinfo=UTC),
    )

    lines = card_lines(card)

    assert lines[2] == "Level: <b>client</b>"
    assert lines[3] == "Level set by hand by Mia on Mon 2026-03-02."


def test_card_level_set_by_hand_chinese():
    card = replace(
        CARD,
        level=Level.CLIENT,
        level_set_by="Mia",
        level_set_at=datetime(2026, 3, 1, 20, 0, tzinfo=UTC),
    )

    assert "关系层级由 Mia 于 2026-03-02（周一） 手动设置。" in card_lines(card, "zh")


@pytest.mark.parametrize(
    ("level", "suggested", "expected"),
    [
        pytest.param(Level.CASUAL_BUYER, Level.CUSTOMER, Level.CUSTOMER, id="one-step"),
        pytest.param(Level.CASUAL_BUYER, Level.PARTNER, Level.PARTNER, id="two-steps"),
        pytest.param(Level.CLIENT, Level.CLIENT, None, id="same"),
        pytest.param(Level.PARTNER, Level.CASUAL_BUYER, None, id="downgrade"),
        pytest.param(Level.CUSTOMER, None, None, id="not-analysed"),
    ],
)
def test_suggest_upgrade(level, suggested, expected):
    upgrade = suggest_upgrade(level, suggested, [])

    assert (upgrade.level if upgrade else None) == expected


LOGGED = LoggedView(
    customer_name="Acme Ltd",
    kind=ContactKind.PURCHASE,
    occurred_at=datetime(2026, 3, 4, 9, 0, tzinfo=UTC),
    stage=Stage.GROWTH,
    previous_stage=None,
    stage_reason=[],
    next_followup_at=None,
)


def test_confirmation_upgrade_line():
    logged = replace(LOGGED, upgrade=LevelUpgrade(Level.CLIENT, CLIENT_REASON))

    lines = render_confirmation(logged, "en", SHANGHAI).split("\n")

    assert lines[-1] == (
        "Upgrade suggested: <b>client</b> — 5 purchase days and 6 calls, visits, messages or "
        "meetings in the last 90 days"
    )


def test_confirmation_without_upgrade():
    text = render_confirmation(LOGGED, "en", SHANGHAI)

    assert "Upgrade suggested" not in text


@pytest.mark.parametrize(
    ("changes", "absent"),
    [
        pytest.param({"churn_risk": None}, "Churn risk", id="no-risk"),
        pytest.param({"value_ratio": None}, "Value for money V", id="no-value-ratio"),
        pytest.param({"rfm": None}, "RFM", id="no-rfm"),
    ],
)
def test_card_missing_figures_left_out(changes, absent):
    text = render_card(replace(CARD, **changes), "en", SHANGHAI, NOW)

    assert absent not in text


def test_card_value_warning():
    lines = card_lines(replace(CARD, value_warning=True))

    assert "⚠️ Value for money is falling while satisfaction stays high." in lines
    assert "Early warning" in lines[-1]


@pytest.mark.parametrize(
    ("followup", "expected"),
    [
        pytest.param(None, "Next follow-up: none scheduled", id="none"),
        pytest.param(
            datetime(2026, 3, 3, 1, 0, tzinfo=UTC),
            "Next follow-up: <b>Tue 2026-03-03 09:00</b>, overdue",
            id="overdue",
        ),
    ],
)
def test_card_followup(followup, expected):
    assert expected in card_lines(replace(CARD, next_followup_at=followup))


def test_card_chinese():
    text = render_card(CARD, "zh", SHANGHAI, NOW)

    assert "阶段：<b>衰退期</b>（最近一次购买在 94 天前" in text
    assert "下次跟进：<b>2026-03-06（周五）09:00</b>" in text
    assert "• 2026-03-03（周二），Ann 电话：renewal（金额 5,000.00，满意度 4/5）" in text


@pytest.mark.parametrize(
    ("stage", "tier", "start"),
    [
        pytest.param(Stage.ACQUISITION, Tier.C, "Win the first repeat purchase", id="acquisition"),
        pytest.param(Stage.GROWTH, Tier.B, "Build satisfaction and loyalty", id="growth"),
        pytest.param(Stage.TERMINATED, Tier.C, "No follow-up", id="terminated-c"),
        pytest.param(Stage.TERMINATED, Tier.A, "Tier A value justifies", id="terminated-a"),
    ],
)
def test_card_approach_by_stage(stage, tier, start):
    lines = card_lines(replace(CARD, stage=stage, tier=tier))

    assert lines[-1].startswith(f"<b>Suggested approach</b>: {start}")


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        pytest.param(Decimal("0"), "0.00", id="zero"),
        pytest.param(Decimal("1234.5"), "1,234.50", id="thousands"),
        pytest.param(Decimal("-200"), "-200.00", id="refund"),
        pytest.param(1234567.891, "1,234,567.89", id="float"),
    ],
)
def test_format_money(amount, expected):
    assert format_money(amount) == expected


def test_format_local_date_languages():
    assert format_local_date(date(2026, 3, 6), "en") == "Fri 2026-03-06"
    assert format_local_date(date(2026, 3, 6), "zh") == "2026-03-06（周五）"


def test_format_local_datetime_across_dst():
    berlin = ZoneInfo("Europe/Berlin")
    before = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)
    after = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)

    assert format_local_datetime(before, berlin, "en") == "Fri 2026-03-27 09:00"
    assert format_local_datetime(after, berlin, "en") == "Mon 2026-03-30 09:00"


def item(followup_id: int, tier: Tier, revenue: str, due: datetime, **kwargs: object) -> TodayItem:
    values: dict[str, object] = {
        "followup_id": followup_id,
        "customer_id": followup_id,
        "name": f"Customer {followup_id}",
        "due_at": due,
        "tier": tier,
        "revenue": Decimal(revenue),
        "stage": Stage.GROWTH,
    }
    values.update(kwargs)
    return TodayItem(**values)


MORNING = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)
EARLIER = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)


def test_order_today_most_valuable_first():
    items = [
        item(1, Tier.C, "100", EARLIER),
        item(2, Tier.A, "500", MORNING),
        item(3, Tier.B, "900", MORNING),
        item(4, Tier.A, "800", MORNING),
        # Same tier and revenue as 2: the earlier due time goes first.
        item(5, Tier.A, "500", EARLIER),
    ]

    assert [entry.followup_id for entry in order_today(items)] == [4, 5, 2, 3, 1]


def test_today_lines():
    items = [
        item(1, Tier.B, "10", MORNING, name="B & co", note="send <quote>"),
        item(2, Tier.A, "5", EARLIER, name="A co", stage=Stage.DECLINE),
    ]

    lines = render_today(items, "en", SHANGHAI, NOW).split("\n")

    assert lines == [
        "<b>Follow-ups for Wed 2026-03-04</b>",
        "1. <b>A co</b>, tier A, decline. Overdue since Sun 2026-03-01",
        "2. <b>B &amp; co</b>, tier B, growth. Due 09:00",
        "   Note: send &lt;quote&gt;",
    ]


def test_today_empty():
    text = render_today([], "en", SHANGHAI, NOW)

    assert text == "<b>Follow-ups for Wed 2026-03-04</b>\nNo follow-ups are due today or overdue."


def test_today_overdue_by_local_date():
    # Due 2026-03-03 20:00 UTC is Wednesday 04:00 in Shanghai (today there), but Tuesday in UTC.
    due = datetime(2026, 3, 3, 20, 0, tzinfo=UTC)

    shanghai = render_today([item(1, Tier.A, "1", due)], "en", SHANGHAI, NOW)
    utc = render_today([item(1, Tier.A, "1", due)], "en", UTC_ZONE, NOW)

    assert "Due 04:00" in shanghai
    assert "Overdue since Tue 2026-03-03" in utc


def test_today_caps_items():
    items = [item(number, Tier.C, str(number), MORNING) for number in range(TODAY_MAX_ITEMS + 5)]

    lines = render_today(items, "en", SHANGHAI, NOW).split("\n")

    assert len(lines) == 1 + TODAY_MAX_ITEMS + 1
    assert lines[-1] == "… and 5 more."


def test_today_chinese():
    text = render_today([item(1, Tier.A, "1", EARLIER, name="阿里")], "zh", SHANGHAI, NOW)

    assert "1. <b>阿里</b>，A 级，成长期。自 2026-03-01（周日） 起逾期" in text
