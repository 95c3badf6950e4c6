"""Churn risk: the CDNOW ranking bar, no look-ahead, the fallback rule and a second history."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter
from sklearn.metrics import roc_auc_score

from crm_core.risk import RiskSettings, churn_risk, fit_churn_model
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


def test_cdnow_auc_beats_baselines(cdnow):
    history = cdnow[cdnow["occurred_at"] <= pd.Timestamp("1997-09-30")]
    risk = churn_risk(history, CDNOW_AS_OF)
    outcome = risk.index.isin(
        bought_in_holdout(cdnow, pd.Timestamp("1997-09-30"), CDNOW_HOLDOUT_END)
    )

    # BG/NBD on the per-day summary, built by hand: frequency = repeat purchase days,
    # recency = first to last purchase day, T = first purchase day to the as-of date.
    days = history.assign(day=history["occurred_at"].dt.floor("D")).groupby("customer")["day"]
    first, last, count = days.min(), days.max(), days.nunique()
    as_of = pd.Timestamp("1997-09-30")
    summary = pd.DataFrame(
        {
            "frequency": count - 1,
            "recency": (last - first).dt.days,
            "T": (as_of - first).dt.days,
        }
    ).reindex(risk.index)
    bgnbd = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    expected = bgnbd.conditional_expected_number_of_purchases_up_to_time(
        (CDNOW_HOLDOUT_END - as_of).days, summary["frequency"], summary["recency"], summary["T"]
    )

    product_auc = roc_auc_score(outcome, 1 - risk)
    bgnbd_auc = roc_auc_score(outcome, expected)
    recency_auc = roc_auc_score(outcome, -(as_of - last.reindex(risk.index)).dt.days)
    assert len(risk) == 23_570
    assert product_auc >= 0.77
    assert product_auc > bgnbd_auc
    assert product_auc > recency_auc


def test_future_events_change_nothing(cdnow):
    history = cdnow[cdnow["occurred_at"] <= pd.Timestamp("1997-09-30")]

    with_future = churn_risk(cdnow, CDNOW_AS_OF)
    without_future = churn_risk(history, CDNOW_AS_OF)

    pd.testing.assert_series_equal(with_future, without_future)


def test_risk_between_zero_and_one(cdnow):
    risk = churn_risk(cdnow, CDNOW_AS_OF)

    assert risk.between(0, 1).all()


def test_small_history_uses_rule():
    # Two customers are far below min_customers, so the rule scores:
    # ratio = recency / gap, risk = ratio^2 / (ratio^2 + 2^2).
    # "a": gap 30, recency 60 -> 4 / 8 = 0.5. "b": gap 30, recency 30 -> 1 / 5 = 0.2.
    # "c": one purchase, assumed gap 90, recency 45 -> 0.25 / 4.25.
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
    assert risk["c"] == pytest.approx(0.25 / 4.25)


def synthetic_history(customers: int, seed: int) -> pd.DataFrame:
    """Purchases of customers who buy at their own rate until they leave.

    Each customer joins on a uniform day of the first 540 days from 2022-01-01. It buys as a
    Poisson process with a rate drawn from Gamma(2, 1/60) per day, a mean gap of 30 days.
    It leaves after an exponential lifetime of mean 400 days. One customer in five is
    unhappy: it complains about twice, with satisfaction 1 or 2, and its lifetime is a
    third as long.
    """
    rng = np.random.default_rng(seed)
    rate = rng.gamma(2.0, 1 / 60, customers)
    unhappy = rng.random(customers) < 0.2
    lifetime = rng.exponential(400, customers) / np.where(unhappy, 3, 1)
    joined = rng.integers(0, 540, customers)
    rows = []
    for number in range(customers):
        name = f"S{number:05d}"
        end = min(joined[number] + lifetime[number], 900)
        moment = float(joined[number])
        while (moment := moment + rng.exponential(1 / rate[number])) <= end:
            rows.append((name, moment, "purchase", round(rng.lognormal(4, 0.5), 2), np.nan))
        if unhappy[number]:
            active = max(min(lifetime[number], 900 - joined[number]), 1.0)
            for _ in range(rng.poisson(2)):
                moment = joined[number] + rng.random() * active
                rows.append((name, moment, "complaint", np.nan, float(rng.integers(1, 3))))
    frame = pd.DataFrame(rows, columns=["customer", "day", "kind", "amount", "satisfaction"])
    offsets = (frame.pop("day") * 86_400).astype("timedelta64[s]")
    frame.insert(1, "occurred_at", np.datetime64("2022-01-01") + offsets)
    return frame


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


def test_horizon_setting_changes_window():
    events = synthetic_history(600, seed=5)
    as_of = datetime(2023, 9, 30, tzinfo=UTC)

    short = fit_churn_model(events, as_of, RiskSettings(horizon_days=30))
    long = fit_churn_model(events, as_of, RiskSettings(horizon_days=180))

    assert short.training_rows > 0
    assert long.training_rows < short.training_rows
