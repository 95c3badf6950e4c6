"""Churn risk: the CDNOW bar, no look-ahead, the fallback rule, other histories, storage."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter
from sklearn.metrics import roc_auc_score

from bench.histories import seasonal_history, synthetic_history
from crm_core.risk import (
    ChurnModel,
    RiskSettings,
    churn_risk,
    fit_churn_model,
    purchase_features,
)
from storage.history_file import read_history

CDNOW_AS_OF = datetime(1997, 9, 30, tzinfo=UTC)
CDNOW_HOLDOUT_END = pd.Timestamp("1998-06-30")


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    path = resources.files("lifetimes.datasets").joinpath("CDNOW_master.txt")
    with resources.as_file(path) as file:
        return read_history(file)


def bought_in_holdout(events: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> set:
    window = events[(events["occurred_at"] > start) & (events["occurred_at"] <= end)]
    return set(window.loc[window["kind"] == "purchase", "customer"])


def bgnbd_and_recency(
    history: pd.DataFrame, as_of: pd.Timestamp, days_ahead: int, index: pd.Index
) -> tuple[pd.Series, pd.Series]:
    """Return BG/NBD's expected purchases in ``days_ahead`` and minus the recency in days.

    BG/NBD is fitted on the per-day summary, built by hand: frequency = repeat purchase
    days, recency = first to last purchase day, T = first purchase day to the as-of date.
    """
    purchases = history[history["kind"] == "purchase"]
    days = purchases["occurred_at"].dt.floor("D").groupby(purchases["customer"])
    first, last, count = days.min(), days.max(), days.nunique()
    summary = pd.DataFrame(
        {
            "frequency": count - 1,
            "recency": (last - first).dt.days,
            "T": (as_of - first).dt.days,
        }
    ).reindex(index)
    bgnbd = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    expected = bgnbd.conditional_expected_number_of_purchases_up_to_time(
        days_ahead, summary["frequency"], summary["recency"], summary["T"]
    )
    return expected, -(as_of - last.reindex(index)).dt.days


def test_cdnow_auc_beats_baselines(cdnow):
    as_of = pd.Timestamp("1997-09-30")
    history = cdnow[cdnow["occurred_at"] <= as_of]
    risk = churn_risk(history, CDNOW_AS_OF)
    outcome = risk.index.isin(bought_in_holdout(cdnow, as_of, CDNOW_HOLDOUT_END))
    expected, recency = bgnbd_and_recency(
        history, as_of, (CDNOW_HOLDOUT_END - as_of).days, risk.index
    )

    product_auc = roc_auc_score(outcome, 1 - risk)
    bgnbd_auc = roc_auc_score(outcome, expected)
    recency_auc = roc_auc_score(outcome, recency)
    assert len(risk) == 23_570
    assert product_auc >= 0.77
    assert product_auc > bgnbd_auc
    assert product_auc > recency_auc


def test_future_events_change_nothing(cdnow):
    history = cdnow[cdnow["occurred_at"] <= pd.Timestamp("1997-09-30")]

    with_future = churn_risk(cdnow, CDNOW_AS_OF)
    without_future = churn_risk(history, CDNOW_AS_OF)

    pd.testing.assert_series_equal(with_future, without_future)


def test_sampled_fit_ignores_future_customers(cdnow):
    # A sample of 5,000 customers is chosen by key hash, so customers that appear only after
    # the as-of date must not change which customers the model is fitted on.
    history = cdnow[cdnow["occurred_at"] <= pd.Timestamp("1997-09-30")]
    newcomers = pd.DataFrame(
        {
            "customer": [f"new{number}" for number in range(3000)],
            "occurred_at": pd.Timestamp("1997-11-01"),
            "kind": "purchase",
            "amount": 20.0,
            "satisfaction": np.nan,
        }
    )
    settings = RiskSettings(max_training_customers=5000)

    with_future = churn_risk(pd.concat([newcomers, cdnow]), CDNOW_AS_OF, settings)
    without_future = churn_risk(history, CDNOW_AS_OF, settings)

    # Every CDNOW customer first bought by 1997-03-31, so each sampled customer is a row of
    # the 30, 60, 90 and 180-day windows. The 365-day window starts before the history.
    assert fit_churn_model(history, CDNOW_AS_OF, settings).training_rows == 5000 * 4
    pd.testing.assert_series_equal(with_future, without_future)


def test_risk_between_zero_and_one(cdnow):
    risk = churn_risk(cdnow, CDNOW_AS_OF)

    assert risk.between(0, 1).all()


def test_small_history_uses_rule():
    # Two customers are far below min_customers, so the rule scores:
    # ratio = recency / gap, risk = ratio^2 / (ratio^2 + 2^2).
    # "a": gap 30, recency 60 -> 4 / 8 = 0.5. "b": gap 30, recency 30 -> 1 / 5 = 0.2.
    # "c": one purchase, assumed gap 90, recency 45 -> 0.25 / 4.25 = 0.059, raised to the
    # single-purchase floor of 0.5.
    events = pd.DataFrame(
        {
            "customer": ["a", "a", "b", "b", "c"],
            "occurred_at": pd.to_datetime(
                ["2024-03-02", "2024-04-01", "2024-04-01", "2024-05-01", "2024-04-16"]
            ),
            "kind": "purchase",
            "amount": 10.0,
            "satisfaction": np.nan,
        }
    )
    as_of = datetime(2024, 5, 31, tzinfo=UTC)

    assert fit_churn_model(events, as_of).uses_rule
    risk = churn_risk(events, as_of)
    assert risk["a"] == pytest.approx(0.5)
    assert risk["b"] == pytest.approx(0.2)
    assert risk["c"] == pytest.approx(0.5)


def test_rule_single_purchase_risk_rises_above_floor():
    # One purchase 270 days ago: ratio 270 / 90 = 3, risk 9 / (9 + 4) = 0.692 > 0.5.
    events = pd.DataFrame(
        {
            "customer": ["c"],
            "occurred_at": pd.to_datetime(["2023-09-04"]),
            "kind": "purchase",
            "amount": 10.0,
            "satisfaction": np.nan,
        }
    )

    risk = churn_risk(events, datetime(2024, 5, 31, tzinfo=UTC))

    assert risk["c"] == pytest.approx(9 / 13)


def test_synthetic_history_ranks_well():
    events = synthetic_history(3000, seed=11)
    as_of = pd.Timestamp("2023-09-30")
    risk = churn_risk(events, as_of.tz_localize(UTC))
    outcome = risk.index.isin(bought_in_holdout(events, as_of, as_of + pd.Timedelta(days=180)))
    purchases = events[(events["occurred_at"] <= as_of) & (events["kind"] == "purchase")]
    recency = (as_of - purchases.groupby("customer")["occurred_at"].max()).reindex(risk.index)

    product_auc = roc_auc_score(outcome, 1 - risk)
    recency_auc = roc_auc_score(outcome, -recency.dt.total_seconds())
    assert not fit_churn_model(events, as_of.tz_localize(UTC)).uses_rule
    assert product_auc >= 0.85
    assert product_auc > recency_auc


def test_seasonal_history_beats_baselines():
    events = seasonal_history(20_000, seed=3)
    as_of = pd.Timestamp("2023-06-30")
    history = events[events["occurred_at"] <= as_of]
    risk = churn_risk(history, as_of.tz_localize(UTC), horizon_days=180)
    outcome = risk.index.isin(bought_in_holdout(events, as_of, as_of + pd.Timedelta(days=180)))
    expected, recency = bgnbd_and_recency(history, as_of, 180, risk.index)

    product_auc = roc_auc_score(outcome, 1 - risk)
    assert product_auc > roc_auc_score(outcome, expected) + 0.05
    assert product_auc > roc_auc_score(outcome, recency) + 0.05


def test_windows_setting_changes_training_rows():
    events = synthetic_history(600, seed=5)
    as_of = datetime(2023, 9, 30, tzinfo=UTC)

    one_window = fit_churn_model(events, as_of, RiskSettings(training_windows=(90,)))
    two_windows = fit_churn_model(events, as_of, RiskSettings(training_windows=(90, 180)))
    # A 900-day window starts before the first purchase, so it is skipped.
    too_long = fit_churn_model(events, as_of, RiskSettings(training_windows=(90, 900)))

    assert one_window.training_rows > 0
    assert two_windows.training_rows > one_window.training_rows
    assert too_long.training_rows == one_window.training_rows


def test_horizon_changes_fitted_scores():
    events = synthetic_history(600, seed=5)
    as_of = datetime(2023, 9, 30, tzinfo=UTC)
    model = fit_churn_model(events, as_of)
    features = purchase_features(events, pd.Timestamp("2023-09-30"))

    short = model.score(features, horizon_days=30)
    long = model.score(features, horizon_days=365)

    # A longer horizon leaves more time to buy, so the mean risk falls.
    assert long.mean() < short.mean()
    assert short.index.equals(long.index)


def test_model_dict_round_trip():
    events = synthetic_history(600, seed=5)
    as_of = datetime(2023, 9, 30, tzinfo=UTC)
    model = fit_churn_model(events, as_of)

    restored = ChurnModel.from_dict(json.loads(json.dumps(model.to_dict())))

    assert not restored.uses_rule
    assert restored == model
    pd.testing.assert_series_equal(
        churn_risk(events, as_of, model=restored),
        churn_risk(events, as_of, model=model),
        check_exact=True,
    )


def test_rule_model_dict_round_trip():
    events = pd.DataFrame(
        {
            "customer": ["a", "a"],
            "occurred_at": pd.to_datetime(["2024-03-02", "2024-04-01"]),
            "kind": "purchase",
            "amount": 10.0,
            "satisfaction": np.nan,
        }
    )
    as_of = datetime(2024, 5, 31, tzinfo=UTC)
    model = fit_churn_model(events, as_of)

    restored = ChurnModel.from_dict(json.loads(json.dumps(model.to_dict())))

    assert restored.uses_rule
    assert restored == model
    assert churn_risk(events, as_of, model=restored)["a"] == pytest.approx(0.5)


def test_model_dict_unknown_format_rejected():
    model = fit_churn_model(synthetic_history(600, seed=5), datetime(2023, 9, 30, tzinfo=UTC))
    data = model.to_dict() | {"format": 0}

    with pytest.raises(ValueError, match="unsupported churn model format 0"):
        ChurnModel.from_dict(data)


def test_model_dict_missing_key_rejected():
    model = fit_churn_model(synthetic_history(600, seed=5), datetime(2023, 9, 30, tzinfo=UTC))
    data = model.to_dict()
    del data["scorer"]["intercept"]

    with pytest.raises(ValueError, match="invalid churn model dict"):
        ChurnModel.from_dict(data)


def test_model_dict_wrong_columns_rejected():
    model = fit_churn_model(synthetic_history(600, seed=5), datetime(2023, 9, 30, tzinfo=UTC))
    data = model.to_dict()
    data["scorer"]["columns"] = data["scorer"]["columns"][:-1]

    with pytest.raises(ValueError, match="columns do not match"):
        ChurnModel.from_dict(data)
