"""ROC AUC of the churn risk against BG/NBD and recency alone, with the time each took.

Histories:
- CDNOW (shipped with lifetimes): history up to 1997-09-30; the outcome is "bought at least
  once from 1997-10-01 to 1998-06-30".
- Synthetic (``synthetic_history``, seed 11, 3,000 customers): history up to 2023-09-30;
  the outcome is "bought within the next 180 days".

Each score ranks customers by the chance of buying again: ``1 - churn_risk`` for the
product, BG/NBD's expected purchases over the holdout, and minus the days since the last
purchase. Prints figures only; nothing is asserted.

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

from crm_core.risk import churn_risk
from storage.history_file import read_history


def synthetic_history(customers: int, seed: int) -> pd.DataFrame:
    """Purchases and complaints of customers who buy at their own rate until they leave.

    Each customer joins on a uniform day of the first 540 days from 2022-01-01. It buys as a
    Poisson process with a rate drawn from Gamma(2, 1/60) per day, a mean gap of 30 days.
    It leaves after an exponential lifetime of mean 400 days. One customer in five is
    unhappy: it complains about twice, with satisfaction 1 or 2, and its lifetime is a
    third as long. Amounts are log-normal (median about 55). The simulation ends after 900
    days.
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


def compare(name: str, events: pd.DataFrame, as_of: pd.Timestamp, end: pd.Timestamp) -> None:
    history = events[events["occurred_at"] <= as_of]
    later = events[(events["occurred_at"] > as_of) & (events["occurred_at"] <= end)]
    buyers = set(later.loc[later["kind"] == "purchase", "customer"])

    started = time.perf_counter()
    risk = churn_risk(history, as_of.tz_localize(UTC))
    product_seconds = time.perf_counter() - started
    outcome = risk.index.isin(buyers)

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = bgnbd_expected(history, as_of, (end - as_of).days).reindex(risk.index)
    bgnbd_seconds = time.perf_counter() - started

    started = time.perf_counter()
    purchases = history[history["kind"] == "purchase"]
    last = purchases.groupby("customer")["occurred_at"].max().reindex(risk.index)
    recency = (as_of - last).dt.total_seconds()
    recency_seconds = time.perf_counter() - started

    print(f"\n{name}: {len(risk):,} customers, {outcome.mean():.1%} bought in the holdout")
    print(f"{'model':<22}{'ROC AUC':>10}{'seconds':>10}")
    for label, score, seconds in (
        ("product (1 - risk)", 1 - risk, product_seconds),
        ("BG/NBD (lifetimes)", expected, bgnbd_seconds),
        ("recency alone", -recency, recency_seconds),
    ):
        print(f"{label:<22}{roc_auc_score(outcome, score):>10.4f}{seconds:>10.2f}")


def main() -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    path = resources.files("lifetimes.datasets").joinpath("CDNOW_master.txt")
    with resources.as_file(path) as file:
        cdnow = read_history(file)
    compare("CDNOW", cdnow, pd.Timestamp("1997-09-30"), pd.Timestamp("1998-06-30"))

    synthetic = synthetic_history(3000, seed=11)
    as_of = pd.Timestamp("2023-09-30")
    compare("Synthetic (seed 11)", synthetic, as_of, as_of + pd.Timedelta(days=180))


if __name__ == "__main__":
    main()
