"""Parsing of what a rep types when logging a contact, in English and Chinese.

The one-line form is ``NAME KIND [SUMMARY] [AMOUNT] [SATISFACTION] [NEXT STEP DATE]``, for
example ``Acme Ltd call discussed renewal 5000 next friday``. The customer name is every
word before the first contact-kind word. Amount, satisfaction and date are read from the
end of the line, in any order, so a number inside the summary stays in the summary unless
it is the last word.

A next-step date must lie between today and ``MAX_YEARS_AHEAD`` years after today in the
user's time zone.

Errors are raised as ``LogParseError`` with a catalogue key and parameters, so the bot
shows them in the user's language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import MAXYEAR, UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from crm_core.model import ContactKind

DEFAULT_FOLLOWUP_TIME = time(9, 0)
# Contact.amount is Numeric(14, 2): 12 digits before the decimal point.
MAX_AMOUNT = Decimal("999999999999.99")
# Maximum number of words in one trailing field, as in "day after tomorrow".
MAX_FIELD_WORDS = 3
# Latest next-step date, in years after today. A later date is more likely a typing mistake
# than a plan, and dates near the year 9999 overflow when converted to UTC.
MAX_YEARS_AHEAD = 10
# Largest id that callback data may carry. Customer and follow-up ids are INTEGER columns,
# which PostgreSQL stores in 32 bits, so a larger id names no row and makes asyncpg raise.
MAX_RECORD_ID = 2**31 - 1

# Words that name each kind of contact, in English and Chinese. Words common inside company
# names ("sale", "text", "chat") are left out, because the first kind word ends the name.
KIND_SYNONYMS: dict[ContactKind, tuple[str, ...]] = {
    ContactKind.CALL: (
        "call",
        "called",
        "calls",
        "phone",
        "phoned",
        "rang",
        "电话",
        "打电话",
        "致电",
        "通话",
    ),
    ContactKind.VISIT: ("visit", "visited", "visits", "拜访", "上门", "走访", "到访"),
    ContactKind.MESSAGE: (
        "message",
        "messaged",
        "msg",
        "texted",
        "sms",
        "wechat",
        "whatsapp",
        "消息",
        "微信",
        "短信",
        "留言",
    ),
    ContactKind.EMAIL: ("email", "emailed", "e-mail", "mailed", "邮件", "电邮"),
    ContactKind.MEETING: ("meeting", "meetings", "met", "会议", "开会", "见面", "会面"),
    ContactKind.PURCHASE: (
        "purchase",
        "purchased",
        "bought",
        "buy",
        "order",
        "ordered",
        "购买",
        "下单",
        "订单",
        "采购",
        "成交",
    ),
    ContactKind.COMPLAINT: ("complaint", "complained", "complain", "投诉", "抱怨"),
    ContactKind.LOSS: ("loss", "lost", "churned", "流失", "丢单"),
    ContactKind.NOTE: ("note", "备注", "记录"),
}
KIND_WORDS: dict[str, ContactKind] = {
    word: kind for kind, words in KIND_SYNONYMS.items() for word in words
}
# Chinese kind words may be written without a space before the summary ("电话讨论续约").
_CJK_KIND_WORDS = sorted(
    (word for word in KIND_WORDS if not word.isascii()), key=len, reverse=True
)
_KIND_PUNCTUATION = ":,;.，：；。"

_WEEKDAYS: dict[str, int] = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
# "sat" alone is read as a satisfaction marker, so Saturday needs its full name there.
_BARE_WEEKDAYS = {name: day for name, day in _WEEKDAYS.items() if name != "sat"}
_CJK_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_CJK_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}

_AMOUNT = re.compile(
    r"(?P<sign>-)?(?P<currency>[$¥€£])?(?P<sign2>-)?"
    r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<suffix>k|m|千|万)?(?:元|块|rmb|usd|eur)?"
)
# The score of every satisfaction form is taken as written, sign and decimals included, so
# that "sat 4.5" or "0/5" is rejected as a score instead of being read as an amount or date.
_SCORE_NUMBER = r"[-+]?\d+(?:[.,]\d+)?"
_SATISFACTION = re.compile(
    rf"(?:sat|satisfaction|满意度)\s*[:=]?\s*(?P<marked>{_SCORE_NUMBER})"
    rf"|(?P<slashed>{_SCORE_NUMBER})/5"
    rf"|(?P<stars>{_SCORE_NUMBER})星"
)
# A whole number from 1 to 5, matched as text so that a huge number never reaches int().
_WHOLE_SCORE = re.compile(r"\+?0*[1-5]")
_ISO_DATE = re.compile(r"(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})")
# Month 1-12 and day 1-31 only, so that "24/7" in a summary is not taken for a date.
_MONTH_DAY = re.compile(r"(?P<month>0?[1-9]|1[0-2])/(?P<day>0?[1-9]|[12]\d|3[01])")
_CJK_DATE = re.compile(r"(?:(?P<year>\d{4})年)?(?P<month>\d{1,2})月(?P<day>\d{1,2})[日号]")
_IN_COUNT = re.compile(r"in (?P<count>\d+|a|an|one) (?P<unit>day|days|week|weeks|month|months)")
_CJK_COUNT = re.compile(
    r"(?P<count>\d+|[一二两三四五六七八九]?十[一二三四五六七八九]?|[一二两三四五六七八九])"
    r"(?P<unit>天|周|个星期|星期|个月)(?:之)?后"
)
_CJK_WEEKDAY = re.compile(r"(?P<which>下|本|这)?(?:周|星期|礼拜)(?P<day>[一二三四五六日天])")


class LogParseError(ValueError):
    """Invalid log input. ``key`` is a catalogue key and ``params`` its parameters."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class ParsedLog:
    """A contact written on one line, before the customer name is matched."""

    customer_name: str
    kind: ContactKind
    summary: str
    amount: Decimal | None = None
    satisfaction: int | None = None
    # Local date in the user's time zone of the next step, if the rep gave one.
    next_step_on: date | None = None


@dataclass(frozen=True)
class NextStep:
    """A next step typed in the guided form: an optional note and its local date."""

    on: date
    note: str | None = None


@dataclass
class _TrailingFields:
    amount: Decimal | None = None
    satisfaction: int | None = None
    next_step_on: date | None = None
    taken: set[str] = field(default_factory=set)


def normalize_name(name: str) -> str:
    """Return the key that makes two spellings of one customer name equal.

    NFKC folds full-width forms, ``casefold`` folds case, and runs of whitespace become
    one space. Punctuation and symbols such as ``&`` or ``<`` are kept.
    """
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def parse_kind(word: str) -> ContactKind | None:
    """Return the contact kind named by ``word`` (a kind value or a synonym), or None."""
    return KIND_WORDS.get(_fold(word).strip(_KIND_PUNCTUATION))


def parse_log_line(
    text: str,
    *,
    now: datetime,
    timezone: ZoneInfo,
    known_names: Iterable[str] = (),
) -> ParsedLog:
    """Parse the one-line form of a contact.

    The customer name is every word before the first kind word. The first word always
    belongs to the name, so "Call Center call ..." names "Call Center". When a name in
    ``known_names`` (compared by ``normalize_name``) is followed by a kind word, the
    longest such name wins, so "Acme Phone Co call ..." names "Acme Phone Co" if that
    customer exists. Dates resolve in ``timezone`` relative to ``now`` (aware).

    Raises:
        LogParseError: ``contacts.error.empty`` for blank text,
            ``contacts.error.kind_missing`` when no kind word follows a name, or the
            errors of the trailing amount, satisfaction and date.
    """
    tokens = text.split()
    if not tokens:
        raise LogParseError("contacts.error.empty")

    kind_index, tokens = _find_kind(tokens, {normalize_name(name) for name in known_names})
    if kind_index is None:
        raise LogParseError("contacts.error.kind_missing", text=" ".join(tokens))

    kind = parse_kind(tokens[kind_index])
    assert kind is not None
    fields, summary_tokens = _split_trailing_fields(tokens[kind_index + 1 :], now, timezone)
    return ParsedLog(
        customer_name=" ".join(tokens[:kind_index]),
        kind=kind,
        summary=" ".join(summary_tokens),
        amount=fields.amount,
        satisfaction=fields.satisfaction,
        next_step_on=fields.next_step_on,
    )


def parse_amount(text: str) -> Decimal:
    """Parse an amount such as ``5000``, ``5,000``, ``5k``, ``$5000``, ``5000.50`` or ``¥5000``.

    Negative amounts are refunds. The result has at most two decimal places.

    Raises:
        LogParseError: ``contacts.error.amount_invalid`` or ``contacts.error.amount_too_large``.
    """
    amount = _match_amount(_fold(text).replace(" ", ""))
    if amount is None:
        raise LogParseError("contacts.error.amount_invalid", value=text.strip())
    return amount


def parse_satisfaction(text: str) -> int:
    """Parse a satisfaction score 1-5 written as ``4``, ``sat 4``, ``4/5``, ``4星`` or ``满意度4``.

    Raises:
        LogParseError: ``contacts.error.satisfaction_invalid`` when the text is not a
            score, ``contacts.error.satisfaction_range`` when the score is not a whole
            number from 1 to 5 (``4.5``, ``0/5``, ``sat -1``).
    """
    folded = _fold(text).strip()
    if re.fullmatch(_SCORE_NUMBER, folded):
        return _check_satisfaction(folded)
    # Without a date to compete with, "6/5" is a score of 6 rather than the 5th of June.
    score = _match_satisfaction(folded, month_day_is_date=False)
    if score is None:
        raise LogParseError("contacts.error.satisfaction_invalid", value=text.strip())
    return score


def parse_date(text: str, *, now: datetime, timezone: ZoneInfo) -> date:
    """Parse a next-step date and return the local date in ``timezone``.

    Accepted English forms are ``today``, ``tomorrow``, ``day after tomorrow``, ``in 3
    days`` (also weeks and months) and ``next week`` (Monday of next week). ``friday``, ``on
    friday`` and ``next friday`` mean the first Friday after today. ``this friday`` typed on
    a Friday is today while the follow-up time (``DEFAULT_FOLLOWUP_TIME``) is still ahead,
    and a week later after it. Calendar dates are ``2026-12-10`` and ``12/10`` (month/day,
    this year or next, whichever is not past). Chinese forms are ``12月10日``, ``明天``,
    ``后天``, ``3天后``, ``下周`` (Monday of next week), ``下周五`` (Friday of next week),
    ``周五`` (the first Friday after today) and ``本周五`` (Friday of this calendar week).

    Raises:
        LogParseError: ``contacts.error.date_invalid`` for text that is not a date or a
            date that does not exist, ``contacts.error.date_past`` for a date before today,
            ``contacts.error.date_out_of_range`` for a date more than ``MAX_YEARS_AHEAD``
            years after today.
    """
    day = _match_date(_fold(text), now, timezone)
    if day is None:
        raise LogParseError("contacts.error.date_invalid", value=text.strip())
    return day


def parse_next_step(text: str, *, now: datetime, timezone: ZoneInfo) -> NextStep:
    """Parse a next step typed as a date, optionally with a note: ``send quote next friday``.

    The date is read from the end of the text, or from its start when the end is no date
    ("tomorrow: send quote").

    Raises:
        LogParseError: ``contacts.error.date_invalid`` when neither end is a date, or
            ``contacts.error.date_past`` or ``contacts.error.date_out_of_range``.
    """
    tokens = text.split()
    if not tokens:
        raise LogParseError("contacts.error.date_invalid", value="")
    for size in range(min(MAX_FIELD_WORDS, len(tokens)), 0, -1):
        day = _match_date(_fold(" ".join(tokens[-size:])), now, timezone)
        if day is not None:
            return NextStep(on=day, note=_note(tokens[:-size]))
    for size in range(min(MAX_FIELD_WORDS, len(tokens)), 0, -1):
        day = _match_date(_fold(" ".join(tokens[:size])).rstrip(_KIND_PUNCTUATION), now, timezone)
        if day is not None:
            return NextStep(on=day, note=_note(tokens[size:]))
    raise LogParseError("contacts.error.date_invalid", value=text.strip())


def due_at_for_date(
    day: date, timezone: ZoneInfo, local_time: time = DEFAULT_FOLLOWUP_TIME
) -> datetime:
    """Return ``local_time`` on local date ``day`` in ``timezone`` as an aware UTC datetime."""
    return datetime.combine(day, local_time, tzinfo=timezone).astimezone(UTC)


def parse_record_id(text: str) -> int | None:
    """Return the database id written in ``text``, or None unless it is 1 to MAX_RECORD_ID.

    Only ASCII digits without a sign or leading zero are read, because callback data is
    written by the bot and anything else in it was forged or corrupted.
    """
    if re.fullmatch(r"[1-9][0-9]{0,9}", text) is None:
        return None
    record_id = int(text)
    return record_id if record_id <= MAX_RECORD_ID else None


def _note(tokens: list[str]) -> str | None:
    note = " ".join(tokens).strip(" " + _KIND_PUNCTUATION)
    return note or None


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _find_kind(tokens: list[str], known_keys: set[str]) -> tuple[int | None, list[str]]:
    """Return the index of the kind word and the tokens, split where a CJK kind is glued on."""
    kind_indexes = [index for index in range(1, len(tokens)) if parse_kind(tokens[index])]
    for index in reversed(kind_indexes):
        if normalize_name(" ".join(tokens[:index])) in known_keys:
            return index, tokens
    if kind_indexes:
        return kind_indexes[0], tokens

    for index in range(1, len(tokens)):
        token = tokens[index]
        for word in _CJK_KIND_WORDS:
            if token.startswith(word) and len(token) > len(word):
                return index, [*tokens[:index], word, token[len(word) :], *tokens[index + 1 :]]
    return None, tokens


def _split_trailing_fields(
    tokens: list[str], now: datetime, timezone: ZoneInfo
) -> tuple[_TrailingFields, list[str]]:
    """Take amount, satisfaction and date off the end of ``tokens``, each at most once."""
    fields = _TrailingFields()
    end = len(tokens)
    while end > 0:
        matched = False
        for size in range(min(MAX_FIELD_WORDS, end), 0, -1):
            phrase = _fold(" ".join(tokens[end - size : end]))
            found = _match_field(phrase, now, timezone)
            if found is None:
                continue
            name, value = found
            if name in fields.taken:
                break
            fields.taken.add(name)
            setattr(fields, name, value)
            end -= size
            matched = True
            break
        if not matched:
            break
    return fields, tokens[:end]


def _match_field(phrase: str, now: datetime, timezone: ZoneInfo) -> tuple[str, object] | None:
    # Satisfaction goes first so that "4/5" is a score, not the 5th of April.
    score = _match_satisfaction(phrase)
    if score is not None:
        return "satisfaction", score
    day = _match_date(phrase, now, timezone)
    if day is not None:
        return "next_step_on", day
    amount = _match_amount(phrase)
    if amount is not None:
        return "amount", amount
    return None


def _match_satisfaction(phrase: str, *, month_day_is_date: bool = True) -> int | None:
    """Return the score of a satisfaction form, None when ``phrase`` is no such form.

    With ``month_day_is_date``, "6/5" to "12/5" are left to be read as month/day dates.
    """
    match = _SATISFACTION.fullmatch(phrase)
    if match is None:
        return None
    slashed = match["slashed"]
    if (
        month_day_is_date
        and slashed is not None
        and not _is_score(slashed)
        and _MONTH_DAY.fullmatch(f"{slashed}/5")
    ):
        return None
    return _check_satisfaction(match["marked"] or slashed or match["stars"])


def _is_score(number: str) -> bool:
    return _WHOLE_SCORE.fullmatch(number) is not None


def _check_satisfaction(number: str) -> int:
    """Return the score written as ``number``, or raise unless it is a whole number 1-5."""
    if not _is_score(number):
        raise LogParseError("contacts.error.satisfaction_range", value=number)
    return int(number)


def _match_amount(phrase: str) -> Decimal | None:
    match = _AMOUNT.fullmatch(phrase)
    if match is None:
        return None
    if match["sign"] and match["sign2"]:
        return None
    try:
        amount = Decimal(match["number"].replace(",", ""))
    except InvalidOperation:
        return None
    amount *= {"k": 1000, "千": 1000, "m": 1_000_000, "万": 10_000}.get(match["suffix"] or "", 1)
    if match["sign"] or match["sign2"]:
        amount = -amount
    rounded = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if rounded != amount:
        raise LogParseError("contacts.error.amount_invalid", value=phrase)
    if abs(rounded) > MAX_AMOUNT:
        raise LogParseError("contacts.error.amount_too_large", value=phrase)
    return rounded


def _match_date(phrase: str, now: datetime, timezone: ZoneInfo) -> date | None:
    """Return the date that ``phrase`` (folded) names, None when it names no date."""
    local_now = now.astimezone(timezone)
    today = local_now.date()
    day = _match_relative_date(phrase, local_now)
    if day is None:
        day = _match_calendar_date(phrase, today)
    if day is None:
        return None
    if day < today:
        raise LogParseError("contacts.error.date_past", value=phrase, date=day.isoformat())
    latest = latest_next_step_date(today)
    if day > latest:
        raise LogParseError(
            "contacts.error.date_out_of_range", value=phrase, latest=latest.isoformat()
        )
    return day


def latest_next_step_date(today: date) -> date:
    """Return the last date a next step may have: ``MAX_YEARS_AHEAD`` years after ``today``.

    From 29 February the limit is 28 February of that year, unless it is a leap year.
    """
    try:
        return today.replace(year=today.year + MAX_YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + MAX_YEARS_AHEAD, day=28)


def _match_relative_date(phrase: str, local_now: datetime) -> date | None:
    today = local_now.date()
    fixed = {
        "today": 0,
        "今天": 0,
        "tomorrow": 1,
        "tmr": 1,
        "tmrw": 1,
        "明天": 1,
        "day after tomorrow": 2,
        "the day after tomorrow": 2,
        "后天": 2,
        "大后天": 3,
    }
    if phrase in fixed:
        return today + timedelta(days=fixed[phrase])
    if phrase in {"next week", "下周", "下星期", "下礼拜"}:
        return _next_monday(today)

    words = phrase.split()
    if words and words[-1] in _WEEKDAYS:
        weekday = _WEEKDAYS[words[-1]]
        prefix = words[:-1]
        if prefix == [] and words[-1] not in _BARE_WEEKDAYS:
            return None
        if prefix in ([], ["on"], ["next"], ["on", "next"]):
            return _next_weekday(today, weekday, include_today=False)
        if prefix == ["this"]:
            # A follow-up due this morning at a time already past would be due at once.
            before_followup = local_now.time() < DEFAULT_FOLLOWUP_TIME
            return _next_weekday(today, weekday, include_today=before_followup)
        return None

    match = _IN_COUNT.fullmatch(phrase)
    if match:
        count = 1 if match["count"] in {"a", "an", "one"} else _digit_count(match["count"])
        return _add(today, count, match["unit"].rstrip("s"))
    match = _CJK_COUNT.fullmatch(phrase)
    if match:
        count = _cjk_number(match["count"])
        unit = {"天": "day", "周": "week", "个星期": "week", "星期": "week", "个月": "month"}
        return _add(today, count, unit[match["unit"]])
    match = _CJK_WEEKDAY.fullmatch(phrase)
    if match:
        weekday = _CJK_WEEKDAYS[match["day"]]
        if match["which"] == "下":
            return _next_monday(today) + timedelta(days=weekday)
        if match["which"] in {"本", "这"}:
            return today - timedelta(days=today.weekday()) + timedelta(days=weekday)
        return _next_weekday(today, weekday, include_today=False)
    return None


def _match_calendar_date(phrase: str, today: date) -> date | None:
    match = _ISO_DATE.fullmatch(phrase) or _CJK_DATE.fullmatch(phrase)
    if match and match["year"]:
        return _make_date(phrase, int(match["year"]), int(match["month"]), int(match["day"]))
    match = match or _MONTH_DAY.fullmatch(phrase)
    if match is None:
        return None
    month, day = int(match["month"]), int(match["day"])
    this_year = _make_date(phrase, today.year, month, day, leap_fallback=True)
    if this_year >= today:
        return this_year
    return _make_date(phrase, today.year + 1, month, day, leap_fallback=True)


def _make_date(
    phrase: str, year: int, month: int, day: int, *, leap_fallback: bool = False
) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        # "2/29" without a year means the next 29 February, so look ahead to a leap year.
        if leap_fallback and (month, day) == (2, 29):
            for later in range(year, year + 8):
                if later % 4 == 0 and (later % 100 != 0 or later % 400 == 0):
                    return date(later, 2, 29)
        raise LogParseError("contacts.error.date_invalid", value=phrase) from None


def _next_monday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


def _next_weekday(today: date, weekday: int, *, include_today: bool) -> date:
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0 and not include_today:
        ahead = 7
    return today + timedelta(days=ahead)


def _add(today: date, count: int, unit: str) -> date:
    """Return ``count`` units after ``today``, or ``date.max`` when that is past year 9999."""
    try:
        if unit == "day":
            return today + timedelta(days=count)
        if unit == "week":
            return today + timedelta(weeks=count)
    except OverflowError:
        return date.max
    month_index = today.month - 1 + count
    year, month = today.year + month_index // 12, month_index % 12 + 1
    if year > MAXYEAR:
        return date.max
    for day in range(today.day, 27, -1):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return date(year, month, today.day)


def _digit_count(digits: str) -> int:
    # Python 3.11 int() rejects strings of more than 4300 digits by default, and any count
    # of 10 digits is out of range anyway.
    return int(digits) if len(digits) < 10 else 10**10


def _cjk_number(text: str) -> int:
    if text.isdigit():
        return _digit_count(text)
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _CJK_DIGITS[text[1]]
    if text.endswith("十"):
        return _CJK_DIGITS[text[0]] * 10
    if "十" in text:
        tens, ones = text.split("十")
        return _CJK_DIGITS[tens] * 10 + _CJK_DIGITS[ones]
    return _CJK_DIGITS[text]
