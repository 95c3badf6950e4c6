"""The import and analyze commands on the real CDNOW purchase history."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
from pathlib import Path

import lifetimes.datasets
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot import main
from crm_core.model import Level, Stage, Tier
from storage.db import create_engine, create_sessionmaker
from storage.models import Contact, Customer, FollowUp

CDNOW = Path(lifetimes.datasets.__file__).parent / "CDNOW_master.txt"
CDNOW_PURCHASES = 69_659
CDNOW_CUSTOMERS = 23_570


def _use_database(monkeypatch: pytest.MonkeyPatch, url: str, folder: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DEFAULT_TIMEZONE", "UTC")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(folder)  # so that no .env of the developer's is read


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, monkeypatch) -> str:
    """An empty database for one test."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'crm.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_url")
    _use_database(monkeypatch, url, tmp_path)
    return url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def imported(request, tmp_path_factory):
    """A database with CDNOW imported once, shared by the tests that only read it.

    Yields the database URL and what the import printed.
    """
    folder = tmp_path_factory.mktemp("cdnow")
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / 'crm.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_server_url")
        asyncio.run(_reset_schema(url))
    with pytest.MonkeyPatch.context() as monkeypatch:
        _use_database(monkeypatch, url, folder)
        capture = io.StringIO()
        with contextlib.redirect_stdout(capture):
            exit_code = main(["import", str(CDNOW)])
        assert exit_code == 0, capture.getvalue()
        yield url, capture.getvalue(), monkeypatch, folder


async def _reset_schema(url: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


async def _counts(url: str) -> dict[str, object]:
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions() as session:
            return {
                "contacts": await session.scalar(select(func.count()).select_from(Contact)),
                "customers": await session.scalar(select(func.count()).select_from(Customer)),
                "stages": set(await session.scalars(select(Customer.stage).distinct())),
                "tiers": set(await session.scalars(select(Customer.tier).distinct())),
                "levels": set(await session.scalars(select(Customer.level).distinct())),
                "without_stage": await session.scalar(
                    select(func.count()).select_from(Customer).where(Customer.stage.is_(None))
                ),
                "revenue": await session.scalar(select(func.sum(Customer.revenue))),
                "followups": await session.scalar(select(func.count()).select_from(FollowUp)),
            }
    finally:
        await engine.dispose()


def test_import_cdnow_counts(imported):
    url, output, _, _ = imported

    counts = asyncio.run(_counts(url))
    assert counts["contacts"] == CDNOW_PURCHASES
    assert counts["customers"] == CDNOW_CUSTOMERS
    assert counts["without_stage"] == 0
    assert counts["stages"] <= {stage.value for stage in Stage}
    assert counts["tiers"] == {tier.value for tier in Tier}
    assert counts["levels"] <= {level.value for level in Level}
    # Sum of the dollar_value column of CDNOW_master.txt.
    assert float(counts["revenue"]) == pytest.approx(2_500_315.63, abs=0.05)
    assert f"Imported {CDNOW_PURCHASES} events of {CDNOW_CUSTOMERS} customers" in output


def test_import_same_file_twice_adds_nothing(imported, capsys):
    url, _, _, _ = imported
    first = asyncio.run(_counts(url))

    exit_code = main(["import", str(CDNOW)])

    second = asyncio.run(_counts(url))
    assert exit_code == 0
    assert second["contacts"] == first["contacts"]
    assert second["customers"] == first["customers"]
    assert second["followups"] == first["followups"]
    assert f"{CDNOW_PURCHASES} rows were already imported" in capsys.readouterr().out


def test_analyze_writes_row_per_customer(imported, tmp_path):
    out = tmp_path / "analysis.csv"

    exit_code = main(["analyze", "--as-of", "1997-09-30", "--out", str(out)])

    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert exit_code == 0
    assert len(rows) == CDNOW_CUSTOMERS
    for column in ("customer", "level", "stage", "churn_risk", "tier", "reason"):
        assert column in rows[0], column
    assert {row["stage"] for row in rows} <= {stage.value for stage in Stage}
    assert all(0.0 <= float(row["churn_risk"]) <= 1.0 for row in rows)
    assert all(row["reason"] for row in rows)
    # CDNOW ids keep their leading zeros.
    assert "00001" in {row["customer"] for row in rows}


def test_analyze_ignores_history_after_as_of(imported, tmp_path):
    out = tmp_path / "early.csv"

    # Every CDNOW customer made the first purchase in the first quarter of 1997.
    main(["analyze", "--as-of", "1997-01-31", "--out", str(out)])

    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    # Customers whose first purchase came after 1997-01-31 have no history yet.
    assert 0 < len(rows) < CDNOW_CUSTOMERS
    assert all(int(row["n_purchases"]) >= 1 for row in rows)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(
            ["import", "no-such-file.csv"], "File not found: no-such-file.csv", id="missing-file"
        ),
        pytest.param(
            ["analyze", "--as-of", "30/09/1997", "--out", "x.csv"],
            "Invalid --as-of 30/09/1997",
            id="bad-as-of",
        ),
        pytest.param(
            ["analyze", "--as-of", "1997-09-30", "--out", "x.csv"],
            "The database has no customers yet",
            id="empty-database",
        ),
    ],
)
def test_cli_bad_input_is_reported(database_url, capsys, argv, message):
    exit_code = main(argv)

    output = capsys.readouterr()
    assert exit_code != 0
    assert message in output.out + output.err
