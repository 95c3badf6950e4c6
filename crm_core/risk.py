"""Churn risk: the probability that a customer makes no purchase within a horizon.

The model is a logistic regression on per-customer purchase and contact features. It is
fitted inside the history itself, on several training windows stacked together. For each
window length ``w`` in ``RiskSettings.training_windows``, features are taken at
``as_of - w`` and the label is "made a purchase in (as_of - w, as_of]". The window length is
an input of the model (``log_window`` and its products with every feature), so one fit
scores any horizon, and ``ChurnModel.score`` evaluates it at ``horizon_days``. Nothing after
``as_of`` is read. When the history is too short or too small to fit (see
``RiskSettings``), a fixed rule on recency against the customer's usual purchase gap takes
over, so every history gets a score.

A fitted model is a handful of numbers: ``ChurnModel.to_dict`` returns them as a
JSON-serialisable dict and ``ChurnModel.from_dict`` restores a model that gives identical
scores.

Purchases are counted per purchase day: all non-refund purchases of one customer on one UTC
calendar day are one purchase occasion. Refunds (negative amounts) lower the spend but are
not occasions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
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
DESIGN_COLUMNS: tuple[str, ...] = (
    *FEATURE_COLUMNS,
    "log_window",
    *(f"{column}_x_log_window" for column in FEATURE_COLUMNS),
)
# Version of the ``ChurnModel.to_dict`` layout. ``from_dict`` rejects any other version.
MODEL_FORMAT = 1


@dataclass(frozen=True)
class RiskSettings:
    """Settings of the churn-risk model and of its fallback rule.

    Attributes:
        horizon_days: Default horizon in days. ``churn_risk`` is the probability of no
            purchase within it.
        training_windows: Window lengths in days that are stacked into the training set.
            A window needs ``min_customers`` customers with a purchase before its start and
            ``min_class_size`` on each side of its label, or it is skipped.
        max_training_customers: Maximum number of customers the model is fitted on. Larger
            histories are fitted on a sample chosen by a hash of the customer key, so the
            sample does not depend on row order or on events after ``as_of``.
        min_customers: Minimum number of customers with a purchase before a window starts.
        min_class_size: Minimum number of customers on each side of a window's label
            (bought again, did not).
        regularization: Inverse L2 strength ``C`` of the logistic regression.
        fallback_gap_days: Expected purchase gap in the fallback rule for a customer with a
            single purchase day.
        fallback_half_ratio: Recency over expected gap at which the fallback rule gives 0.5.
        fallback_single_floor: Lowest risk the fallback rule gives a customer with one
            purchase day, because a first purchase says little about a second. On CDNOW, 85%
            of the customers with one purchase day by 1997-09-30 bought nothing in the nine
            months after, so 0.5 is a cautious floor.
        recent_days: Window for the complaint and dialogue counts.
        satisfaction_days: Window for the mean satisfaction.
    """

    horizon_days: int = 90
    training_windows: tuple[int, ...] = (30, 60, 90, 180, 365)
    max_training_customers: int = 30_000
    min_customers: int = 200
    min_class_size: int = 20
    regularization: float = 1.0
    fallback_gap_days: float = 90.0
    fallback_half_ratio: float = 2.0
    fallback_single_floor: float = 0.5
    recent_days: int = 90
    satisfaction_days: int = 180


@dataclass(frozen=True)
class LogisticScorer:
    """Standardisation and logistic-regression weights over the columns of the design.

    The probability of a purchase within the horizon is
    ``expit(intercept + sum(coefficients * (x - means) / scales))``.
    """

    columns: tuple[str, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    coefficients: tuple[float, ...]
    intercept: float

    def repeat_probability(self, design: pd.DataFrame) -> np.ndarray:
        """Return the probability of a purchase within the horizon for each design row."""
        values = design[list(self.columns)].to_numpy(dtype=float)
        standardized = (values - np.asarray(self.means)) / np.asarray(self.scales)
        return expit(standardized @ np.asarray(self.coefficients) + self.intercept)


@dataclass(frozen=True)
class ChurnModel:
    """A fitted churn-risk scorer.

    Attributes:
        scorer: Weights of the fitted model, or None when the fallback rule scores.
        fitted_at: The as-of date (naive UTC) whose history the model learnt from.
        training_rows: Number of training rows over all windows (0 for the rule).
        settings: Settings used to fit and to build features.
    """

    scorer: LogisticScorer | None
    fitted_at: pd.Timestamp
    training_rows: int
    settings: RiskSettings

    @property
    def uses_rule(self) -> bool:
        """Whether scores come from the fallback rule instead of a fitted model."""
        return self.scorer is None

    def score(self, features: pd.DataFrame, horizon_days: int | None = None) -> pd.Series:
        """Return the churn risk (0 to 1) for each row of ``purchase_features`` output.

        Args:
            features: Output of ``purchase_features``.
            horizon_days: Days ahead that the risk refers to. Defaults to
                ``settings.horizon_days``. The fallback rule ignores it.

        NOTE: on a synthetic history of yearly buyers, recency alone ranked a 365-day
        outcome better than this score (docs/benchmarks.md). Horizons beyond the longest
        training window are extrapolated.
        """
        if features.empty:
            return pd.Series(dtype=float, index=features.index, name="churn_risk")
        if self.scorer is None:
            risk = _rule_risk(features, self.settings)
        else:
            horizon = self.settings.horizon_days if horizon_days is None else horizon_days
            design = _design(features, horizon, self.settings.horizon_days)
            risk = 1.0 - self.scorer.repeat_probability(design)
        return pd.Series(risk, index=features.index, name="churn_risk")

    def to_dict(self) -> dict[str, Any]:
        """Return the model as a dict of JSON types that ``from_dict`` restores exactly."""
        scorer = None
        if self.scorer is not None:
            scorer = {
                "columns": list(self.scorer.columns),
                "means": list(self.scorer.means),
                "scales": list(self.scorer.scales),
                "coefficients": list(self.scorer.coefficients),
                "intercept": self.scorer.intercept,
            }
        settings = asdict(self.settings)
        settings["training_windows"] = list(self.settings.training_windows)
        return {
            "format": MODEL_FORMAT,
            "fitted_at": self.fitted_at.isoformat(),
            "training_rows": self.training_rows,
            "settings": settings,
            "scorer": scorer,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChurnModel:
        """Restore a model from the output of ``to_dict``.

        Raises:
            ValueError: If the format version is unknown, a key is missing, or the scorer's
                columns do not match the features of this version of the model.
        """
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(
                f"unsupported churn model format {data.get('format')!r}, expected "
                f"{MODEL_FORMAT}. Refit the model with fit_churn_model."
            )
        try:
            settings_data = dict(data["settings"])
            settings_data["training_windows"] = tuple(settings_data["training_windows"])
            settings = RiskSettings(**settings_data)
            fitted_at = pd.Timestamp(data["fitted_at"])
            training_rows = int(data["training_rows"])
            scorer = None if data["scorer"] is None else _scorer_from_dict(data["scorer"])
        except (KeyError, TypeError) as error:
            raise ValueError(
                f"invalid churn model dict ({error!r}). Refit the model with fit_churn_model."
            ) from error

        if scorer is not None:
            lengths = {len(scorer.means), len(scorer.scales), len(scorer.coefficients)}
            if scorer.columns != DESIGN_COLUMNS or lengths != {len(DESIGN_COLUMNS)}:
                raise ValueError(
                    "churn model columns do not match the current features. "
                    "Refit the model with fit_churn_model."
                )
        return cls(scorer, fitted_at, training_rows, settings)


def _scorer_from_dict(data: dict[str, Any]) -> LogisticScorer:
    return LogisticScorer(
        columns=tuple(data["columns"]),
        means=tuple(float(value) for value in data["means"]),
        scales=tuple(float(value) for value in data["scales"]),
        coefficients=tuple(float(value) for value in data["coefficients"]),
        intercept=float(data["intercept"]),
    )


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

    Each window ``w`` of ``settings.training_windows`` adds one training row per customer
    with a purchase on or before ``as_of - w``. The label is whether that customer made a
    purchase in the ``w`` days that follow, which still lie on or before ``as_of``. A window
    with fewer than ``min_customers`` rows or fewer than ``min_class_size`` on either side
    of the label is skipped. The rule is used when every window is skipped.
    """
    as_of_utc = to_naive_utc(as_of)
    events = normalize_events(events)
    events = events[events["occurred_at"].to_numpy() <= as_of_utc.to_datetime64()]
    events = _training_sample(events, settings.max_training_customers)

    occurred_at = events["occurred_at"].to_numpy()
    is_occasion = (events["kind"].to_numpy() == ContactKind.PURCHASE) & ~(
        events["amount"].to_numpy() < 0
    )
    designs, labels = [], []
    for window in settings.training_windows:
        cutoff = as_of_utc - pd.Timedelta(days=window)
        training = features_from_normalized(events, cutoff, settings)
        later = is_occasion & (occurred_at > cutoff.to_datetime64())
        label = training.index.isin(pd.unique(events["customer"][later])).astype(int)
        repeaters = int(label.sum())
        if (
            len(training) < settings.min_customers
            or repeaters < settings.min_class_size
            or len(training) - repeaters < settings.min_class_size
        ):
            continue
        designs.append(_design(training, window, settings.horizon_days))
        labels.append(label)
    if not designs:
        return ChurnModel(None, as_of_utc, 0, settings)

    design = pd.concat(designs, ignore_index=True)
    label = np.concatenate(labels)
    scaler = StandardScaler().fit(design)
    regression = LogisticRegression(
        C=settings.regularization, solver="newton-cholesky", max_iter=200
    )
    regression.fit(scaler.transform(design), label)
    scorer = LogisticScorer(
        columns=DESIGN_COLUMNS,
        means=tuple(float(value) for value in scaler.mean_),
        scales=tuple(float(value) for value in scaler.scale_),
        coefficients=tuple(float(value) for value in regression.coef_[0]),
        intercept=float(regression.intercept_[0]),
    )
    return ChurnModel(scorer, as_of_utc, len(design), settings)


def _training_sample(events: pd.DataFrame, max_customers: int) -> pd.DataFrame:
    # The sample keeps the customers with the smallest key hashes, so it depends only on
    # the keys present up to as_of, not on row order or on later events.
    categories = events["customer"].cat.categories
    codes = events["customer"].cat.codes.to_numpy()
    present = np.flatnonzero(np.bincount(codes, minlength=len(categories)))
    if present.size <= max_customers:
        return events
    keys = categories.to_numpy(dtype=object)[present]
    hashes = pd.util.hash_array(keys, categorize=False)
    chosen = present[np.argsort(hashes, kind="stable")[:max_customers]]
    keep = np.zeros(len(categories), dtype=bool)
    keep[chosen] = True
    return events[keep[codes]]


def _design(features: pd.DataFrame, window_days: float, reference_days: float) -> pd.DataFrame:
    # log_window is 0 at the reference horizon, so there the products vanish and the
    # feature weights alone decide the score.
    log_window = float(np.log(window_days / reference_days))
    design = features[list(FEATURE_COLUMNS)].astype(float)
    products = design * log_window
    products.columns = [f"{column}_x_log_window" for column in FEATURE_COLUMNS]
    design.insert(len(FEATURE_COLUMNS), "log_window", log_window)
    return pd.concat([design, products], axis=1)


def churn_risk(
    events: pd.DataFrame,
    as_of: datetime,
    settings: RiskSettings = RiskSettings(),
    model: ChurnModel | None = None,
    horizon_days: int | None = None,
) -> pd.Series:
    """Return the churn risk (0 to 1) of every customer with a purchase on or before ``as_of``.

    Args:
        events: Events frame; rows after ``as_of`` are ignored.
        as_of: Aware datetime of the scoring date.
        settings: Model settings, used when ``model`` is None.
        model: A model from ``fit_churn_model``. When None, one is fitted on ``events``.
        horizon_days: Days ahead that the risk refers to. Defaults to the model's
            ``settings.horizon_days``.
    """
    if model is None:
        model = fit_churn_model(events, as_of, settings)
    features = purchase_features(events, to_naive_utc(as_of), model.settings)
    return model.score(features, horizon_days)


def _rule_risk(features: pd.DataFrame, settings: RiskSettings) -> np.ndarray:
    # A Hill curve in recency / expected gap: 0 when just bought, 0.5 at the half ratio,
    # approaching 1 as the customer stays away.
    # A customer with one purchase day is never "certainly active": the floor applies.
    ratio = features["recency_days"].to_numpy() / features["expected_gap_days"].to_numpy()
    squared = ratio**2
    risk = squared / (squared + settings.fallback_half_ratio**2)
    single = features["purchase_days"].to_numpy() <= 1
    return np.where(single, np.maximum(risk, settings.fallback_single_floor), risk)
