"""Time and peak memory of ``analyze`` on a synthetic book of 100,000 customers.

The book has 1,000,000 events (seeded, see ``synthetic_book``). The baseline is a naive
loop that calls ``analyze_one`` per customer, timed on a 2% sample and scaled up by 50, in
the same run. Prints figures only; nothing is asserted.

Run: .venv/bin/python bench/bench_analysis_speed.py [--customers N] [--events N] [--seed N]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crm_core.analysis import analyze, analyze_one
from crm_core.model import ContactKind

AS_OF = datetime(2024, 6, 30, tzinfo=UTC)
# Share of each kind among the events.
KIND_SHARES = {
    ContactKind.PURCHASE: 0.58,
    ContactKind.CALL: 0.12,
    ContactKind.MESSAGE: 0.08,
    ContactKind.EMAIL: 0.06,
    ContactKind.VISIT: 0.04,
    ContactKind.MEETING: 0.03,
    ContactKind.COMPLAINT: 0.03,
    ContactKind.NOTE: 0.055,
    ContactKind.LOSS: 0.005,
}


def synthetic_book(customers: int, events: int, seed: int) -> pd.DataFrame:
    """Generate an events frame: ``events`` rows spread over ``customers`` customers.

    Each customer starts on a uniform day in the two years before ``AS_OF``. Its events fall
    uniformly between that day and 30 days after ``AS_OF``, so about 2% lie after the as-of
    date and are filtered out. Kinds follow ``KIND_SHARES``. Purchase amounts are log-normal
    (median about 150), 3% of purchases are refunds, and 20% of events carry a satisfaction
    of 1-5.
    """
    rng = np.random.default_rng(seed)
    owner = rng.integers(0, customers, size=events)
    start = rng.integers(0, 730, size=customers)
    end = 730 + 30
    day = start[owner] + rng.random(events) * (end - start[owner])
    moments = np.datetime64("2022-06-30") + (day * 86_400).astype("timedelta64[s]")

    kinds = rng.choice(
        np.array([str(kind) for kind in KIND_SHARES], dtype=object),
        size=events,
        p=np.array(list(KIND_SHARES.values())),
    )
    is_purchase = kinds == ContactKind.PURCHASE
    amount = np.where(is_purchase, np.round(rng.lognormal(5.0, 0.8, size=events), 2), np.nan)
    refund = is_purchase & (rng.random(events) < 0.03)
    amount = np.where(refund, -amount, amount)
    satisfaction = np.where(rng.random(events) < 0.2, rng.integers(1, 6, size=events), np.nan)
    return pd.DataFrame(
        {
            "customer": np.char.add("C", owner.astype(str)).astype(object),
            "occurred_at": moments.astype("datetime64[ns]"),
            "kind": kinds,
            "amount": amount,
            "satisfaction": satisfaction.astype(float),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000, help="number of customers")
    parser.add_argument("--events", type=int, default=1_000_000, help="number of events")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the generator")
    arguments = parser.parse_args()

    started = time.perf_counter()
    book = synthetic_book(arguments.customers, arguments.events, arguments.seed)
    print(f"generated {len(book):,} events in {time.perf_counter() - started:.2f} s")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )

    walls, cpus = [], []
    for _ in range(3):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = analyze(book, AS_OF)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - started_cpu)
    elapsed = min(walls)
    print(
        f"analyze: {len(result):,} customers, wall {' / '.join(f'{w:.2f}' for w in walls)} s, "
        f"CPU {' / '.join(f'{c:.2f}' for c in cpus)} s (three runs)"
    )

    tracemalloc.start()
    analyze(book, AS_OF)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"analyze peak traced memory: {peak / 2**20:.0f} MiB (second run, under tracemalloc)")

    # Baseline: the per-customer path on a 2% sample, scaled up to the whole book.
    sample_keys = result.index.to_numpy()[::50]
    grouped = dict(tuple(book[book["customer"].isin(sample_keys)].groupby("customer")))
    started = time.perf_counter()
    for key in sample_keys:
        analyze_one(grouped[key], AS_OF, customer=key)
    sample_elapsed = time.perf_counter() - started
    estimate = sample_elapsed * len(result) / len(sample_keys)
    print(
        f"baseline analyze_one loop: {len(sample_keys):,} customers in {sample_elapsed:.2f} s, "
        f"estimated {estimate:.0f} s for all"
    )
    print(f"speed-up of analyze (fastest run) over the loop: {estimate / elapsed:.0f}x")
    print(f"stages: {result['stage'].value_counts().to_dict()}")


if __name__ == "__main__":
    main()
