"""ROC AUC of the churn risk against BG/NBD and recency alone, with the time each took.

Histories:
- CDNOW (shipped with lifetimes): history up to 1997-09-30; the outcome is "bought at least
  once from 1997-10-01 to 1998-06-30".
- Synthetic (``synthetic_history``, seed 11, 3,000 customers): history up to 2023-09-30;
  the outcome is "bought within the next 180 days".
- Seasonal (``seasonal_history``, seed 3, 20,000 customers): yearly buyers, history up to
  2023-06-30; outcomes "bought within the next 180 days" and "within the next 365 days".
- Frequent (``frequent_history``, seed 4, 10,000 customers): mean gaps of 3 to 17 days for
  90% of customers, history up to 2023-06-30; the outcome is "bought within the next 60 days".

Each score ranks customers by the chance of buying again: ``1 - churn_risk`` for the
product, BG/NBD's expected purchases over the holdout, and minus the days since the last
purchase. The product is scored twice from one fit: at its default horizon and at the
holdout length, which BG/NBD is also given. For CDNOW a paired bootstrap gives the 95%
interval of the product's AUC lead over BG/NBD and over recency. Prints figures only;
nothing is asserted.

Run: .venv/bin/python bench/bench_churn_auc.py
"""

from __future__ import annotations

import os
import platform
import sys
import time
import warnings
from datetime import UTC
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.histories import frequent_history, seasonal_history, synthetic_history
from crm_core.risk import fit_churn_model, purchase_features
from storage.history_file import read_history


def bgnbd_expected(history: pd.DataFrame, as_of: pd.Timestamp, days: int) -> pd.Series:
    """Fit BG/NBD on per-day purchase summaries and return expected purchases in ``days``.

    The summary is built by hand, because lifetimes' summary_data_from_transaction_data
    returns wrong values with pandas 2.x.
    """
    from lifetimes import BetaGeoFitter

    purchases = history[history["kind"] == "purchase"]
    purchase_days = purchases["occurred_at"].dt.floor("D").groupby(purchases["customer"])
    first, last = purchase_days.min(), purchase_days.max()
    summary = pd.DataFrame(
        {
            "frequency": purchase_days.nunique() - 1,
            "recency": (last - first).dt.days,
            "T": (as_of - first).dt.days,
        }
    )
    model = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    return model.conditional_expected_number_of_purchases_up_to_time(
        days, summary["frequency"], summary["recency"], summary["T"]
    )


def compare(
    name: str, events: pd.DataFrame, as_of: pd.Timestamp, end: pd.Timestamp
) -> tuple[np.ndarray, pd.Series, pd.Series, pd.Series]:
    """Print the AUC table of one history and return the outcome and the three scores."""
    history = events[events["occurred_at"] <= as_of]
    later = events[(events["occurred_at"] > as_of) & (events["occurred_at"] <= end)]
    buyers = set(later.loc[later["kind"] == "purchase", "customer"])
    holdout_days = (end - as_of).days

    started = time.perf_counter()
    model = fit_churn_model(history, as_of.tz_localize(UTC))
    features = purchase_features(history, as_of, model.settings)
    risk = model.score(features)
    product_seconds = time.perf_counter() - started
    risk_at_holdout = model.score(features, holdout_days)
    outcome = risk.index.isin(buyers)

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = bgnbd_expected(history, as_of, holdout_days).reindex(risk.index)
    bgnbd_seconds = time.perf_counter() - started

    started = time.perf_counter()
    purchases = history[history["kind"] == "purchase"]
    last = purchases.groupby("customer")["occurred_at"].max().reindex(risk.index)
    recency = (as_of - last).dt.total_seconds()
    recency_seconds = time.perf_counter() - started

    print(
        f"\n{name}: {len(risk):,} customers, {outcome.mean():.1%} bought in the "
        f"{holdout_days}-day holdout, {model.training_rows:,} training rows"
    )
    print(f"{'model':<34}{'ROC AUC':>10}{'seconds':>10}")
    default_days = model.settings.horizon_days
    for label, score, seconds in (
        (f"product, {default_days}-day horizon", 1 - risk, product_seconds),
        (f"product, {holdout_days}-day horizon", 1 - risk_at_holdout, None),
        ("BG/NBD (lifetimes)", expected, bgnbd_seconds),
        ("recency alone", -recency, recency_seconds),
    ):
        seconds_text = "same fit" if seconds is None else f"{seconds:.2f}"
        print(f"{label:<34}{roc_auc_score(outcome, score):>10.4f}{seconds_text:>10}")
    return outcome, 1 - risk, expected, -recency


def bootstrap_lead(
    outcome: np.ndarray, product: pd.Series, others: dict[str, pd.Series], resamples: int = 200
) -> None:
    """Print the 95% paired-bootstrap interval of the product's AUC minus each other AUC."""
    rng = np.random.default_rng(0)
    leads = {label: [] for label in others}
    for _ in range(resamples):
        rows = rng.integers(0, len(outcome), len(outcome))
        product_auc = roc_auc_score(outcome[rows], product.to_numpy()[rows])
        for label, score in others.items():
            leads[label].append(product_auc - roc_auc_score(outcome[rows], score.to_numpy()[rows]))
    for label, values in leads.items():
        low, high = np.percentile(values, [2.5, 97.5])
        print(f"lead over {label}: 95% interval {low:+.4f} to {high:+.4f} ({resamples} resamples)")


def main() -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    path = resources.files("lifetimes.datasets").joinpath("CDNOW_master.txt")
    with resources.as_file(path) as file:
        cdnow = read_history(file)
    outcome, product, expected, recency = compare(
        "CDNOW", cdnow, pd.Timestamp("1997-09-30"), pd.Timestamp("1998-06-30")
    )
    bootstrap_lead(outcome, product, {"BG/NBD": expected, "recency": recency})

    synthetic = synthetic_history(3000, seed=11)
    as_of = pd.Timestamp("2023-09-30")
    compare("Synthetic (seed 11)", synthetic, as_of, as_of + pd.Timedelta(days=180))

    seasonal = seasonal_history(20_000, seed=3)
    as_of = pd.Timestamp("2023-06-30")
    for days in (180, 365):
        compare("Seasonal (seed 3)", seasonal, as_of, as_of + pd.Timedelta(days=days))

    frequent = frequent_history(10_000, seed=4)
    compare("Frequent (seed 4)", frequent, as_of, as_of + pd.Timedelta(days=60))


if __name__ == "__main__":
    main()
