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

from crm_core.risk import fit_churn_model, purchase_features
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


def seasonal_history(customers: int, seed: int) -> pd.DataFrame:
    """Purchases of yearly buyers, each around its own day of the year.

    Each customer has a season day (uniform over the year), joins in one of the first three
    years from 2020-01-01 and stays an exponential number of years (mean 2.5). In the
    joining season it always buys, and in each later season while active with its own
    probability drawn from Beta(4, 1.5). A season has one or two purchases, spread around
    the season day with a standard deviation of 3 to 20 days. The simulation covers five
    years, so events after the as-of date form the holdout.
    """
    rng = np.random.default_rng(seed)
    season = rng.integers(0, 365, customers)
    spread = rng.uniform(3, 20, customers)
    join_year = rng.integers(0, 3, customers)
    life_years = rng.exponential(2.5, customers)
    loyalty = rng.beta(4, 1.5, customers)
    numbers, days = [], []
    for year in range(5):
        active = (year >= join_year) & (year < join_year + life_years)
        buys = active & ((year == join_year) | (rng.random(customers) < loyalty))
        buyers = np.flatnonzero(buys)
        purchases = rng.integers(1, 3, buyers.size)
        for repeat in range(2):
            chosen = buyers[purchases > repeat]
            numbers.append(chosen)
            days.append(year * 365 + season[chosen] + rng.normal(0, spread[chosen]))
    return _purchase_frame("Y", np.concatenate(numbers), np.concatenate(days), "2020-01-01", rng)


def frequent_history(customers: int, seed: int) -> pd.DataFrame:
    """Purchases of high-frequency buyers with short gaps.

    Each customer joins on a uniform day of the first 500 days from 2022-01-01 and stays an
    exponential lifetime of mean 200 days, at most to day 730. Its mean gap is 1 plus a
    Gamma(3, 2.5) draw: 8.5 days on average, 3 to 17 days for 90% of customers. The number
    of purchases is 1 plus a Poisson draw with mean lifetime / gap, spread uniformly over
    the lifetime.
    """
    rng = np.random.default_rng(seed)
    gap = rng.gamma(3.0, 2.5, customers) + 1
    joined = rng.uniform(0, 500, customers)
    left = np.minimum(joined + rng.exponential(200, customers), 730)
    counts = rng.poisson(np.clip(left - joined, 0, None) / gap) + 1
    numbers = np.repeat(np.arange(customers), counts)
    days = joined[numbers] + rng.random(numbers.size) * (left - joined)[numbers]
    return _purchase_frame("F", numbers, days, "2022-01-01", rng)


def _purchase_frame(
    prefix: str, numbers: np.ndarray, days: np.ndarray, start: str, rng: np.random.Generator
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "customer": np.char.add(prefix, numbers.astype(str)).astype(object),
            "occurred_at": np.datetime64(start) + (days * 86_400).astype("timedelta64[s]"),
            "kind": "purchase",
            "amount": np.round(rng.lognormal(4, 0.5, numbers.size), 2),
            "satisfaction": np.nan,
        }
    )
    return frame[frame["occurred_at"] >= np.datetime64(start)].reset_index(drop=True)


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
