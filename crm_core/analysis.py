"""Customer analysis: lifecycle stage, relationship level, value, tier and the reasons.

``analyze`` turns an events frame (see ``crm_core.risk.EVENT_COLUMNS``) into one row per
customer. Every decision is a vectorised rule on per-customer figures, and each row carries
the figures that decided it as ``reason_parts``, a list of ``(catalogue_key, params)`` that
``render_reason`` turns into text in any catalogue language.

Definitions used throughout:

- A purchase occasion is a UTC calendar day with at least one non-refund purchase. Several
  purchases on one day count once, and refunds (negative amounts) lower revenue only.
- Revenue is the net sum of purchase amounts, refunds included. A customer whose refunds
  bring revenue to zero or less counts as having no effective purchase. Purchases logged
  without an amount count as purchases with no revenue.
- The usual gap is the median number of days between purchase occasions. A customer with
  one occasion has no usual gap, so ``single_purchase_gap_days`` is used instead.
- Value V = Q / P, with Q the mean satisfaction recorded on any contact in a window and P
  the mean amount of the non-refund purchases in that window relative to the customer's
  mean purchase amount over the whole history. V is on the satisfaction scale: 4.0 means
  satisfaction 4 at the customer's usual spend per purchase. Without a unit price in the
  history, a larger order counts as a higher price.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

import numpy as np
import pandas as pd

from crm_core.i18n import translate
from crm_core.model import LEVEL_ORDER, ContactKind, Level, Stage, Tier
from crm_core.risk import (
    DIALOGUE_KINDS,
    ChurnModel,
    RiskSettings,
    features_from_normalized,
    fit_churn_model,
    normalize_events,
    purchase_day_table,
    to_naive_utc,
)

ReasonPart = tuple[str, dict[str, Any]]

_MEETING_KINDS: tuple[str, ...] = (ContactKind.MEETING, ContactKind.VISIT)
_DAY_NS = 86_400 * 10**9


@dataclass(frozen=True)
class AnalysisSettings:
    """Thresholds of the customer model. The defaults are explained in docs/customer-model.md.

    Attributes:
        tier_cutoffs: Cumulative revenue shares that close tiers A and B. With (0.8, 0.95)
            tier A is the customers that make up the top 80% of revenue and B the next 15%.
        single_purchase_gap_days: Expected gap for a customer with one purchase occasion.
        min_gap_days: Floor on the usual gap, so that purchases on consecutive days do not
            make a customer overdue within a week.
        decline_ratio: Recency over expected gap at which a customer is in decline.
        terminated_ratio: Recency over expected gap at which a customer is terminated.
        terminated_min_days: Minimum recency in days for terminated, whatever the gap.
        recent_days: Window in days for complaints, low satisfaction and spend trend.
        trend_history_days: Earlier period in days whose average spend per ``recent_days``
            the recent spend is compared with.
        spend_drop: Relative fall of recent spend (0.5 = down 50%) that means decline.
        spend_rise: Relative rise of recent spend that keeps a customer in growth.
        trend_min_purchases: Minimum purchase occasions before the spend trend decides.
        low_satisfaction: Mean recent satisfaction at or below which a customer declines.
        complaint_count: Complaints within ``recent_days`` that mean decline.
        maturity_min_purchases: Minimum purchase occasions for maturity.
        maturity_min_tenure_days: Minimum days since the first purchase for maturity.
        customer_min_purchases: Purchase occasions that make a repeat buyer (customer).
        client_min_purchases: Purchase occasions for the client level.
        client_min_dialogue: Calls, visits, messages, e-mails and meetings within
            ``dialogue_days`` for the client level.
        dialogue_days: Window in days for the dialogue count.
        partner_min_purchases: Purchase occasions for the partner level.
        partner_min_tenure_days: Days since the first purchase for the partner level.
        partner_min_meetings: Meetings and visits within a year for the partner level.
        value_window_days: Length of each of the two windows whose V is compared.
        value_drop: Relative fall of V (0.2 = down 20%) that raises the value warning.
        high_satisfaction: Mean recent satisfaction at or above which a fall of V warns.
        risk: Settings of the churn-risk model.
    """

    tier_cutoffs: tuple[float, float] = (0.8, 0.95)
    single_purchase_gap_days: float = 90.0
    min_gap_days: float = 7.0
    decline_ratio: float = 2.0
    terminated_ratio: float = 4.0
    terminated_min_days: float = 180.0
    recent_days: int = 90
    trend_history_days: int = 360
    spend_drop: float = 0.5
    spend_rise: float = 0.25
    trend_min_purchases: int = 3
    low_satisfaction: float = 2.5
    complaint_count: int = 1
    maturity_min_purchases: int = 4
    maturity_min_tenure_days: float = 365.0
    customer_min_purchases: int = 2
    client_min_purchases: int = 3
    client_min_dialogue: int = 3
    dialogue_days: int = 180
    partner_min_purchases: int = 6
    partner_min_tenure_days: float = 365.0
    partner_min_meetings: int = 4
    value_window_days: int = 180
    value_drop: float = 0.2
    high_satisfaction: float = 4.0
    risk: RiskSettings = field(default_factory=RiskSettings)


def analyze(
    events: pd.DataFrame,
    as_of: datetime,
    customers: pd.DataFrame | None = None,
    settings: AnalysisSettings = AnalysisSettings(),
    *,
    risk_model: ChurnModel | None = None,
) -> pd.DataFrame:
    """Analyse every customer from the events on or before ``as_of``.

    Rows are the customers with at least one event on or before ``as_of``, plus the rows of
    ``customers`` whose ``created_at`` is missing or on or before ``as_of``. A customer whose
    events all lie after ``as_of`` and who is not in ``customers`` gets no row. A customer
    without a purchase is in acquisition, with ``churn_risk`` NaN and RFM scores missing.

    Args:
        events: Events frame with the columns of ``crm_core.risk.EVENT_COLUMNS``.
        as_of: Aware datetime; nothing after it is read.
        customers: Optional frame with ``customer``, ``created_at``, ``level_override`` and
            ``stage_override``. Overrides win over the detected level and stage.
        settings: Thresholds of the model.
        risk_model: A model from ``crm_core.risk.fit_churn_model``. When None, one is fitted
            on ``events``.

    Returns:
        One row per customer, indexed by ``customer``, with the columns listed in
        docs/customer-model.md.
    """
    as_of_utc = to_naive_utc(as_of)
    normalized = normalize_events(events)
    normalized = normalized[normalized["occurred_at"].to_numpy() <= as_of_utc.to_datetime64()]

    index = _customer_index(normalized, as_of_utc, customers)
    figures = customer_figures(normalized, as_of_utc, index, settings)
    figures["tier"] = assign_tiers(figures["revenue"], settings.tier_cutoffs)
    figures["contribution_share"] = _contribution_share(figures["revenue"])
    _add_rfm(figures)
    _apply_overrides(figures, customers)

    if risk_model is None:
        risk_model = fit_churn_model(normalized, as_of, settings.risk)
    _add_risk(figures, normalized, as_of_utc, risk_model)
    return classify(figures, settings)


def analyze_one(
    events: pd.DataFrame,
    as_of: datetime,
    *,
    customer: str | None = None,
    tier: Tier = Tier.C,
    level_override: Level | str | None = None,
    stage_override: Stage | str | None = None,
    risk_model: ChurnModel | None = None,
    settings: AnalysisSettings = AnalysisSettings(),
) -> dict[str, Any]:
    """Analyse one customer with the rules of ``analyze`` and return the row as a dict.

    Tier, contribution share and the RFM scores compare the customer with the whole book,
    so they cannot come from one customer's events. ``tier`` is taken as given (the stored
    tier of the last full analysis; C for a new customer), ``contribution_share`` is NaN and
    the RFM scores are missing. With the ``risk_model`` of the last full analysis the churn
    risk equals that of ``analyze``. Without one the fallback rule of ``crm_core.risk``
    scores it. Everything else matches the row that ``analyze`` returns.

    Args:
        events: Events of this one customer.
        as_of: Aware datetime; nothing after it is read.
        customer: Customer key. Required when ``events`` is empty.
        tier: Value tier of the customer.
        level_override: Level set by hand, if any.
        stage_override: Stage set by hand, if any.
        risk_model: Fitted model of the last full analysis, if any.
        settings: Thresholds of the model.

    Raises:
        ValueError: If ``events`` contains more than one customer or no key is given.
    """
    as_of_utc = to_naive_utc(as_of)
    normalized = normalize_events(events)
    keys = pd.unique(normalized["customer"])
    if len(keys) > 1:
        raise ValueError(f"analyze_one takes one customer's events, got {len(keys)} customers")
    if customer is None:
        if len(keys) == 0:
            raise ValueError("analyze_one needs customer= when events is empty")
        customer = str(keys[0])
    elif len(keys) == 1 and keys[0] != customer:
        raise ValueError(f"events belong to {keys[0]!r}, not to customer {customer!r}")
    normalized = normalized[normalized["occurred_at"].to_numpy() <= as_of_utc.to_datetime64()]

    index = pd.Index([customer], name="customer")
    figures = customer_figures(normalized, as_of_utc, index, settings)
    figures["tier"] = str(Tier(tier))
    figures["contribution_share"] = np.nan
    for column in ("rfm_r", "rfm_f", "rfm_m"):
        figures[column] = pd.array([pd.NA], dtype="Int64")
    overrides = pd.DataFrame(
        {
            "customer": [customer],
            "level_override": [level_override],
            "stage_override": [stage_override],
        }
    )
    _apply_overrides(figures, overrides)

    if risk_model is None:
        risk_model = ChurnModel(None, as_of_utc, 0, settings.risk)
    _add_risk(figures, normalized, as_of_utc, risk_model)
    row = classify(figures, settings).iloc[0].to_dict()
    row["customer"] = customer
    return row


def _customer_index(
    events: pd.DataFrame, as_of: pd.Timestamp, customers: pd.DataFrame | None
) -> pd.Index:
    keys = pd.unique(events["customer"])
    if customers is not None and len(customers):
        known = customers["customer"].astype(str)
        if "created_at" in customers.columns:
            created_at = pd.to_datetime(customers["created_at"], errors="coerce")
            if created_at.dt.tz is not None:
                created_at = created_at.dt.tz_convert("UTC").dt.tz_localize(None)
            known = known[(created_at.isna() | (created_at <= as_of)).to_numpy()]
        keys = pd.unique(np.concatenate([keys, known.to_numpy()]))
    return pd.Index(np.sort(keys.astype(object)), name="customer", dtype=object)


def customer_figures(
    events: pd.DataFrame, as_of: pd.Timestamp, index: pd.Index, settings: AnalysisSettings
) -> pd.DataFrame:
    """Compute the per-customer figures that need only the customer's own events.

    ``events`` is a frame from ``normalize_events`` already cut at ``as_of`` (naive UTC).
    Customers in ``index`` without events get zero counts and missing dates.
    """
    size = len(index)
    keys = pd.Categorical(events["customer"])
    codes = index.get_indexer(keys.categories)[keys.codes] if len(keys) else np.zeros(0, int)
    if (codes < 0).any():
        raise ValueError("events contain customers that are not in the index")

    kinds = events["kind"].to_numpy()
    amounts = events["amount"].to_numpy()
    satisfaction = events["satisfaction"].to_numpy()
    moments = events["occurred_at"].to_numpy()
    days = moments.astype("datetime64[D]").astype(np.int64)
    as_of_day = int((as_of.floor("D") - pd.Timestamp(0)).days)
    is_purchase = kinds == ContactKind.PURCHASE
    purchase_amount = np.where(is_purchase, np.nan_to_num(amounts), 0.0)
    occasions = is_purchase & ~(amounts < 0)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(codes[mask], minlength=size)

    def total(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.bincount(codes[mask], weights=values[mask], minlength=size)

    def latest(mask: np.ndarray) -> np.ndarray:
        stamps = np.full(size, np.iinfo(np.int64).min, dtype=np.int64)
        np.maximum.at(stamps, codes[mask], moments[mask].astype(np.int64))
        return stamps

    figures = pd.DataFrame(index=index)
    figures["revenue"] = total(is_purchase, purchase_amount)
    figures["refund_count"] = count(is_purchase & (amounts < 0))
    figures["purchase_count"] = count(is_purchase)

    day_table = purchase_day_table(codes[occasions], days[occasions])
    day_codes, purchase_days = day_table["code"], day_table["day"]
    n_purchases = np.bincount(day_codes, minlength=size)
    starts = np.flatnonzero(np.r_[True, day_codes[1:] != day_codes[:-1]]) if day_codes.size else []
    first_day = np.full(size, np.nan)
    last_day = np.full(size, np.nan)
    if day_codes.size:
        ends = np.r_[starts[1:], day_codes.size] - 1
        first_day[day_codes[starts]] = purchase_days[starts]
        last_day[day_codes[ends]] = purchase_days[ends]
    figures["n_purchases"] = n_purchases
    figures["first_purchase_at"] = _days_to_timestamps(first_day)
    figures["last_purchase_at"] = _days_to_timestamps(last_day)
    figures["usual_gap_days"] = _median_gaps(day_codes, purchase_days, size)
    figures["recency_days"] = as_of_day - last_day
    figures["tenure_days"] = as_of_day - first_day

    last_contact = latest(np.ones(len(codes), dtype=bool))
    figures["last_contact_at"] = _stamps_to_timestamps(last_contact)
    last_loss = latest(kinds == ContactKind.LOSS)
    last_purchase_stamp = latest(occasions)
    lost = last_loss > last_purchase_stamp
    figures["lost_at"] = _stamps_to_timestamps(np.where(lost, last_loss, np.iinfo(np.int64).min))

    recent = days > as_of_day - settings.recent_days
    figures["complaints_recent"] = count(recent & (kinds == ContactKind.COMPLAINT))
    rated = recent & ~np.isnan(satisfaction)
    with np.errstate(invalid="ignore", divide="ignore"):
        figures["satisfaction_recent"] = total(rated, satisfaction) / count(rated)

    _add_spend_trend(figures, codes, days, purchase_amount, as_of_day, settings)
    _add_value(figures, codes, days, amounts, satisfaction, occasions, as_of_day, settings)

    dialogue = (days > as_of_day - settings.dialogue_days) & np.isin(kinds, DIALOGUE_KINDS)
    figures["dialogue_recent"] = count(dialogue)
    figures["meetings_year"] = count((days > as_of_day - 365) & np.isin(kinds, _MEETING_KINDS))
    return figures


def _days_to_timestamps(day_numbers: np.ndarray) -> np.ndarray:
    stamps = np.full(day_numbers.shape, np.iinfo(np.int64).min, dtype=np.int64)
    known = ~np.isnan(day_numbers)
    stamps[known] = day_numbers[known].astype(np.int64) * _DAY_NS
    return _stamps_to_timestamps(stamps)


def _stamps_to_timestamps(stamps: np.ndarray) -> np.ndarray:
    # int64 minimum is NaT in datetime64[ns].
    return stamps.astype(np.int64).view("datetime64[ns]")


def _median_gaps(day_codes: np.ndarray, purchase_days: np.ndarray, size: int) -> np.ndarray:
    result = np.full(size, np.nan)
    if day_codes.size < 2:
        return result
    same_customer = day_codes[1:] == day_codes[:-1]
    gaps = np.diff(purchase_days)[same_customer].astype(float)
    owners = day_codes[1:][same_customer]
    if owners.size:
        medians = pd.Series(gaps).groupby(owners).median()
        result[medians.index.to_numpy()] = medians.to_numpy()
    return result


def _add_spend_trend(
    figures: pd.DataFrame,
    codes: np.ndarray,
    days: np.ndarray,
    purchase_amount: np.ndarray,
    as_of_day: int,
    settings: AnalysisSettings,
) -> None:
    # Recent spend is compared with the average spend per window of the same length over
    # the earlier period, counted only from the first purchase so new customers are not
    # compared with months before they bought anything.
    size = len(figures)
    window = settings.recent_days
    recent = days > as_of_day - window
    earlier = ~recent & (days > as_of_day - window - settings.trend_history_days)
    recent_spend = np.bincount(codes[recent], weights=purchase_amount[recent], minlength=size)
    earlier_spend = np.bincount(codes[earlier], weights=purchase_amount[earlier], minlength=size)
    first_day = as_of_day - figures["tenure_days"].to_numpy()
    earlier_span = np.clip(
        (as_of_day - window)
        - np.maximum(first_day, as_of_day - window - settings.trend_history_days),
        0,
        None,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        baseline = earlier_spend * window / earlier_span
        trend = recent_spend / baseline - 1.0
    valid = (earlier_span >= window) & (baseline > 0)
    figures["recent_spend"] = recent_spend
    figures["spend_trend"] = np.where(valid, trend, np.nan)


def _add_value(
    figures: pd.DataFrame,
    codes: np.ndarray,
    days: np.ndarray,
    amounts: np.ndarray,
    satisfaction: np.ndarray,
    occasions: np.ndarray,
    as_of_day: int,
    settings: AnalysisSettings,
) -> None:
    size = len(figures)
    window = settings.value_window_days
    priced = occasions & ~np.isnan(amounts)
    rated = ~np.isnan(satisfaction)

    def mean(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
        counts = np.bincount(codes[mask], minlength=size)
        sums = np.bincount(codes[mask], weights=values[mask], minlength=size)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts > 0, sums / counts, np.nan)

    reference_price = mean(priced, amounts)
    recent = days > as_of_day - window
    earlier = ~recent & (days > as_of_day - 2 * window)
    with np.errstate(invalid="ignore", divide="ignore"):
        value_recent = mean(recent & rated, satisfaction) / (
            mean(recent & priced, amounts) / reference_price
        )
        value_earlier = mean(earlier & rated, satisfaction) / (
            mean(earlier & priced, amounts) / reference_price
        )
        value_all = mean(rated, satisfaction)
        trend = value_recent / value_earlier - 1.0
    valid_ratio = np.isfinite(value_recent) & (value_recent >= 0)
    figures["value_ratio"] = np.where(valid_ratio, value_recent, value_all)
    figures["value_trend"] = np.where(np.isfinite(trend), trend, np.nan)
    figures["satisfaction_value_window"] = mean(recent & rated, satisfaction)


def assign_tiers(revenue: pd.Series, cutoffs: tuple[float, float] = (0.8, 0.95)) -> pd.Series:
    """Assign A/B/C by cumulative share of revenue, largest customers first.

    A customer is in tier A when the customers ranked above it make up less than
    ``cutoffs[0]`` of total revenue, so tier A is the smallest set of top customers whose
    revenue reaches that share. Tier B continues up to ``cutoffs[1]``. Customers with zero
    or negative revenue are always C. Equal revenues rank by customer key.
    """
    positive = revenue.where(revenue > 0, 0.0).astype(float)
    total = positive.sum()
    tiers = pd.Series(str(Tier.C), index=revenue.index, dtype=object)
    if total <= 0:
        return tiers

    order = np.lexsort((revenue.index.to_numpy().astype(str), -positive.to_numpy()))
    sorted_revenue = positive.to_numpy()[order]
    share_before = (np.cumsum(sorted_revenue) - sorted_revenue) / total
    ranked = np.where(
        sorted_revenue <= 0,
        str(Tier.C),
        np.where(
            share_before < cutoffs[0],
            str(Tier.A),
            np.where(share_before < cutoffs[1], str(Tier.B), str(Tier.C)),
        ),
    )
    tiers.iloc[order] = ranked
    return tiers


def _contribution_share(revenue: pd.Series) -> pd.Series:
    positive = revenue.clip(lower=0)
    total = positive.sum()
    if total <= 0:
        return pd.Series(0.0, index=revenue.index)
    return positive / total


def _add_rfm(figures: pd.DataFrame) -> None:
    # Quintile scores among customers with an effective purchase: 5 is the most recent,
    # most frequent, highest spending fifth.
    buyers = (figures["n_purchases"] > 0) & (figures["revenue"] > 0)
    for column, source, ascending in (
        ("rfm_r", "recency_days", False),
        ("rfm_f", "n_purchases", True),
        ("rfm_m", "revenue", True),
    ):
        percentile = figures.loc[buyers, source].rank(pct=True, ascending=ascending)
        scores = np.clip(np.ceil(percentile * 5), 1, 5).astype("Int64")
        figures[column] = scores.reindex(figures.index).astype("Int64")


def _apply_overrides(figures: pd.DataFrame, customers: pd.DataFrame | None) -> None:
    figures["level_override"] = None
    figures["stage_override"] = None
    if customers is None or not len(customers):
        return
    table = (
        customers.assign(customer=customers["customer"].astype(str))
        .drop_duplicates("customer", keep="last")
        .set_index("customer")
    )
    for column, enum in (("level_override", Level), ("stage_override", Stage)):
        if column not in table.columns:
            continue
        values = table[column].reindex(figures.index)
        values = values.where(values.notna(), None)
        figures[column] = [None if value is None else str(enum(value)) for value in values]


def _add_risk(
    figures: pd.DataFrame, events: pd.DataFrame, as_of: pd.Timestamp, model: ChurnModel
) -> None:
    features = features_from_normalized(events, as_of, model.settings)
    risk = model.score(features).reindex(figures.index)
    # An explicit loss after the last purchase is certain churn, whatever the model predicts.
    lost = figures["lost_at"].notna() & figures["n_purchases"].gt(0)
    figures["churn_risk"] = risk.where(~lost, 1.0).astype(float)


def classify(figures: pd.DataFrame, settings: AnalysisSettings) -> pd.DataFrame:
    """Decide stage, level, value warning and reasons from ``customer_figures`` output.

    The frame must already carry ``tier``, ``level_override``, ``stage_override`` and
    ``churn_risk``. Returns the frame with the decision columns added.
    """
    frame = figures
    n = frame["n_purchases"].to_numpy()
    revenue = frame["revenue"].to_numpy()
    recency = frame["recency_days"].to_numpy()
    tenure = frame["tenure_days"].to_numpy()
    usual_gap = frame["usual_gap_days"].to_numpy()
    trend = frame["spend_trend"].to_numpy()
    satisfaction = frame["satisfaction_recent"].to_numpy()

    expected_gap = np.maximum(
        np.where(np.isnan(usual_gap), settings.single_purchase_gap_days, usual_gap),
        settings.min_gap_days,
    )
    frame["expected_gap_days"] = expected_gap
    with np.errstate(invalid="ignore"):
        ratio = recency / expected_gap
    # Refunds that cancel the revenue undo the purchases. A purchase logged without an
    # amount still counts, because nothing was refunded.
    refunded = frame["refund_count"].to_numpy() > 0
    effective = (n > 0) & ((revenue > 0) | ~refunded)
    trend_counts = effective & (n >= settings.trend_min_purchases) & ~np.isnan(trend)
    lost = frame["lost_at"].notna().to_numpy()
    complaints = frame["complaints_recent"].to_numpy() >= settings.complaint_count
    unhappy = satisfaction <= settings.low_satisfaction
    with np.errstate(invalid="ignore"):
        terminated = (ratio >= settings.terminated_ratio) & (
            recency >= settings.terminated_min_days
        )
        overdue = ratio >= settings.decline_ratio
        spend_falls = trend_counts & (trend <= -settings.spend_drop)
        spend_rises = trend_counts & (trend >= settings.spend_rise)
    # Below trend_min_purchases a single order swings the spend trend, so it is not shown.
    frame["spend_trend"] = np.where(trend_counts, trend, np.nan)
    mature = (
        (n >= settings.maturity_min_purchases)
        & (tenure >= settings.maturity_min_tenure_days)
        & ~spend_rises
    )

    # The first rule that matches decides, and the cause column records it for the reason.
    causes = [
        ("lost", lost),
        ("refunded", ~effective & (n > 0)),
        ("no_purchase", ~effective),
        ("gone", effective & terminated),
        ("overdue", effective & overdue),
        ("complaints", effective & complaints),
        ("unhappy", effective & unhappy),
        ("spend_drop", spend_falls),
        ("single", effective & (n == 1)),
        ("mature", effective & mature),
        ("growing", effective),
    ]
    stage_of_cause = {
        "lost": Stage.TERMINATED,
        "refunded": Stage.ACQUISITION,
        "no_purchase": Stage.ACQUISITION,
        "gone": Stage.TERMINATED,
        "overdue": Stage.DECLINE,
        "complaints": Stage.DECLINE,
        "unhappy": Stage.DECLINE,
        "spend_drop": Stage.DECLINE,
        "single": Stage.ACQUISITION,
        "mature": Stage.MATURITY,
        "growing": Stage.GROWTH,
    }
    cause = np.select([mask for _, mask in causes], [name for name, _ in causes], "no_purchase")
    detected = pd.Series(cause, index=frame.index).map(
        {name: str(stage) for name, stage in stage_of_cause.items()}
    )
    frame["stage_cause"] = cause
    frame["detected_stage"] = detected
    stage_override = frame["stage_override"]
    frame["stage_overridden"] = stage_override.notna()
    frame["stage"] = stage_override.where(stage_override.notna(), detected)

    _add_levels(frame, settings, effective)
    frame["value_warning"] = (
        (frame["value_trend"] <= -settings.value_drop)
        & (frame["satisfaction_value_window"] >= settings.high_satisfaction)
    ).to_numpy()
    frame["reason_parts"], frame["reason"] = _reason_parts(frame, settings.recent_days)
    return frame


def _add_levels(frame: pd.DataFrame, settings: AnalysisSettings, effective: np.ndarray) -> None:
    n = frame["n_purchases"].to_numpy()
    tenure = frame["tenure_days"].to_numpy()
    dialogue = frame["dialogue_recent"].to_numpy()
    meetings = frame["meetings_year"].to_numpy()
    tier_a = frame["tier"].to_numpy() == Tier.A
    with np.errstate(invalid="ignore"):
        partner = (
            effective
            & tier_a
            & (n >= settings.partner_min_purchases)
            & (tenure >= settings.partner_min_tenure_days)
            & (meetings >= settings.partner_min_meetings)
        )
    client = (
        effective
        & (n >= settings.client_min_purchases)
        & (dialogue >= settings.client_min_dialogue)
    )
    repeat = effective & (n >= settings.customer_min_purchases)

    suggested = np.select(
        [partner, client, repeat],
        [str(Level.PARTNER), str(Level.CLIENT), str(Level.CUSTOMER)],
        str(Level.CASUAL_BUYER),
    )
    frame["suggested_level"] = suggested

    override = frame["level_override"]
    frame["level_overridden"] = override.notna()
    level = override.where(override.notna(), pd.Series(suggested, index=frame.index))
    frame["level"] = level

    rank = {str(item): position for position, item in enumerate(LEVEL_ORDER)}
    frame["level_upgrade"] = pd.Series(suggested, index=frame.index).map(rank) > level.map(rank)
    frame["level_reason_parts"], frame["level_reason"] = _level_reason_parts(
        frame, suggested, settings.dialogue_days
    )


@dataclass(frozen=True)
class _PartSpec:
    """One reason part for the rows in ``mask``: its catalogue key and its parameters.

    A parameter is either an array over all rows or one value for every row.
    """

    key: str
    mask: np.ndarray
    params: dict[str, Any]


def _level_reason_parts(
    frame: pd.DataFrame, suggested: np.ndarray, dialogue_days: int
) -> tuple[np.ndarray, np.ndarray]:
    purchases = frame["n_purchases"].to_numpy()
    tiers = frame["tier"].map(Tier).to_numpy(dtype=object)
    specs = [
        _PartSpec(
            "analysis.level_reason.casual_buyer",
            suggested == Level.CASUAL_BUYER,
            {"purchases": purchases},
        ),
        _PartSpec(
            "analysis.level_reason.customer",
            suggested == Level.CUSTOMER,
            {"purchases": purchases},
        ),
        _PartSpec(
            "analysis.level_reason.client",
            suggested == Level.CLIENT,
            {
                "purchases": purchases,
                "contacts": frame["dialogue_recent"].to_numpy(),
                "days": dialogue_days,
            },
        ),
        _PartSpec(
            "analysis.level_reason.partner",
            suggested == Level.PARTNER,
            {
                "purchases": purchases,
                "days": _whole_days(frame["tenure_days"].to_numpy()),
                "meetings": frame["meetings_year"].to_numpy(),
                "tier": tiers,
            },
        ),
    ]
    return _assemble_parts([specs], len(frame), "en")


def _reason_parts(frame: pd.DataFrame, window_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Build each row's reason parts and their English text, in one pass per part kind.

    Parts come in a fixed order: the override, the part that decided the stage, the last
    purchase, the purchase gap, the spend trend and the value warning.
    """
    cause = frame["stage_cause"].to_numpy()
    recency = _whole_days(frame["recency_days"].to_numpy())
    usual_gap = frame["usual_gap_days"].to_numpy()
    trend = frame["spend_trend"].to_numpy()
    trend_percent = _whole_days(np.abs(np.nan_to_num(trend)) * 100)
    no_contact = frame["last_contact_at"].isna().to_numpy()
    override = frame["stage_override"]
    overridden = override.notna().to_numpy()

    def causes(*names: str) -> np.ndarray:
        return np.isin(cause, names)

    with_trend = causes("gone", "overdue", "mature", "growing") & ~np.isnan(trend)
    with_gap = causes("gone", "overdue", "spend_drop", "mature", "growing")
    override_slot = [
        _PartSpec(
            "analysis.reason.override",
            overridden,
            {
                "stage": override.map(Stage, na_action="ignore").to_numpy(dtype=object),
                "detected": frame["detected_stage"].map(Stage).to_numpy(dtype=object),
            },
        )
    ]
    decisive_slot = [
        _PartSpec(
            "analysis.reason.lost",
            causes("lost"),
            {"date": np.datetime_as_string(frame["lost_at"].to_numpy(), unit="s")},
        ),
        _PartSpec(
            "analysis.reason.refunded",
            causes("refunded"),
            {
                "count": frame["purchase_count"].to_numpy(),
                "revenue": frame["revenue"].to_numpy(),
            },
        ),
        _PartSpec("analysis.reason.no_history", causes("no_purchase") & no_contact, {}),
        _PartSpec(
            "analysis.reason.no_purchase",
            causes("no_purchase") & ~no_contact,
            {"date": np.datetime_as_string(frame["last_contact_at"].to_numpy(), unit="s")},
        ),
        _PartSpec("analysis.reason.single_purchase", causes("single"), {"days": recency}),
        _PartSpec(
            "analysis.reason.complaints",
            causes("complaints"),
            {"count": frame["complaints_recent"].to_numpy(), "days": window_days},
        ),
        _PartSpec(
            "analysis.reason.low_satisfaction",
            causes("unhappy"),
            {"score": frame["satisfaction_recent"].to_numpy(), "days": window_days},
        ),
        _PartSpec(
            "analysis.reason.spend_down",
            causes("spend_drop"),
            {"percent": trend_percent, "days": window_days},
        ),
        _PartSpec(
            "analysis.reason.purchases",
            causes("mature", "growing"),
            {
                "count": frame["n_purchases"].to_numpy(),
                "days": _whole_days(frame["tenure_days"].to_numpy()),
            },
        ),
    ]
    last_purchase_slot = [
        _PartSpec(
            "analysis.reason.last_purchase",
            causes("gone", "overdue", "complaints", "unhappy", "spend_drop", "mature", "growing"),
            {"days": recency},
        )
    ]
    gap_slot = [
        _PartSpec(
            "analysis.reason.usual_gap",
            with_gap & ~np.isnan(usual_gap),
            {"days": _whole_days(usual_gap)},
        ),
        _PartSpec(
            "analysis.reason.assumed_gap",
            with_gap & np.isnan(usual_gap),
            {"days": _whole_days(frame["expected_gap_days"].to_numpy())},
        ),
    ]
    trend_slot = [
        _PartSpec(
            "analysis.reason.spend_down",
            with_trend & (trend < 0),
            {"percent": trend_percent, "days": window_days},
        ),
        _PartSpec(
            "analysis.reason.spend_up",
            with_trend & (trend >= 0),
            {"percent": trend_percent, "days": window_days},
        ),
    ]
    value_slot = [
        _PartSpec(
            "analysis.reason.value_warning",
            frame["value_warning"].to_numpy(dtype=bool),
            {"percent": _whole_days(-np.nan_to_num(frame["value_trend"].to_numpy()) * 100)},
        )
    ]
    slots = [override_slot, decisive_slot, last_purchase_slot, gap_slot, trend_slot, value_slot]
    return _assemble_parts(slots, len(frame), "en")


def _assemble_parts(
    slots: list[list[_PartSpec]], size: int, language: str
) -> tuple[np.ndarray, np.ndarray]:
    """Return the part list of every row and its text joined with "; ", slot by slot.

    Both are object arrays with one entry per row. Within a slot the masks do not overlap,
    so each row gets at most one part per slot. Each distinct part (key and parameters) is
    built and rendered once and shared by every row that has it, because rendering row by
    row dominated ``analyze`` on large books. The parts are therefore read-only. The text
    equals ``render_reason(parts, language)`` for each row.
    """
    columns: list[np.ndarray] = []
    text = np.full(size, None, dtype=object)
    for slot in slots:
        column = np.full(size, None, dtype=object)
        slot_text = np.full(size, None, dtype=object)
        for spec in slot:
            rows = np.flatnonzero(spec.mask)
            if rows.size == 0:
                continue
            codes, parts = _distinct_parts(spec, rows)
            rendered = np.array([render_reason([part], language) for part in parts], dtype=object)
            column[rows] = parts[codes]
            slot_text[rows] = rendered[codes]
        columns.append(column)
        text = _join_texts(text, slot_text)

    rows_parts = np.empty(size, dtype=object)
    for row, row_parts in enumerate(zip(*columns, strict=True)):
        rows_parts[row] = [part for part in row_parts if part is not None]
    return rows_parts, np.where(pd.isna(text), "", text)


def _distinct_parts(spec: _PartSpec, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return, for the rows, codes into an array of the distinct parts of ``spec``."""
    names = list(spec.params)
    if not names:
        parts = np.empty(1, dtype=object)
        parts[0] = (spec.key, {})
        return np.zeros(rows.size, dtype=np.intp), parts

    values = {
        name: spec.params[name][rows]
        if isinstance(spec.params[name], np.ndarray)
        else np.full(rows.size, spec.params[name], dtype=object)
        for name in names
    }
    codes, distinct = pd.MultiIndex.from_arrays(list(values.values()), names=names).factorize()
    parts = np.empty(len(distinct), dtype=object)
    for position, combination in enumerate(distinct.tolist()):
        parts[position] = (spec.key, dict(zip(names, _plain(combination), strict=True)))
    return codes, parts


def _plain(values: tuple[Any, ...]) -> list[Any]:
    # numpy scalars become Python ints and floats, so the parts read naturally.
    return [value.item() if isinstance(value, np.generic) else value for value in values]


def _join_texts(joined: np.ndarray, addition: np.ndarray) -> np.ndarray:
    missing = pd.isna(joined)
    result = np.where(missing, addition, joined)
    both = ~missing & ~pd.isna(addition)
    result[both] = joined[both] + "; " + addition[both]
    return result


def _whole_days(values: np.ndarray) -> np.ndarray:
    """Round to whole numbers half away from zero. NaN becomes 0, where no part shows it."""
    known = np.nan_to_num(values)
    return (np.sign(known) * np.floor(np.abs(known) + 0.5)).astype(np.int64)


def render_reason(
    parts: Iterable[ReasonPart], language: str, timezone: tzinfo | None = None
) -> str:
    """Render reason parts in ``language`` and join them with "; ".

    Parameters that are a Stage, Level or Tier render as their label in that language.
    A ``date`` parameter contains a naive UTC timestamp (``YYYY-MM-DDTHH:MM:SS``) and renders
    as the date in ``timezone`` (UTC when None), so a contact late in the reader's evening
    shows the reader's date. Plain ``YYYY-MM-DD`` values, stored by older releases, render
    as they are.
    """
    texts = []
    for key, params in parts:
        rendered = {name: _label(value, language, name) for name, value in params.items()}
        if isinstance(rendered.get("date"), str):
            rendered["date"] = _local_date_text(rendered["date"], timezone)
        texts.append(translate(language, key, **rendered))
    return translate(language, "analysis.reason.separator").join(texts)


def _local_date_text(value: str, timezone: tzinfo | None) -> str:
    if "T" not in value:
        return value
    moment = datetime.fromisoformat(value).replace(tzinfo=UTC)
    return moment.astimezone(timezone or UTC).date().isoformat()


# Reason parameters that name a stage, level or tier. Stored reasons come back from JSON as
# plain strings, so the name tells which label to show.
_ENUM_PARAMETERS: dict[str, type[Stage] | type[Level] | type[Tier]] = {
    "stage": Stage,
    "detected": Stage,
    "level": Level,
    "next_level": Level,
    "tier": Tier,
}


def _label(value: object, language: str, name: str = "") -> object:
    enum = _ENUM_PARAMETERS.get(name)
    if enum is not None and isinstance(value, str) and value in enum._value2member_map_:
        value = enum(value)
    if isinstance(value, Stage):
        return stage_label(value, language)
    if isinstance(value, Level):
        return level_label(value, language)
    if isinstance(value, Tier):
        return tier_label(value, language)
    return value


def stage_label(stage: Stage | str, language: str) -> str:
    """Return the name of a lifecycle stage in ``language``."""
    return translate(language, f"analysis.stage.{Stage(stage)}")


def level_label(level: Level | str, language: str) -> str:
    """Return the name of a relationship level in ``language``."""
    return translate(language, f"analysis.level.{Level(level)}")


def tier_label(tier: Tier | str, language: str) -> str:
    """Return the name of a value tier in ``language``."""
    return translate(language, f"analysis.tier.{Tier(tier)}")
