"""Parsing of logged contacts: the one-line form, amounts, satisfaction and dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from crm_core.i18n import translate
from crm_core.model import ContactKind
from crm_core.parsing import (
    MAX_RECORD_ID,
    LogParseError,
    NextStep,
    due_at_for_date,
    latest_next_step_date,
    normalize_name,
    parse_amount,
    parse_date,
    parse_kind,
    parse_log_line,
    parse_next_step,
    parse_record_id,
    parse_satisfaction,
)

# Wednesday 2026-03-04 10:00 UTC. Next Monday is 03-09, the Friday of this week is 03-06.
# A next step may be at most ten years ahead, so the latest date is 2036-03-04.
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def parse(text: str, **kwargs: object):
    return parse_log_line(text, now=NOW, timezone=UTC_ZONE, **kwargs)


@pytest.mark.parametrize(
    ("text", "name", "kind", "summary"),
    [
        pytest.param(
            "Acme Ltd call discussed renewal",
            "Acme Ltd",
            ContactKind.CALL,
            "discussed renewal",
            id="english",
        ),
        pytest.param(
            "阿里巴巴 电话 讨论续约", "阿里巴巴", ContactKind.CALL, "讨论续约", id="chinese"
        ),
        pytest.param(
            "阿里巴巴 拜访讨论续约", "阿里巴巴", ContactKind.VISIT, "讨论续约", id="glued-cjk-kind"
        ),
        pytest.param(
            "Call Center call hello",
            "Call Center",
            ContactKind.CALL,
            "hello",
            id="name-starts-with-kind",
        ),
        pytest.param(
            "<b>& Co visit lunch", "<b>& Co", ContactKind.VISIT, "lunch", id="html-characters"
        ),
        pytest.param(
            "3M Europe bought tape", "3M Europe", ContactKind.PURCHASE, "tape", id="digits-in-name"
        ),
        pytest.param(
            "Acme  Ltd   CALLED  about x",
            "Acme Ltd",
            ContactKind.CALL,
            "about x",
            id="case-and-spaces",
        ),
        pytest.param(
            "Acme call: renewal", "Acme", ContactKind.CALL, "renewal", id="kind-with-colon"
        ),
        pytest.param(
            "Acme complained late delivery",
            "Acme",
            ContactKind.COMPLAINT,
            "late delivery",
            id="complaint",
        ),
        pytest.param(
            "Acme 投诉 发货慢", "Acme", ContactKind.COMPLAINT, "发货慢", id="complaint-chinese"
        ),
        pytest.param("Acme emailed quote", "Acme", ContactKind.EMAIL, "quote", id="email"),
        pytest.param("Acme met CFO", "Acme", ContactKind.MEETING, "CFO", id="meeting"),
        pytest.param(
            "Acme lost to competitor", "Acme", ContactKind.LOSS, "to competitor", id="loss"
        ),
        pytest.param(
            "Acme note prefers mornings", "Acme", ContactKind.NOTE, "prefers mornings", id="note"
        ),
        pytest.param(
            "Acme wechat 发了报价", "Acme", ContactKind.MESSAGE, "发了报价", id="message"
        ),
        pytest.param("Acme call", "Acme", ContactKind.CALL, "", id="no-summary"),
    ],
)
def test_log_line_name_kind_summary(text, name, kind, summary):
    parsed = parse(text)

    assert parsed.customer_name == name
    assert parsed.kind == kind
    assert parsed.summary == summary


def test_log_line_full_example():
    parsed = parse("Acme Ltd call discussed renewal 5000 next friday")

    assert parsed.customer_name == "Acme Ltd"
    assert parsed.kind == ContactKind.CALL
    assert parsed.summary == "discussed renewal"
    assert parsed.amount == Decimal("5000.00")
    assert parsed.satisfaction is None
    assert parsed.next_step_on == date(2026, 3, 6)


def test_log_line_chinese_example():
    parsed = parse("阿里巴巴 电话 讨论续约 ¥5000 满意度4 下周五")

    assert parsed.customer_name == "阿里巴巴"
    assert parsed.summary == "讨论续约"
    assert parsed.amount == Decimal("5000.00")
    assert parsed.satisfaction == 4
    # Friday of next week: Monday 03-09 + 4 days.
    assert parsed.next_step_on == date(2026, 3, 13)


@pytest.mark.parametrize(
    ("text", "summary", "amount", "satisfaction", "next_step_on"),
    [
        pytest.param("A call x 5000", "x", Decimal("5000"), None, None, id="amount-only"),
        pytest.param("A call x sat 4", "x", None, 4, None, id="satisfaction-only"),
        pytest.param("A call x tomorrow", "x", None, None, date(2026, 3, 5), id="date-only"),
        pytest.param(
            "A call x tomorrow 4/5 5k", "x", Decimal("5000"), 4, date(2026, 3, 5), id="any-order"
        ),
        pytest.param(
            "A call bought 3 units 5000",
            "bought 3 units",
            Decimal("5000"),
            None,
            None,
            id="inner-number-stays",
        ),
        pytest.param(
            "A call x 12 5000", "x 12", Decimal("5000"), None, None, id="second-amount-stays"
        ),
        pytest.param(
            "A call x in 3 days", "x", None, None, date(2026, 3, 7), id="three-word-date"
        ),
        pytest.param(
            "A call day after tomorrow", "", None, None, date(2026, 3, 6), id="date-is-whole-rest"
        ),
        pytest.param(
            "A call support 24/7", "support 24/7", None, None, None, id="not-a-month-day"
        ),
        pytest.param(
            "A call x next friday tomorrow",
            "x next friday",
            None,
            None,
            date(2026, 3, 5),
            id="second-date-stays",
        ),
        pytest.param(
            "A call sat down with CFO", "sat down with CFO", None, None, None, id="sat-as-word"
        ),
        pytest.param("A purchase 5000", "", Decimal("5000"), None, None, id="purchase-amount"),
        pytest.param("A purchase refund -200", "refund", Decimal("-200"), None, None, id="refund"),
    ],
)
def test_log_line_trailing_fields(text, summary, amount, satisfaction, next_step_on):
    parsed = parse(text)

    assert parsed.summary == summary
    assert parsed.amount == amount
    assert parsed.satisfaction == satisfaction
    assert parsed.next_step_on == next_step_on


def test_log_line_known_name_with_kind_word():
    parsed = parse("Acme Phone Co call renewal", known_names=["ACME phone co"])

    assert parsed.customer_name == "Acme Phone Co"
    assert parsed.summary == "renewal"


def test_log_line_unknown_name_takes_first_kind():
    parsed = parse("Acme Phone Co call renewal")

    assert parsed.customer_name == "Acme"
    assert parsed.kind == ContactKind.CALL
    assert parsed.summary == "Co call renewal"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        pytest.param("", "contacts.error.empty", id="empty"),
        pytest.param("   ", "contacts.error.empty", id="blank"),
        pytest.param("Acme discussed renewal", "contacts.error.kind_missing", id="no-kind"),
        pytest.param("call", "contacts.error.kind_missing", id="kind-only"),
        pytest.param(
            "Acme call x sat 7", "contacts.error.satisfaction_range", id="satisfaction-7"
        ),
        pytest.param("Acme call x 2026-02-30", "contacts.error.date_invalid", id="february-30"),
        pytest.param("Acme call x 2026-03-03", "contacts.error.date_past", id="past-date"),
        pytest.param(
            "Acme call x 5000000000000", "contacts.error.amount_too_large", id="huge-amount"
        ),
        pytest.param("Acme call x 10.555", "contacts.error.amount_invalid", id="three-decimals"),
    ],
)
def test_log_line_errors(text, key):
    with pytest.raises(LogParseError) as raised:
        parse(text)

    assert raised.value.key == key


def test_log_line_kind_missing_names_text():
    with pytest.raises(LogParseError) as raised:
        parse("Acme   discussed")

    assert raised.value.params == {"text": "Acme discussed"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("5000", Decimal("5000.00"), id="plain"),
        pytest.param("5,000", Decimal("5000.00"), id="thousands-comma"),
        pytest.param("1,234,567.89", Decimal("1234567.89"), id="millions"),
        pytest.param("5k", Decimal("5000.00"), id="k"),
        pytest.param("5K", Decimal("5000.00"), id="capital-k"),
        pytest.param("1.5k", Decimal("1500.00"), id="decimal-k"),
        pytest.param("2m", Decimal("2000000.00"), id="m"),
        pytest.param("$5000", Decimal("5000.00"), id="dollar"),
        pytest.param("¥5000", Decimal("5000.00"), id="yen"),
        pytest.param("￥5000", Decimal("5000.00"), id="full-width-yen"),
        pytest.param("€12.50", Decimal("12.50"), id="euro"),
        pytest.param("5000.50", Decimal("5000.50"), id="cents"),
        pytest.param("3万", Decimal("30000.00"), id="wan"),
        pytest.param("5000元", Decimal("5000.00"), id="yuan"),
        pytest.param("５０００", Decimal("5000.00"), id="full-width-digits"),
        pytest.param("-250", Decimal("-250.00"), id="refund"),
        pytest.param("$-250", Decimal("-250.00"), id="refund-after-symbol"),
        pytest.param(" 5 000 ", Decimal("5000.00"), id="inner-space"),
    ],
)
def test_amount_valid(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        pytest.param("abc", "contacts.error.amount_invalid", id="word"),
        pytest.param("5,00", "contacts.error.amount_invalid", id="bad-grouping"),
        pytest.param("1.234", "contacts.error.amount_invalid", id="three-decimals"),
        pytest.param("--5", "contacts.error.amount_invalid", id="double-minus"),
        pytest.param("", "contacts.error.amount_invalid", id="empty"),
        pytest.param("1000000000000", "contacts.error.amount_too_large", id="too-large"),
    ],
)
def test_amount_invalid(text, key):
    with pytest.raises(LogParseError) as raised:
        parse_amount(text)

    assert raised.value.key == key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("4", 4, id="digit"),
        pytest.param("sat 4", 4, id="sat"),
        pytest.param("sat:5", 5, id="sat-colon"),
        pytest.param("Satisfaction 1", 1, id="word"),
        pytest.param("4/5", 4, id="of-five"),
        pytest.param("满意度4", 4, id="chinese"),
        pytest.param("满意度：3", 3, id="chinese-full-width-colon"),
        pytest.param("5星", 5, id="stars"),
    ],
)
def test_satisfaction_valid(text, expected):
    assert parse_satisfaction(text) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        pytest.param("0", "contacts.error.satisfaction_range", id="zero"),
        pytest.param("6", "contacts.error.satisfaction_range", id="six"),
        pytest.param("sat 9", "contacts.error.satisfaction_range", id="sat-nine"),
        pytest.param("good", "contacts.error.satisfaction_invalid", id="word"),
        pytest.param("4.5", "contacts.error.satisfaction_range", id="fraction"),
        pytest.param("-1", "contacts.error.satisfaction_range", id="negative"),
        pytest.param("sat 4.5", "contacts.error.satisfaction_range", id="sat-fraction"),
        pytest.param("4.5/5", "contacts.error.satisfaction_range", id="fraction-of-five"),
        # No date competes in the guided step, so "6/5" is a score of 6.
        pytest.param("6/5", "contacts.error.satisfaction_range", id="six-of-five"),
        pytest.param("满意度4.5", "contacts.error.satisfaction_range", id="chinese-fraction"),
    ],
)
def test_satisfaction_invalid(text, key):
    with pytest.raises(LogParseError) as raised:
        parse_satisfaction(text)

    assert raised.value.key == key


@pytest.mark.parametrize(
    ("text", "value"),
    [
        pytest.param("A call happy client sat 4.5", "4.5", id="sat-fraction"),
        pytest.param("A call x 4.5/5", "4.5", id="fraction-of-five"),
        pytest.param("A call x 满意度4.5", "4.5", id="chinese-fraction"),
        pytest.param("A call x 满意度 4.5", "4.5", id="chinese-fraction-spaced"),
        pytest.param("A call x sat 0", "0", id="sat-zero"),
        pytest.param("A call x sat 6", "6", id="sat-six"),
        pytest.param("A call x sat -1", "-1", id="sat-negative"),
        pytest.param("A call x satisfaction: 4,5", "4,5", id="decimal-comma"),
        pytest.param("A call x 0/5", "0", id="zero-of-five"),
        pytest.param("A call x 4.5星", "4.5", id="fraction-stars"),
        pytest.param("A call x sat 4.5 next friday", "4.5", id="before-date"),
        pytest.param("A call x sat 4.5 5000", "4.5", id="before-amount"),
        pytest.param("A call x sat " + "9" * 5000, "9" * 5000, id="past-int-digit-limit"),
    ],
)
def test_log_line_satisfaction_not_whole_score(text, value):
    with pytest.raises(LogParseError) as raised:
        parse(text)

    assert raised.value.key == "contacts.error.satisfaction_range"
    assert raised.value.params == {"value": value}


def test_log_line_month_day_over_five_is_date():
    # "6/5" is a valid month/day, so the line means the 5th of June, not a score of 6.
    parsed = parse("A call x 6/5")

    assert parsed.next_step_on == date(2026, 6, 5)
    assert parsed.satisfaction is None


def test_satisfaction_range_message_names_score():
    with pytest.raises(LogParseError) as raised:
        parse("A call x sat 4.5")

    message = translate("en", raised.value.key, **raised.value.params)

    assert message == "Satisfaction must be a whole number from 1 to 5, not 4.5."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("today", date(2026, 3, 4), id="today"),
        pytest.param("Tomorrow", date(2026, 3, 5), id="tomorrow"),
        pytest.param("day after tomorrow", date(2026, 3, 6), id="day-after-tomorrow"),
        pytest.param("in 3 days", date(2026, 3, 7), id="in-3-days"),
        pytest.param("in a week", date(2026, 3, 11), id="in-a-week"),
        pytest.param("in 2 weeks", date(2026, 3, 18), id="in-2-weeks"),
        pytest.param("in 1 month", date(2026, 4, 4), id="in-1-month"),
        pytest.param("next week", date(2026, 3, 9), id="next-week-monday"),
        pytest.param("friday", date(2026, 3, 6), id="bare-weekday"),
        pytest.param("on fri", date(2026, 3, 6), id="on-abbreviation"),
        pytest.param("next friday", date(2026, 3, 6), id="next-friday"),
        # Wednesday 10:00, after the 09:00 follow-up time: every form is a week ahead.
        pytest.param("wednesday", date(2026, 3, 11), id="same-weekday"),
        pytest.param("this wednesday", date(2026, 3, 11), id="this-same-weekday-late"),
        pytest.param("this thursday", date(2026, 3, 5), id="this-thursday"),
        pytest.param("2036-03-04", date(2036, 3, 4), id="latest-date"),
        pytest.param("in 120 months", date(2036, 3, 4), id="ten-years-in-months"),
        # 3650 days plus the leap days 2028-02-29, 2032-02-29 and 2036-02-29.
        pytest.param("in 3653 days", date(2036, 3, 4), id="ten-years-in-days"),
        pytest.param("next monday", date(2026, 3, 9), id="next-monday"),
        pytest.param("next sat", date(2026, 3, 7), id="next-sat"),
        pytest.param("2026-12-10", date(2026, 12, 10), id="iso"),
        pytest.param("2026/12/10", date(2026, 12, 10), id="iso-slashes"),
        pytest.param("12/10", date(2026, 12, 10), id="month-day"),
        pytest.param("3/4", date(2026, 3, 4), id="month-day-today"),
        pytest.param("3/3", date(2027, 3, 3), id="month-day-next-year"),
        pytest.param("2/29", date(2028, 2, 29), id="leap-day-next"),
        pytest.param("12月10日", date(2026, 12, 10), id="chinese-month-day"),
        pytest.param("2027年1月5号", date(2027, 1, 5), id="chinese-full-date"),
        pytest.param("今天", date(2026, 3, 4), id="jintian"),
        pytest.param("明天", date(2026, 3, 5), id="mingtian"),
        pytest.param("后天", date(2026, 3, 6), id="houtian"),
        pytest.param("3天后", date(2026, 3, 7), id="three-days-later"),
        pytest.param("两周后", date(2026, 3, 18), id="two-weeks-later"),
        pytest.param("十天后", date(2026, 3, 14), id="ten-days-later"),
        pytest.param("下周", date(2026, 3, 9), id="xiazhou"),
        pytest.param("下周五", date(2026, 3, 13), id="xiazhouwu"),
        pytest.param("下星期一", date(2026, 3, 9), id="xiaxingqiyi"),
        pytest.param("周五", date(2026, 3, 6), id="zhouwu"),
        pytest.param("本周日", date(2026, 3, 8), id="benzhouri"),
    ],
)
def test_date_valid(text, expected):
    assert parse_date(text, now=NOW, timezone=UTC_ZONE) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        pytest.param("someday", "contacts.error.date_invalid", id="word"),
        pytest.param("sat", "contacts.error.date_invalid", id="bare-sat"),
        pytest.param("2026-13-01", "contacts.error.date_invalid", id="month-13"),
        pytest.param("2/30", "contacts.error.date_invalid", id="february-30"),
        pytest.param("2026-03-03", "contacts.error.date_past", id="yesterday-iso"),
        pytest.param("本周一", "contacts.error.date_past", id="monday-this-week"),
    ],
)
def test_date_invalid(text, key):
    with pytest.raises(LogParseError) as raised:
        parse_date(text, now=NOW, timezone=UTC_ZONE)

    assert raised.value.key == key


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Wednesday 08:59 UTC: 09:00 today is still ahead.
        pytest.param(datetime(2026, 3, 4, 8, 59, tzinfo=UTC), date(2026, 3, 4), id="before-nine"),
        pytest.param(datetime(2026, 3, 4, 9, 0, tzinfo=UTC), date(2026, 3, 11), id="at-nine"),
        pytest.param(datetime(2026, 3, 4, 23, 0, tzinfo=UTC), date(2026, 3, 11), id="evening"),
    ],
)
def test_this_weekday_on_that_day(moment, expected):
    assert parse_date("this wednesday", now=moment, timezone=UTC_ZONE) == expected


def test_this_weekday_uses_local_time():
    # 2026-03-04 00:30 UTC is Wednesday 08:30 in Shanghai, and 01:30 UTC is 09:30 there.
    early = datetime(2026, 3, 4, 0, 30, tzinfo=UTC)
    late = datetime(2026, 3, 4, 1, 30, tzinfo=UTC)

    assert parse_date("this wednesday", now=early, timezone=SHANGHAI) == date(2026, 3, 4)
    assert parse_date("this wednesday", now=late, timezone=SHANGHAI) == date(2026, 3, 11)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("in 99999999 days", id="days-overflow"),
        pytest.param("in 99999 months", id="months-past-year-9999"),
        pytest.param("in 999999999999 weeks", id="weeks-overflow"),
        pytest.param("in " + "9" * 5000 + " days", id="count-past-int-digit-limit"),
        pytest.param("99999天后", id="chinese-days"),
        pytest.param("9999-12-31", id="year-9999"),
        pytest.param("9999年12月31日", id="chinese-year-9999"),
        pytest.param("2036-03-05", id="day-after-latest"),
        pytest.param("in 121 months", id="ten-years-and-a-month"),
        pytest.param("in 3654 days", id="ten-years-and-a-day"),
    ],
)
def test_date_out_of_range(text):
    with pytest.raises(LogParseError) as raised:
        parse_date(text, now=NOW, timezone=UTC_ZONE)

    assert raised.value.key == "contacts.error.date_out_of_range"
    assert raised.value.params["latest"] == "2036-03-04"


def test_log_line_far_date_rejected():
    with pytest.raises(LogParseError) as raised:
        parse("Acme call hi in 99999999 days")

    assert raised.value.key == "contacts.error.date_out_of_range"
    assert raised.value.params == {"value": "in 99999999 days", "latest": "2036-03-04"}


def test_next_step_far_date_rejected():
    with pytest.raises(LogParseError) as raised:
        parse_next_step("send quote 9999-12-31", now=NOW, timezone=UTC_ZONE)

    assert raised.value.key == "contacts.error.date_out_of_range"


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        pytest.param(date(2026, 3, 4), date(2036, 3, 4), id="plain"),
        pytest.param(date(2028, 2, 29), date(2038, 2, 28), id="leap-day"),
        pytest.param(date(2030, 2, 28), date(2040, 2, 28), id="before-leap-day"),
    ],
)
def test_latest_next_step_date(today, expected):
    assert latest_next_step_date(today) == expected


def test_date_uses_user_timezone():
    # 2026-03-04 20:00 UTC is already Thursday 03-05 04:00 in Shanghai.
    late = datetime(2026, 3, 4, 20, 0, tzinfo=UTC)

    assert parse_date("tomorrow", now=late, timezone=SHANGHAI) == date(2026, 3, 6)
    assert parse_date("tomorrow", now=late, timezone=UTC_ZONE) == date(2026, 3, 5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("next friday", NextStep(on=date(2026, 3, 6)), id="date-only"),
        pytest.param(
            "send quote next friday",
            NextStep(on=date(2026, 3, 6), note="send quote"),
            id="note-then-date",
        ),
        pytest.param(
            "tomorrow: send quote",
            NextStep(on=date(2026, 3, 5), note="send quote"),
            id="date-then-note",
        ),
        pytest.param("发报价 明天", NextStep(on=date(2026, 3, 5), note="发报价"), id="chinese"),
    ],
)
def test_next_step_valid(text, expected):
    assert parse_next_step(text, now=NOW, timezone=UTC_ZONE) == expected


def test_next_step_without_date():
    with pytest.raises(LogParseError) as raised:
        parse_next_step("send quote soon", now=NOW, timezone=UTC_ZONE)

    assert raised.value.key == "contacts.error.date_invalid"


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        pytest.param("call", ContactKind.CALL, id="value"),
        pytest.param("PHONED", ContactKind.CALL, id="synonym-upper"),
        pytest.param("电话", ContactKind.CALL, id="chinese"),
        pytest.param("bought", ContactKind.PURCHASE, id="bought"),
        pytest.param("购买", ContactKind.PURCHASE, id="goumai"),
        pytest.param("visit,", ContactKind.VISIT, id="trailing-comma"),
        pytest.param("sale", None, id="not-a-kind"),
    ],
)
def test_kind_words(word, expected):
    assert parse_kind(word) == expected


@pytest.mark.parametrize(
    ("name", "key"),
    [
        pytest.param("  Acme   Ltd ", "acme ltd", id="spaces"),
        pytest.param("ACME", "acme", id="case"),
        pytest.param("Ａｃｍｅ", "acme", id="full-width"),
        pytest.param("<b>&  Co", "<b>& co", id="symbols-kept"),
        pytest.param("Straße", "strasse", id="casefold"),
    ],
)
def test_normalize_name(name, key):
    assert normalize_name(name) == key


def test_due_at_is_local_morning():
    # 09:00 in Shanghai (UTC+8) is 01:00 UTC; in Berlin after the March DST change 07:00 UTC.
    assert due_at_for_date(date(2026, 3, 6), SHANGHAI) == datetime(2026, 3, 6, 1, 0, tzinfo=UTC)
    berlin = ZoneInfo("Europe/Berlin")
    assert due_at_for_date(date(2026, 3, 30), berlin) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert due_at_for_date(date(2026, 3, 27), berlin) == datetime(2026, 3, 27, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("<b>& discussed", id="no-kind"),
        pytest.param("A call x sat 7", id="satisfaction"),
        pytest.param("A call x 2026-02-30", id="date-invalid"),
        pytest.param("A call x 2026-03-03", id="date-past"),
        pytest.param("A call x 5000000000000", id="amount-too-large"),
        pytest.param("A call x 10.555", id="amount-invalid"),
        pytest.param("A call x sat 4.5", id="satisfaction-fraction"),
        pytest.param("A call x 9999-12-31", id="date-out-of-range"),
    ],
)
def test_log_line_error_renders(text, language):
    with pytest.raises(LogParseError) as raised:
        parse(text)

    message = translate(language, raised.value.key, **raised.value.params)

    assert message
    assert "{" not in message


def test_kind_missing_message_escapes_name():
    with pytest.raises(LogParseError) as raised:
        parse("<b>& discussed")

    message = translate("en", raised.value.key, **raised.value.params)

    assert "“&lt;b&gt;&amp; discussed”" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("1", 1, id="one"),
        pytest.param("42", 42, id="plain"),
        pytest.param(str(MAX_RECORD_ID), MAX_RECORD_ID, id="maximum"),
        pytest.param(str(MAX_RECORD_ID + 1), None, id="past-maximum"),
        pytest.param("9" * 40, None, id="forty-digits"),
        pytest.param("0", None, id="zero"),
        pytest.param("-1", None, id="negative"),
        pytest.param("+1", None, id="plus-sign"),
        pytest.param("01", None, id="leading-zero"),
        pytest.param("１", None, id="full-width-digit"),
        pytest.param("1 ", None, id="trailing-space"),
        pytest.param("", None, id="empty"),
    ],
)
def test_record_id(text, expected):
    assert parse_record_id(text) == expected
