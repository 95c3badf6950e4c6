"""Reading history files: formats, column detection, the CDNOW file and rejected rows."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from storage.history_file import ColumnOptions, HistoryFileError, read_history


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_cdnow_file_counts():
    path = resources.files("lifetimes.datasets").joinpath("CDNOW_master.txt")
    with resources.as_file(path) as file:
        events = read_history(file)

    assert len(events) == 69_659
    assert events["customer"].nunique() == 23_570
    assert events["customer"].iloc[0] == "00001"
    assert events["occurred_at"].iloc[0] == pd.Timestamp("1997-01-01")
    assert events["amount"].iloc[0] == 11.77
    assert (events["kind"] == "purchase").all()


def test_headerless_whitespace_keeps_zeros(tmp_path: Path):
    path = write(tmp_path, "history.txt", "00007 19970102 2 29.33\n00012 19970305  1\t9.99\n")

    events = read_history(path)

    assert events["customer"].tolist() == ["00007", "00012"]
    assert events["occurred_at"].tolist() == [
        pd.Timestamp("1997-01-02"),
        pd.Timestamp("1997-03-05"),
    ]
    assert events["amount"].tolist() == [29.33, 9.99]


def test_csv_with_common_names(tmp_path: Path):
    text = "Order Date,Client,Revenue,Type,Rating\n2024-05-01,Acme & Co,120.50,purchase,4\n"
    text += "2024-05-03,Acme & Co,,call,\n"
    events = read_history(write(tmp_path, "orders.csv", text))

    assert events["customer"].tolist() == ["Acme & Co", "Acme & Co"]
    assert events["kind"].tolist() == ["purchase", "call"]
    assert events["amount"].iloc[0] == 120.5
    assert np.isnan(events["amount"].iloc[1])
    assert events["satisfaction"].iloc[0] == 4.0
    assert list(events.columns) == ["customer", "occurred_at", "kind", "amount", "satisfaction"]


def test_semicolon_csv_decimal_comma(tmp_path: Path):
    text = "kunde;datum;betrag\nK1;01.03.2024;12,50\nK2;15.03.2024;1.234,00\n"
    options = ColumnOptions(customer_col="kunde", date_col="datum", amount_col="betrag")

    events = read_history(write(tmp_path, "export.csv", text), options)

    assert events["amount"].tolist() == [12.5, 1234.0]
    assert events["occurred_at"].tolist() == [
        pd.Timestamp("2024-03-01"),
        pd.Timestamp("2024-03-15"),
    ]


def test_tab_csv(tmp_path: Path):
    text = "customer_id\tpurchase_date\tamount\n001\t2024-01-02\t10\n"

    events = read_history(write(tmp_path, "tabs.csv", text))

    assert events["customer"].tolist() == ["001"]
    assert events["amount"].tolist() == [10.0]


def test_xlsx(tmp_path: Path):
    path = tmp_path / "book.xlsx"
    pd.DataFrame(
        {"Customer": ["0042", "B"], "Date": ["2024-02-01", "2024-02-03"], "Total": [5, 7.5]}
    ).to_excel(path, index=False)

    events = read_history(path)

    assert events["customer"].tolist() == ["0042", "B"]
    assert events["amount"].tolist() == [5.0, 7.5]


def test_zone_offsets_become_utc(tmp_path: Path):
    text = "customer,timestamp,amount\nA,2024-03-01T10:00:00+02:00,1\n"

    events = read_history(write(tmp_path, "zoned.csv", text))

    assert events["occurred_at"].iloc[0] == pd.Timestamp("2024-03-01 08:00")


def test_refund_kind_is_negative_purchase(tmp_path: Path):
    text = "customer,date,amount,kind\nA,2024-03-01,50,order\nA,2024-03-02,50,refund\n"

    events = read_history(write(tmp_path, "refunds.csv", text))

    assert events["kind"].tolist() == ["purchase", "purchase"]
    assert events["amount"].tolist() == [50.0, -50.0]


def test_missing_date_column_names_option(tmp_path: Path):
    text = "customer,when,amount\nA,2024-03-01,1\n"

    with pytest.raises(HistoryFileError) as caught:
        read_history(write(tmp_path, "nodate.csv", text))

    assert caught.value.message_key == "history_file.error.missing_column"
    assert "--date-col" in str(caught.value)
    assert "when" in str(caught.value)


def test_explicit_column_fixes_detection(tmp_path: Path):
    text = "customer,when,amount\nA,2024-03-01,1\n"

    events = read_history(write(tmp_path, "nodate.csv", text), ColumnOptions(date_col="when"))

    assert events["occurred_at"].tolist() == [pd.Timestamp("2024-03-01")]


def test_unknown_explicit_column(tmp_path: Path):
    text = "customer,date,amount\nA,2024-03-01,1\n"

    with pytest.raises(HistoryFileError, match="Column price given by --amount-col"):
        read_history(write(tmp_path, "h.csv", text), ColumnOptions(amount_col="price"))


def test_bad_date_names_row(tmp_path: Path):
    text = "customer,date,amount\nA,2024-03-01,1\nB,2024-03-02,2\nC,yesterday,3\n"

    with pytest.raises(HistoryFileError) as caught:
        read_history(write(tmp_path, "h.csv", text))

    assert caught.value.message_key == "history_file.error.bad_date"
    assert caught.value.params["row"] == 4
    assert caught.value.params["value"] == "yesterday"
    assert "--date-format" in str(caught.value)


def test_ambiguous_dates_rejected(tmp_path: Path):
    text = "customer,date,amount\nA,01/02/2024,1\nB,03/04/2024,2\n"

    with pytest.raises(HistoryFileError) as caught:
        read_history(write(tmp_path, "h.csv", text))

    assert caught.value.message_key == "history_file.error.ambiguous_date"


def test_date_format_resolves_ambiguity(tmp_path: Path):
    text = "customer,date,amount\nA,01/02/2024,1\n"

    events = read_history(write(tmp_path, "h.csv", text), ColumnOptions(date_format="%d/%m/%Y"))

    assert events["occurred_at"].tolist() == [pd.Timestamp("2024-02-01")]


def test_unambiguous_day_first(tmp_path: Path):
    text = "customer,date,amount\nA,25/02/2024,1\nB,03/04/2024,2\n"

    events = read_history(write(tmp_path, "h.csv", text))

    assert events["occurred_at"].tolist() == [
        pd.Timestamp("2024-02-25"),
        pd.Timestamp("2024-04-03"),
    ]


def test_bad_amount_names_row(tmp_path: Path):
    text = "customer,date,amount\nA,2024-03-01,1\nB,2024-03-02,lots\n"

    with pytest.raises(HistoryFileError) as caught:
        read_history(write(tmp_path, "h.csv", text))

    assert caught.value.message_key == "history_file.error.bad_amount"
    assert caught.value.params["row"] == 3


def test_missing_customer_names_row(tmp_path: Path):
    text = "customer,date,amount\nA,2024-03-01,1\n,2024-03-02,2\n"

    with pytest.raises(HistoryFileError) as caught:
        read_history(write(tmp_path, "h.csv", text))

    assert caught.value.message_key == "history_file.error.missing_customer"
    assert caught.value.params["row"] == 3


def test_unknown_kind_rejected(tmp_path: Path):
    text = "customer,date,kind\nA,2024-03-01,call\nA,2024-03-02,carrier pigeon\n"

    with pytest.raises(HistoryFileError) as caught:
        read_history(write(tmp_path, "h.csv", text))

    assert caught.value.params["row"] == 3
    assert "purchase" in caught.value.params["kinds"]


def test_satisfaction_out_of_range(tmp_path: Path):
    text = "customer,date,kind,satisfaction\nA,2024-03-01,call,7\n"

    with pytest.raises(HistoryFileError) as caught:
        read_history(write(tmp_path, "h.csv", text))

    assert caught.value.message_key == "history_file.error.bad_satisfaction"
    assert caught.value.params["row"] == 2


def test_missing_file(tmp_path: Path):
    with pytest.raises(HistoryFileError, match="not found"):
        read_history(tmp_path / "absent.csv")


def test_header_only_is_empty(tmp_path: Path):
    with pytest.raises(HistoryFileError, match="no data rows"):
        read_history(write(tmp_path, "h.csv", "customer,date,amount\n"))


def test_old_xls_rejected(tmp_path: Path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")

    with pytest.raises(HistoryFileError, match="xlrd"):
        read_history(path)


def test_error_message_in_chinese(tmp_path: Path):
    text = "customer,date,amount\nA,2024-03-01,1\nB,2024-03-02,lots\n"

    with pytest.raises(HistoryFileError) as caught:
        read_history(write(tmp_path, "h.csv", text))

    assert "第 3 行" in caught.value.render("zh")


def test_amount_beyond_column_rejected(tmp_path: Path):
    text = "customer,date,amount\nOk,2026-01-05,10\nHuge,2026-01-08,1000000000000000\n"

    with pytest.raises(HistoryFileError) as caught:
        read_history(write(tmp_path, "h.csv", text))

    assert caught.value.message_key == "history_file.error.amount_out_of_range"
    assert caught.value.params["row"] == 3
    assert caught.value.params["column"] == "amount"
    assert caught.value.params["maximum"] == "999,999,999,999.99"


@pytest.mark.parametrize(
    "amount",
    [
        pytest.param("1000000000000", id="one-above"),
        pytest.param("-1000000000000", id="negative"),
        pytest.param("999999999999.995", id="rounds-above"),
        pytest.param("1e40", id="exponent"),
    ],
)
def test_amount_out_of_range_rejected(tmp_path: Path, amount: str):
    text = f"customer,date,amount\nA,2026-01-05,{amount}\n"

    with pytest.raises(HistoryFileError) as caught:
        read_history(write(tmp_path, "h.csv", text))

    assert caught.value.message_key == "history_file.error.amount_out_of_range"
    assert caught.value.params["row"] == 2


@pytest.mark.parametrize("amount", ["inf", "-Infinity", "nan"])
def test_amount_not_finite_rejected(tmp_path: Path, amount: str):
    text = f"customer,date,amount\nA,2026-01-05,{amount}\n"

    with pytest.raises(HistoryFileError) as caught:
        read_history(write(tmp_path, "h.csv", text))

    assert caught.value.message_key == "history_file.error.bad_amount"
    assert caught.value.params["value"] == amount


def test_amount_limits_accepted(tmp_path: Path):
    text = "customer,date,amount\nA,2026-01-05,999999999999.99\nB,2026-01-05,-999999999999.99\n"
    text += "C,2026-01-05,999999999999.994\n"

    events = read_history(write(tmp_path, "h.csv", text))

    assert events["amount"].tolist() == [999999999999.99, -999999999999.99, 999999999999.99]


def test_amount_rounded_half_up(tmp_path: Path):
    text = "customer,date,amount\nA,2026-01-05,2.675\nB,2026-01-05,-2.675\nC,2026-01-05,1.004\n"

    events = read_history(write(tmp_path, "h.csv", text))

    # Decimal rounding of the text. round(2.675, 2) on the float gives 2.67.
    assert events["amount"].tolist() == [2.68, -2.68, 1.0]


@pytest.mark.parametrize("score", ["4.5", "0", "-1", "inf"])
def test_satisfaction_not_whole_in_scale(tmp_path: Path, score: str):
    text = f"customer,date,kind,satisfaction\nA,2026-01-05,call,3\nA,2026-01-06,call,{score}\n"

    with pytest.raises(HistoryFileError) as caught:
        read_history(write(tmp_path, "h.csv", text))

    assert caught.value.message_key == "history_file.error.bad_satisfaction"
    assert caught.value.params["row"] == 3
    assert "whole number from 1 to 5" in str(caught.value)


def test_satisfaction_scale_ends_accepted(tmp_path: Path):
    text = "customer,date,kind,satisfaction\nA,2026-01-05,call,1\nA,2026-01-06,call,5.0\n"

    events = read_history(write(tmp_path, "h.csv", text))

    assert events["satisfaction"].tolist() == [1.0, 5.0]


def test_customer_too_long_rejected(tmp_path: Path):
    text = f"customer,date,amount\n{'x' * 100},2026-01-05,1\n{'y' * 101},2026-01-06,1\n"

    with pytest.raises(HistoryFileError) as caught:
        read_history(write(tmp_path, "h.csv", text))

    assert caught.value.message_key == "history_file.error.long_customer"
    assert caught.value.params["row"] == 3
    assert caught.value.params["length"] == 101
    assert caught.value.params["maximum"] == 100
