"""Read purchase and contact histories from CSV, XLSX or whitespace-separated text files.

The result is the events frame of ``crm_core.risk.EVENT_COLUMNS``: ``customer`` (str),
``occurred_at`` (naive UTC datetime64[ns]), ``kind``, ``amount`` and ``satisfaction``.
A bad row rejects the whole file with its row number, so no data is dropped silently.
Row numbers are the file's line numbers (the spreadsheet row for XLSX), counting the header.
"""

from __future__ import annotations

import csv
import re
import warnings
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd

from crm_core.i18n import translate
from crm_core.model import ContactKind
from storage.models import Contact, Customer

# Aliases are compared after lower-casing and turning spaces and hyphens into underscores.
# Earlier aliases win when a file has several candidates.
CUSTOMER_ALIASES = (
    "customer",
    "customer_id",
    "customerid",
    "cust_id",
    "client",
    "client_id",
    "user_id",
    "account",
    "account_id",
    "customer_name",
    "client_name",
    "company",
    "name",
)
DATE_ALIASES = (
    "date",
    "occurred_at",
    "order_date",
    "purchase_date",
    "transaction_date",
    "invoice_date",
    "timestamp",
    "datetime",
    "created_at",
    "time",
)
AMOUNT_ALIASES = (
    "amount",
    "dollar_value",
    "revenue",
    "total",
    "sales",
    "order_value",
    "net_amount",
    "value",
    "sum",
    "price",
)
KIND_ALIASES = ("kind", "contact_kind", "type", "event_type", "contact_type", "event")
SATISFACTION_ALIASES = ("satisfaction", "rating", "csat", "score")

# Other spellings of contact kinds that exports commonly use.
KIND_SYNONYMS = {
    "order": ContactKind.PURCHASE,
    "sale": ContactKind.PURCHASE,
    "refund": ContactKind.PURCHASE,
    "phone": ContactKind.CALL,
    "phone_call": ContactKind.CALL,
    "mail": ContactKind.EMAIL,
    "e-mail": ContactKind.EMAIL,
    "lost": ContactKind.LOSS,
}

# Tried in order; the first that parses every value wins. Day-first and month-first
# slashed dates are checked against each other because both can parse the same file.
DATE_FORMATS = ("ISO8601", "%Y%m%d", "%d.%m.%Y", "%m/%d/%Y", "%d/%m/%Y", "%Y/%m/%d")
_AMBIGUOUS_PAIR = ("%m/%d/%Y", "%d/%m/%Y")
_NUMBER = re.compile(r"^[-+]?\d+([.,]\d+)?$")
_CURRENCY = re.compile(r"[\s$€£¥]")
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+$")

# Bounds of the columns that imported values go into, so that a value out of range rejects
# the file here instead of failing in the database (PostgreSQL) or being stored as is
# (SQLite, which does not enforce them).
_AMOUNT_TYPE = Contact.__table__.c.amount.type
CENT = Decimal(1).scaleb(-_AMOUNT_TYPE.scale)
AMOUNT_MAX = Decimal(10) ** (_AMOUNT_TYPE.precision - _AMOUNT_TYPE.scale) - CENT
CUSTOMER_MAX_LENGTH = Customer.__table__.c.external_id.type.length
SATISFACTION_MIN = 1
SATISFACTION_MAX = 5


class HistoryFileError(ValueError):
    """Raised when a history file cannot be read; the message names file, column and row.

    Attributes:
        message_key: Catalogue key of the message.
        params: Parameters of the message.
    """

    def __init__(self, message_key: str, **params: object) -> None:
        self.message_key = message_key
        self.params = params
        super().__init__(self.render("en"))

    def render(self, language: str) -> str:
        """Return the message in ``language``."""
        return translate(language, self.message_key, **self.params)


@dataclass(frozen=True)
class ColumnOptions:
    """Explicit column names and date format, each overriding detection.

    In a file without a header row, columns are named by their 1-based position ("1",
    "2", ...).
    """

    customer_col: str | None = None
    date_col: str | None = None
    amount_col: str | None = None
    kind_col: str | None = None
    satisfaction_col: str | None = None
    date_format: str | None = None


def read_history(path: Path, options: ColumnOptions = ColumnOptions()) -> pd.DataFrame:
    """Read a history file into an events frame.

    ``.csv`` files are sniffed for a comma, semicolon or tab delimiter, ``.xlsx`` files are
    read with openpyxl, and any other file is read as whitespace-separated text. A first
    row is a header when one of its cells is a known column name or none of its cells is
    a number or date. Without a header the columns are positional: customer, date, then
    amount, or customer, date, quantity, amount with four columns (the CDNOW layout).
    Without a kind column every row is a purchase, and an empty kind cell means purchase.
    Dates without a zone are taken as UTC.

    Raises:
        HistoryFileError: If the file is missing or unreadable, a column cannot be found, or
            a value cannot be parsed or lies outside the range of its database column. The
            message names the row and the option to pass.
    """
    path = Path(path)
    if not path.is_file():
        raise HistoryFileError("history_file.error.not_found", file=str(path))
    raw = _read_cells(path)
    if raw.empty or raw.shape[0] == 0:
        raise HistoryFileError("history_file.error.empty", file=str(path))
    if raw.shape[1] < 2:
        raise HistoryFileError(
            "history_file.error.too_few_columns", file=str(path), count=raw.shape[1]
        )

    header = _has_header(raw.iloc[0].tolist())
    if header:
        names = [_clean_name(cell, position) for position, cell in enumerate(raw.iloc[0], 1)]
        table = raw.iloc[1:].reset_index(drop=True)
        first_row = 2
    else:
        names = [str(position) for position in range(1, raw.shape[1] + 1)]
        table = raw
        first_row = 1
    table.columns = names
    if table.empty:
        raise HistoryFileError("history_file.error.empty", file=str(path))

    columns = _pick_columns(names, header, options, path)
    rows = np.arange(first_row, first_row + len(table))
    return _build_events(table, columns, rows, options, path)


def _read_cells(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix == ".xls":
            raise HistoryFileError("history_file.error.xls", file=str(path))
        if suffix == ".xlsx":
            with warnings.catch_warnings():
                # openpyxl warns about workbook features it ignores, such as data validation.
                warnings.simplefilter("ignore", UserWarning)
                cells = pd.read_excel(path, header=None, dtype=str, engine="openpyxl")
            return cells.dropna(how="all").dropna(axis=1, how="all").reset_index(drop=True)
        if suffix == ".csv":
            return pd.read_csv(
                path,
                sep=_sniff_delimiter(path),
                header=None,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=True,
                encoding="utf-8-sig",
            )
        return pd.read_csv(
            path,
            sep=r"\s+",
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
            encoding="utf-8-sig",
        )
    except HistoryFileError:
        raise
    except pd.errors.EmptyDataError as error:
        raise HistoryFileError("history_file.error.empty", file=str(path)) from error
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise HistoryFileError(
            "history_file.error.unreadable", file=str(path), error=str(error)
        ) from error


def _sniff_delimiter(path: Path) -> str:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        sample = handle.read(64 * 1024)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _normalize_name(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _clean_name(cell: object, position: int) -> str:
    if cell is None or (isinstance(cell, float) and np.isnan(cell)) or str(cell).strip() == "":
        return str(position)
    return str(cell).strip()


def _has_header(cells: list[object]) -> bool:
    texts = ["" if cell is None or cell != cell else str(cell).strip() for cell in cells]
    aliases = {
        *CUSTOMER_ALIASES,
        *DATE_ALIASES,
        *AMOUNT_ALIASES,
        *KIND_ALIASES,
        *SATISFACTION_ALIASES,
    }
    if any(_normalize_name(text) in aliases for text in texts):
        return True
    return not any(_looks_like_value(text) for text in texts)


def _looks_like_value(text: str) -> bool:
    if _NUMBER.match(_CURRENCY.sub("", text)):
        return True
    return not pd.isna(pd.to_datetime(text, errors="coerce", format="ISO8601"))


def _pick_columns(
    names: list[str], header: bool, options: ColumnOptions, path: Path
) -> dict[str, str | None]:
    lookup = {_normalize_name(name): name for name in reversed(names)}

    def explicit(value: str | None, option: str) -> str | None:
        if value is None:
            return None
        found = lookup.get(_normalize_name(value))
        if found is None:
            raise HistoryFileError(
                "history_file.error.unknown_column",
                column=value,
                option=option,
                file=str(path),
                columns=", ".join(names),
            )
        return found

    def detect(aliases: tuple[str, ...]) -> str | None:
        for alias in aliases:
            if alias in lookup:
                return lookup[alias]
        return None

    columns = {
        "customer": explicit(options.customer_col, "--customer-col"),
        "date": explicit(options.date_col, "--date-col"),
        "amount": explicit(options.amount_col, "--amount-col"),
        "kind": explicit(options.kind_col, "--kind-col"),
        "satisfaction": explicit(options.satisfaction_col, "--satisfaction-col"),
    }
    if header:
        detected = {
            "customer": detect(CUSTOMER_ALIASES),
            "date": detect(DATE_ALIASES),
            "amount": detect(AMOUNT_ALIASES),
            "kind": detect(KIND_ALIASES),
            "satisfaction": detect(SATISFACTION_ALIASES),
        }
    else:
        amount_position = {3: "3", 4: "4"}.get(len(names))
        detected = {
            "customer": "1",
            "date": "2",
            "amount": amount_position,
            "kind": None,
            "satisfaction": None,
        }
    for role, name in detected.items():
        if columns[role] is None and name not in columns.values():
            columns[role] = name

    for role, option in (("customer", "--customer-col"), ("date", "--date-col")):
        if columns[role] is None:
            raise HistoryFileError(
                "history_file.error.missing_column",
                role=translate("en", f"history_file.role.{role}"),
                file=str(path),
                columns=", ".join(names),
                option=option,
            )
    return columns


def _build_events(
    table: pd.DataFrame,
    columns: dict[str, str | None],
    rows: np.ndarray,
    options: ColumnOptions,
    path: Path,
) -> pd.DataFrame:
    customer_column = columns["customer"]
    customers = table[customer_column].fillna("").astype(str).str.strip()
    missing = (customers == "").to_numpy()
    if missing.any():
        raise HistoryFileError(
            "history_file.error.missing_customer",
            column=customer_column,
            row=int(rows[missing.argmax()]),
            file=str(path),
        )
    too_long = (customers.str.len() > CUSTOMER_MAX_LENGTH).to_numpy()
    if too_long.any():
        position = int(too_long.argmax())
        raise HistoryFileError(
            "history_file.error.long_customer",
            length=len(customers.iloc[position]),
            maximum=CUSTOMER_MAX_LENGTH,
            column=customer_column,
            row=int(rows[position]),
            file=str(path),
        )

    occurred_at = _parse_dates(table[columns["date"]], columns["date"], rows, options, path)
    amount = _parse_amounts(table, columns["amount"], rows, path)
    satisfaction = _parse_satisfaction(table, columns["satisfaction"], rows, path)
    kinds = _parse_kinds(table, columns["kind"], rows, path)
    if columns["kind"] is not None:
        # A row of kind "refund" is a purchase with a negative amount, whatever its sign.
        kind_texts = table[columns["kind"]].fillna("").astype(str).str.strip().str.lower()
        amount = np.where((kind_texts == "refund").to_numpy(), -np.abs(amount), amount)

    return pd.DataFrame(
        {
            "customer": customers.to_numpy(dtype=object),
            "occurred_at": occurred_at,
            "kind": kinds,
            "amount": amount,
            "satisfaction": satisfaction,
        }
    )


def _parse_dates(
    values: pd.Series, column: str, rows: np.ndarray, options: ColumnOptions, path: Path
) -> np.ndarray:
    texts = values.fillna("").astype(str).str.strip()
    formats = (options.date_format,) if options.date_format else DATE_FORMATS
    parsed_by_format: dict[str, pd.Series] = {}
    for date_format in formats:
        if date_format == "%Y%m%d" and not texts.str.fullmatch(r"\d{8}").all():
            continue
        parsed = pd.to_datetime(texts, format=date_format, errors="coerce", utc=True)
        parsed_by_format[date_format] = parsed
        if parsed.notna().all():
            if date_format in _AMBIGUOUS_PAIR and not options.date_format:
                other = _AMBIGUOUS_PAIR[1 - _AMBIGUOUS_PAIR.index(date_format)]
                alternative = pd.to_datetime(texts, format=other, errors="coerce", utc=True)
                if alternative.notna().all() and not alternative.equals(parsed):
                    raise HistoryFileError(
                        "history_file.error.ambiguous_date",
                        column=column,
                        file=str(path),
                        first=date_format,
                        second=other,
                    )
            return parsed.dt.tz_localize(None).astype("datetime64[ns]").to_numpy()

    # Report the first row that the most successful format could not parse.
    best = max(parsed_by_format.values(), key=lambda parsed: int(parsed.notna().sum()))
    position = int(best.isna().to_numpy().argmax())
    raise HistoryFileError(
        "history_file.error.bad_date",
        value=texts.iloc[position],
        column=column,
        row=int(rows[position]),
        file=str(path),
    )


def _parse_amounts(
    table: pd.DataFrame, column: str | None, rows: np.ndarray, path: Path
) -> np.ndarray:
    """Parse amounts exactly as decimals, round them to cents and check the column's range.

    The result is float for the analysis. Every value is a whole number of cents of at most
    ``AMOUNT_MAX`` (14 significant digits), so ``repr`` of the float gives back the decimal,
    because an IEEE 754 double round-trips every decimal of up to 15 significant digits.
    """
    amounts = np.full(len(table), np.nan)
    if column is None:
        return amounts
    texts = table[column].fillna("").astype(str).map(_plain_number)
    for position, text in enumerate(texts):
        if text == "":
            continue
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            raise _value_error(
                "history_file.error.bad_amount", table, column, rows, position, path
            )
        # Checked before rounding, because quantize raises InvalidOperation past 28 digits.
        if abs(amount) >= AMOUNT_MAX + CENT / 2:
            raise _value_error(
                "history_file.error.amount_out_of_range",
                table,
                column,
                rows,
                position,
                path,
                maximum=f"{AMOUNT_MAX:,}",
            )
        amounts[position] = float(amount.quantize(CENT, rounding=ROUND_HALF_UP))
    return amounts


def _parse_satisfaction(
    table: pd.DataFrame, column: str | None, rows: np.ndarray, path: Path
) -> np.ndarray:
    """Parse satisfaction scores, which must be whole numbers in the 1-5 scale of the bot."""
    if column is None:
        return np.full(len(table), np.nan)
    texts = table[column].fillna("").astype(str).map(_plain_number)
    scores = pd.to_numeric(texts.where(texts != "", None), errors="coerce").astype(float)
    valid = (
        (scores >= SATISFACTION_MIN) & (scores <= SATISFACTION_MAX) & (scores == scores.round())
    )
    bad = ~valid & (texts != "")
    if bad.any():
        position = int(bad.to_numpy().argmax())
        raise _value_error(
            "history_file.error.bad_satisfaction",
            table,
            column,
            rows,
            position,
            path,
            minimum=SATISFACTION_MIN,
            maximum=SATISFACTION_MAX,
        )
    return scores.to_numpy()


def _value_error(
    key: str,
    table: pd.DataFrame,
    column: str,
    rows: np.ndarray,
    position: int,
    path: Path,
    **params: object,
) -> HistoryFileError:
    return HistoryFileError(
        key,
        value=str(table[column].iloc[position]),
        column=column,
        row=int(rows[position]),
        file=str(path),
        **params,
    )


def _plain_number(text: str) -> str:
    """Strip currency signs and spaces and turn the decimal separator into a dot.

    With both separators present, the later one is the decimal separator ("1.234,50" and
    "1,234.50"). A lone comma is a thousands separator when it splits off groups of three
    digits ("1,234"), otherwise a decimal comma ("12,50").
    """
    text = _CURRENCY.sub("", text)
    if "," not in text:
        return text
    if "." in text:
        if text.rfind(",") > text.rfind("."):
            return text.replace(".", "").replace(",", ".")
        return text.replace(",", "")
    if _THOUSANDS.match(text):
        return text.replace(",", "")
    return text.replace(",", ".")


def _parse_kinds(
    table: pd.DataFrame, column: str | None, rows: np.ndarray, path: Path
) -> np.ndarray:
    if column is None:
        return np.full(len(table), str(ContactKind.PURCHASE), dtype=object)
    texts = table[column].fillna("").astype(str).str.strip().str.lower()
    known = {str(kind): str(kind) for kind in ContactKind}
    known.update({name: str(kind) for name, kind in KIND_SYNONYMS.items()})
    known[""] = str(ContactKind.PURCHASE)
    kinds = texts.map(known)
    bad = kinds.isna()
    if bad.any():
        position = int(bad.to_numpy().argmax())
        raise HistoryFileError(
            "history_file.error.bad_kind",
            value=str(table[column].iloc[position]),
            column=column,
            row=int(rows[position]),
            file=str(path),
            kinds=", ".join(str(kind) for kind in ContactKind),
        )
    return kinds.to_numpy(dtype=object)
