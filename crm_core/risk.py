"""Churn risk: the probability that a customer makes no purchase in the coming months.

The model is a logistic regression on per-customer purchase and contact features. It is
fitted inside the history itself: features are taken at ``as_of - horizon``, the label is
"made a purchase in (as_of - horizon, as_of]", and the fitted model then scores the features
at ``as_of``. Nothing after ``as_of`` is read. When the history is too short or too small to
fit (see ``RiskSettings``), a fixed rule on recency against the customer's usual purchase gap
takes over, so every history gets a score.

Purchases are counted per purchase day: all non-refund purchases of one customer on one UTC
calendar day are one purchase occasion. Refunds (negative amounts) lower the spend but are
not occasions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from crm_core.model import ContactKind

EVENT_COLUMNS: tuple[str, ...] = ("customer", "occurred_at", "kind", "amount", "satisfaction")
DIALOGUE_KINDS: tuple[str, ...] = (
    ContactKind.CALL,
    ContactKind.VISIT,
    ContactKind.MESSAGE,
    ContactKind.EMAIL,
    ContactKind.MEETING,
)
_DECAY_DAYS: tuple[int, ...] = (30, 90, 270)
FEATURE_COLUMNS: tuple[str, ...] = (
    "log_recency",
    "log_tenure",
    "log_purchases",
    "log_mean_spend",
    "log_rate",
    *(f"log_decayed_{days}" for days in _DECAY_DAYS),
    "log_gap_ratio",
    "log_complaints",
    "low_satisfaction",
    "refund_share",
    "log_dialogue",
)


@dataclass(frozen=True)
class RiskSettings:
    """Settings of the churn-risk model and of its fallback rule.

    Attributes:
        horizon_days: Length of the window before ``as_of`` whose purchases label the
            training rows. The training features are taken at ``as_of - horizon_days``.
        min_customers: Minimum number of customers with a purchase before the training
            cut-off. Fewer customers use the fallback rule.
        min_class_size: Minimum number of customers on each side of the training label
            (bought again, did not). A smaller class uses the fallback rule.
        regularization: Inverse L2 strength ``C`` of the logistic regression.
        fallback_gap_days: Expected purchase gap in the fallback rule for a customer with a
            single purchase day.
        fallback_half_ratio: Recency over expected gap at which the fallback rule gives 0.5.
        recent_days: Window for the complaint and dialogue counts.
        satisfaction_days: Window for the mean satisfaction.
    """

    horizon_days: int = 90
    min_customers: int = 200
    min_class_size: int = 20
    regularization: float = 1.0
    fallback_gap_days: float = 90.0
    fallback_half_ratio: float = 2.0
    recent_days: int = 90
    satisfaction_days: int = 180


@dataclass(frozen=True)
class ChurnModel:
    """A fitted churn-risk scorer.

    Attributes:
        pipeline: Scaler and logistic regression, or None when the fallback rule scores.
        fitted_at: The as-of date (naive UTC) whose history the model learnt from.
        training_rows: Number of customers in the training window (0 for the rule).
        settings: Settings used to fit and to build features.
    """

    pipeline: Pipeline | None
    fitted_at: pd.Timestamp
    training_rows: int
    settings: RiskSettings

    @property
    def uses_rule(self) -> bool:
        """Whether scores come from the fallback rule instead of a fitted model."""
        return self.pipeline is None

    def score(self, features: pd.DataFrame) -> pd.Series:
        """Return the churn risk (0 to 1) for each row of ``purchase_features`` output."""
        if features.empty:
            return pd.Series(dtype=float, index=features.index, name="churn_risk")
        if self.pipeline is None:
            risk = _rule_risk(features, self.settings)
        else:
            repeat_probability = self.pipeline.predict_proba(features[list(FEATURE_COLUMNS)])
            risk = 1.0 - repeat_probability[:, 1]
        return pd.Series(risk, index=features.index, name="churn_risk")


def to_naive_utc(moment: datetime | pd.Timestamp) -> pd.Timestamp:
    """Convert an aware datetime to a naive UTC Timestamp, the form used inside frames.

    Raises:
        ValueError: If ``moment`` is naive, because its zone would be a guess.
    """
    stamp = pd.Timestamp(moment)
    if stamp.tzinfo is None:
        raise ValueError(f"as_of must be timezone-aware (UTC), got naive {stamp.isoformat()}")
    return stamp.tz_convert(UTC).tz_localize(None)


def normalize_events(events: pd.DataFrame) -> pd.DataFrame:
    """Check the events frame and return it with the column types the model expects.

    Raises:
        ValueError: If a required column is missing.
    """
    missing = [column for column in EVENT_COLUMNS if column not in events.columns]
    if missing:
        raise ValueError(f"events frame has no column {', '.join(missing)}")
    if _is_normalized(events):
        return events

    occurred_at = pd.to_datetime(events["occurred_at"])
    if occurred_at.dt.tz is not None:
        occurred_at = occurred_at.dt.tz_convert("UTC").dt.tz_localize(None)
    return pd.DataFrame(
        {
            # Categorical, so that later grouping hashes each key once.
            "customer": pd.Categorical(events["customer"].astype(str)),
            "occurred_at": occurred_at.astype("datetime64[ns]").to_numpy(),
            "kind": events["kind"].astype(str).to_numpy(),
            "amount": pd.to_numeric(events["amount"]).astype(float).to_numpy(),
            "satisfaction": pd.to_numeric(events["satisfaction"]).astype(float).to_numpy(),
        }
    )


def _is_normalized(events: pd.DataFrame) -> bool:
    dtypes = events.dtypes
    return (
        list(events.columns) == list(EVENT_COLUMNS)
        and isinstance(dtypes["customer"], pd.CategoricalDtype)
        and dtypes["occurred_at"] == np.dtype("datetime64[ns]")
        and dtypes["kind"] == np.dtype("O")
        and dtypes["amount"] == np.float64
        and dtypes["satisfaction"] == np.float64
    )


def purchase_features(
    events: pd.DataFrame, at: pd.Timestamp, settings: RiskSettings = RiskSettings()
) -> pd.DataFrame:
    """Build the model features at ``at`` (naive UTC) from events on or before it.

    One row per customer with at least one purchase occasion on or before ``at``, indexed
    by customer. Besides ``FEATURE_COLUMNS`` the frame carries the raw figures
    ``recency_days``, ``tenure_days``, ``purchase_days`` and ``expected_gap_days`` that the
    fallback rule uses.
    """
    return features_from_normalized(normalize_events(events), at, settings)


def features_from_normalized(
    events: pd.DataFrame, at: pd.Timestamp, settings: RiskSettings
) -> pd.DataFrame:
    """Build ``purchase_features`` from a frame that ``normalize_events`` already returned."""
    events = events[events["occurred_at"].to_numpy() <= at.to_datetime64()]
    at_day = at.floor("D")

    codes, customers = pd.factorize(events["customer"], sort=True)
    customers = np.asarray(customers, dtype=object)
    customer_count = len(customers)
    kinds = events["kind"].to_numpy()
    amounts = events["amount"].to_numpy()
    days = events["occurred_at"].to_numpy().astype("datetime64[D]").astype(np.int64)
    at_daynum = int((at_day - pd.Timestamp(0)).days)
    is_purchase = kinds == ContactKind.PURCHASE

    occasions = is_purchase & ~(amounts < 0)
    day_table = purchase_day_table(codes[occasions], days[occasions])
    bought = np.bincount(day_table["code"], minlength=customer_count) > 0
    if not bought.any():
        return pd.DataFrame(columns=[*FEATURE_COLUMNS], index=pd.Index([], name="customer"))

    first_day = _run_bound(day_table["code"], day_table["day"], customer_count, first=True)
    last_day = _run_bound(day_table["code"], day_table["day"], customer_count, first=False)
    day_count = np.bincount(day_table["code"], minlength=customer_count).astype(float)
    recency = (at_daynum - last_day).astype(float)
    tenure = (at_daynum - first_day).astype(float)
    span = (last_day - first_day).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        usual_gap = np.where(day_count > 1, span / (day_count - 1), np.nan)
    expected_gap = np.where(np.isnan(usual_gap), settings.fallback_gap_days, usual_gap)
    expected_gap = np.maximum(expected_gap, 1.0)

    purchase_amounts = np.where(is_purchase, np.nan_to_num(amounts), 0.0)
    net_spend = np.bincount(codes, weights=purchase_amounts, minlength=customer_count)
    gross_spend = np.bincount(
        codes, weights=np.clip(purchase_amounts, 0, None), minlength=customer_count
    )

    recent = days > at_daynum - settings.recent_days
    complaints = np.bincount(
        codes[recent & (kinds == ContactKind.COMPLAINT)], minlength=customer_count
    )
    dialogue = np.bincount(
        codes[recent & np.isin(kinds, DIALOGUE_KINDS)], minlength=customer_count
    )
    satisfaction = events["satisfaction"].to_numpy()
    rated = (days > at_daynum - settings.satisfaction_days) & ~np.isnan(satisfaction)
    rating_sum = np.bincount(codes[rated], weights=satisfaction[rated], minlength=customer_count)
    rating_count = np.bincount(codes[rated], minlength=customer_count)

    ages = (at_daynum - day_table["day"]).astype(float)
    features = pd.DataFrame(index=pd.Index(customers, name="customer"))
    features["recency_days"] = recency
    features["tenure_days"] = tenure
    features["purchase_days"] = day_count
    features["expected_gap_days"] = expected_gap
    features["log_recency"] = np.log1p(recency)
    features["log_tenure"] = np.log1p(tenure)
    with np.errstate(divide="ignore", invalid="ignore"):
        features["log_purchases"] = np.log(day_count)
        features["log_mean_spend"] = np.log1p(np.clip(net_spend / day_count, 0, None))
        features["log_rate"] = np.log(day_count / (tenure + 1.0))
        for decay in _DECAY_DAYS:
            decayed = np.bincount(
                day_table["code"], weights=np.exp(-ages / decay), minlength=customer_count
            )
            features[f"log_decayed_{decay}"] = np.log(decayed + 1e-3)
        features["log_gap_ratio"] = np.log1p(recency / expected_gap)
        features["log_complaints"] = np.log1p(complaints)
        mean_rating = np.where(rating_count > 0, rating_sum / rating_count, np.nan)
        features["low_satisfaction"] = np.nan_to_num(np.clip(3.5 - mean_rating, 0, None))
        features["refund_share"] = np.where(
            gross_spend > 0, np.clip((gross_spend - net_spend) / gross_spend, 0, 1), 0.0
        )
        features["log_dialogue"] = np.log1p(dialogue)
    return features[bought]


def purchase_day_table(codes: np.ndarray, days: np.ndarray) -> dict[str, np.ndarray]:
    """Return the distinct (customer code, day number) pairs, sorted by code then day."""
    keys = np.sort((codes.astype(np.int64) << 32) | (days.astype(np.int64) + (1 << 31)))
    # A sort and a neighbour comparison beat np.unique's hashing on a million keys.
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if keys.size else keys
    return {"code": keys >> 32, "day": (keys & 0xFFFFFFFF) - (1 << 31)}


def _run_bound(codes: np.ndarray, values: np.ndarray, size: int, *, first: bool) -> np.ndarray:
    # codes are sorted, so the first and last row of each run are the min and max day.
    result = np.zeros(size, dtype=np.int64)
    if codes.size == 0:
        return result
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], codes.size] - 1
    picked = starts if first else ends
    result[codes[picked]] = values[picked]
    return result


def fit_churn_model(
    events: pd.DataFrame, as_of: datetime, settings: RiskSettings = RiskSettings()
) -> ChurnModel:
    """Fit the churn model on history up to ``as_of`` (aware), or fall back to the rule.

    Training rows are the customers with a purchase on or before ``as_of - horizon_days``.
    Their label is whether they made a purchase in the horizon that follows, which still
    lies on or before ``as_of``. The rule is used when there are fewer than
    ``min_customers`` training rows or fewer than ``min_class_size`` on either side.
    """
    as_of_utc = to_naive_utc(as_of)
    events = normalize_events(events)
    events = events[events["occurred_at"].to_numpy() <= as_of_utc.to_datetime64()]
    cutoff = as_of_utc - pd.Timedelta(days=settings.horizon_days)

    training = features_from_normalized(events, cutoff, settings)
    later = events[
        (events["occurred_at"].to_numpy() > cutoff.to_datetime64())
        & (events["kind"].to_numpy() == ContactKind.PURCHASE)
        & ~(events["amount"].to_numpy() < 0)
    ]
    label = training.index.isin(pd.unique(later["customer"])).astype(int)

    repeaters = int(label.sum())
    if (
        len(training) < settings.min_customers
        or repeaters < settings.min_class_size
        or len(training) - repeaters < settings.min_class_size
    ):
        return ChurnModel(None, as_of_utc, 0, settings)

    pipeline = make_pipeline(
        StandardScaler(),
        LogisticRegression(C=settings.regularization, max_iter=2000),
    )
    pipeline.fit(training[list(FEATURE_COLUMNS)], label)
    return ChurnModel(pipeline, as_of_utc, len(training), settings)


def churn_risk(
    events: pd.DataFrame,
    as_of: datetime,
    settings: RiskSettings = RiskSettings(),
    model: ChurnModel | None = None,
) -> pd.Series:
    """Return the churn risk (0 to 1) of every customer with a purchase on or before ``as_of``.

    Args:
        events: Events frame; rows after ``as_of`` are ignored.
        as_of: Aware datetime of the scoring date.
        settings: Model settings, used when ``model`` is None.
        model: A model from ``fit_churn_model``. When None, one is fitted on ``events``.
    """
    if model is None:
        model = fit_churn_model(events, as_of, settings)
    features = purchase_features(events, to_naive_utc(as_of), model.settings)
    return model.score(features)


def _rule_risk(features: pd.DataFrame, settings: RiskSettings) -> np.ndarray:
    # A Hill curve in recency / expected gap: 0 when just bought, 0.5 at the half ratio,
    # approaching 1 as the customer stays away.
    ratio = features["recency_days"].to_numpy() / features["expected_gap_days"].to_numpy()
    squared = ratio**2
    return squared / (squared + settings.fallback_half_ratio**2)
