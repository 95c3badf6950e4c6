"""Seeded synthetic purchase histories shared by the churn benchmark and the risk tests.

Each generator returns an events frame (customer, occurred_at, kind, amount, satisfaction)
whose events after an as-of date serve as the holdout.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


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
