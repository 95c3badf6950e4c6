"""The import and analyze commands on the CDNOW purchase history and on small files."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path

import lifetimes.datasets
import pytest
from sqlalchemy import func, select

from bot import main
from crm_core.model import Level, Stage, Tier
from storage.customers import create_customer
from storage.db import create_engine, create_sessionmaker, migrate
from storage.models import Contact, Customer, FollowUp, JobRun
from storage.users import Profile, create_demo_manager
from tests.helpers.postgres import RESET_SCHEMA, execute_autocommit

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
        asyncio.run(execute_autocommit(url, *RESET_SCHEMA))
    with pytest.MonkeyPatch.context() as monkeypatch:
        _use_database(monkeypatch, url, folder)
        capture = io.StringIO()
        with contextlib.redirect_stdout(capture):
            exit_code = main(["import", str(CDNOW)])
        assert exit_code == 0, capture.getvalue()
        yield url, capture.getvalue(), monkeypatch, folder


async def _stored(url: str) -> dict[str, list]:
    """Return the stored contact amounts in time order and the revenue of each customer."""
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions() as session:
            amounts = await session.scalars(
                select(Contact.amount).order_by(Contact.occurred_at, Contact.id)
            )
            revenue = await session.execute(
                select(Customer.name, Customer.revenue).order_by(Customer.name)
            )
            return {"amounts": list(amounts), "revenue": [tuple(row) for row in revenue]}
    finally:
        await engine.dispose()


def _write(folder: Path, name: str, rows: list[str]) -> Path:
    path = folder / name
    path.write_text("customer,date,amount\n" + "".join(row + "\n" for row in rows))
    return path


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


def test_import_grown_export_adds_new_rows_only(database_url, tmp_path, capsys):
    january = _write(tmp_path, "january.csv", ["Solo,2024-01-05,10"])
    february = _write(tmp_path, "february.csv", ["Solo,2024-01-05,10", "Solo,2024-02-05,20"])
    assert main(["import", str(january)]) == 0

    exit_code = main(["import", str(february)])

    stored = asyncio.run(_stored(database_url))
    assert exit_code == 0
    assert stored["amounts"] == [Decimal("10.00"), Decimal("20.00")]
    assert stored["revenue"] == [("Solo", Decimal("30.00"))]
    output = capsys.readouterr().out
    assert "Imported 1 events of 1 customers (0 new)" in output
    assert "1 rows were already imported" in output


def test_import_identical_rows_counted_once_each(database_url, tmp_path, capsys):
    # Two genuine identical purchases in one file are two contacts.
    twice = _write(tmp_path, "twice.csv", ["Solo,2024-01-05,10", "Solo,2024-01-05,10"])
    again = _write(tmp_path, "again.csv", ["Solo,2024-01-05,10", "Solo,2024-01-05,10"])
    thrice = _write(tmp_path, "thrice.csv", ["Solo,2024-01-05,10"] * 3)

    assert main(["import", str(twice)]) == 0
    after_twice = asyncio.run(_stored(database_url))["amounts"]
    assert main(["import", str(again)]) == 0
    after_again = asyncio.run(_stored(database_url))["amounts"]
    assert main(["import", str(thrice)]) == 0
    after_thrice = asyncio.run(_stored(database_url))

    assert after_twice == [Decimal("10.00")] * 2
    assert after_again == [Decimal("10.00")] * 2
    assert after_thrice["amounts"] == [Decimal("10.00")] * 3
    assert after_thrice["revenue"] == [("Solo", Decimal("30.00"))]
    output = capsys.readouterr().out
    assert "Imported 0 events of 1 customers (0 new)" in output
    assert "2 rows were already imported" in output


def test_import_amount_overflow_rejected(database_url, tmp_path, capsys):
    before = _write(tmp_path, "before.csv", ["Ok,2024-01-02,5"])
    history = _write(
        tmp_path, "huge.csv", ["Ok,2024-01-05,10", "Huge,2024-01-08,1000000000000000"]
    )
    assert main(["import", str(before)]) == 0

    exit_code = main(["import", str(history)])

    output = capsys.readouterr()
    stored = asyncio.run(_stored(database_url))
    assert exit_code == 2
    assert "row 3" in output.err
    assert "column amount" in output.err
    assert "999,999,999,999.99" in output.err
    assert stored["amounts"] == [Decimal("5.00")]
    assert stored["revenue"] == [("Ok", Decimal("5.00"))]


def test_import_largest_amount_stored_exactly(database_url, tmp_path):
    history = _write(
        tmp_path, "edge.csv", ["Big,2024-01-05,999999999999.99", "Small,2024-01-06,2.675"]
    )

    exit_code = main(["import", str(history)])

    stored = asyncio.run(_stored(database_url))
    assert exit_code == 0
    # 2.675 rounds half up to 2.68. The float 2.675 is just below it, so round() gives 2.67.
    assert stored["amounts"] == [Decimal("999999999999.99"), Decimal("2.68")]
    assert stored["revenue"] == [("Big", Decimal("999999999999.99")), ("Small", Decimal("2.68"))]


def test_import_revenue_overflow_in_file_rejected(database_url, tmp_path, capsys):
    # Each amount fits the column, but their sum of 1,200,000,000,000 does not fit revenue.
    history = _write(
        tmp_path, "sum.csv", ["Ok,2024-01-05,600000000000", "Ok,2024-01-08,600000000000"]
    )

    exit_code = main(["import", str(history)])

    output = capsys.readouterr()
    counts = asyncio.run(_counts(database_url))
    assert exit_code == 2
    assert '"Ok"' in output.err
    assert "1,200,000,000,000.00" in output.err
    assert counts["contacts"] == 0
    assert counts["customers"] == 0


def test_import_revenue_overflow_with_stored_rejected(database_url, tmp_path, capsys):
    first = _write(tmp_path, "first.csv", ["Ok,2024-01-05,600000000000"])
    second = _write(tmp_path, "second.csv", ["Ok,2024-01-08,600000000000"])
    assert main(["import", str(first)]) == 0

    exit_code = main(["import", str(second)])

    output = capsys.readouterr()
    stored = asyncio.run(_stored(database_url))
    assert exit_code == 2
    assert "1,200,000,000,000.00" in output.err
    assert stored["amounts"] == [Decimal("600000000000.00")]


def test_analyze_before_history_rejected(database_url, tmp_path, capsys):
    history = _write(tmp_path, "h.csv", ["Solo,2024-01-05,10"])
    assert main(["import", str(history)]) == 0
    out = tmp_path / "early.csv"

    exit_code = main(["analyze", "--as-of", "2023-12-31", "--out", str(out)])

    output = capsys.readouterr().out
    assert exit_code == 1
    assert "Nothing to analyse on or before 2023-12-31" in output
    assert "earliest customer or event is from 2024-01-05" in output
    assert not out.exists()


def test_import_links_customer_created_in_bot(database_url, tmp_path, capsys):
    history = tmp_path / "history.csv"
    history.write_text("customer,date,amount\nAcme Ltd,2026-01-05,100\nBeta,2026-01-06,50\n")
    asyncio.run(_create_customer(database_url, "Acme Ltd"))

    exit_code = main(["import", str(history)])

    names = asyncio.run(_customer_names(database_url))
    assert exit_code == 0
    assert names == {"Acme Ltd": "Acme Ltd", "Beta": "Beta"}


def test_import_marks_daily_analysis_done(database_url, tmp_path):
    history = tmp_path / "history.csv"
    history.write_text("customer,date,amount\nAcme Ltd,2026-01-05,100\n")

    main(["import", str(history)])

    runs = asyncio.run(_analysis_runs(database_url))
    assert len(runs) == 1
    assert runs[0][0].startswith("analysis:")
    assert runs[0][1] is not None


async def _create_customer(url: str, name: str) -> None:
    engine = create_engine(url)
    await migrate(engine)
    sessions = create_sessionmaker(engine)
    now = datetime.now(UTC)
    try:
        async with sessions() as session, session.begin():
            profile = Profile(1000, 1000, "Demo Rep", None, "en", "UTC", time(8, 30))
            owner = await create_demo_manager(session, profile, now)
            await create_customer(session, owner=owner, name=name, now=now)
    finally:
        await engine.dispose()


async def _customer_names(url: str) -> dict[str, str | None]:
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions() as session:
            rows = await session.execute(select(Customer.name, Customer.external_id))
            return {name: external_id for name, external_id in rows}
    finally:
        await engine.dispose()


async def _analysis_runs(url: str) -> list[tuple[str, object]]:
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions() as session:
            rows = await session.execute(select(JobRun.name, JobRun.finished_at))
            return [(name, finished) for name, finished in rows if name.startswith("analysis:")]
    finally:
        await engine.dispose()
