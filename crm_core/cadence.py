"""Follow-up cadence: the interval table and the date of the next follow-up."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from crm_core.model import Level, Stage, Tier

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "config" / "cadence.toml"
NO_FOLLOWUP = "none"


class CadenceError(ValueError):
    """Raised when a cadence file is missing, is not valid TOML or has invalid entries."""


@dataclass(frozen=True)
class CadenceTable:
    """Follow-up intervals by stage and tier, scaled by relationship level.

    Attributes:
        days: Interval in days per (stage, tier). None means no follow-up.
        level_factor: Multiplier of the interval per level.
    """

    days: Mapping[tuple[Stage, Tier], int | None]
    level_factor: Mapping[Level, float]

    @classmethod
    def load(cls, path: Path) -> CadenceTable:
        """Read a cadence table from a TOML file.

        The file has an ``[interval_days]`` table with one inline table per stage that maps
        each tier to a positive whole number of days or to ``"none"``, and a
        ``[level_factor]`` table with a positive number per level. Every stage, tier and
        level must be present.

        Raises:
            CadenceError: If the file is missing, is not valid TOML, or an entry is missing,
                unknown or not a valid value. The message names the file and the entry.
        """
        try:
            with path.open("rb") as handle:
                document = tomllib.load(handle)
        except FileNotFoundError as error:
            raise CadenceError(f"cadence file {path} not found") from error
        except tomllib.TOMLDecodeError as error:
            raise CadenceError(f"cadence file {path} is not valid TOML: {error}") from error
        return cls(
            days=_read_intervals(document, path),
            level_factor=_read_factors(document, path),
        )

    @classmethod
    def default(cls) -> CadenceTable:
        """Load the shipped table from config/cadence.toml."""
        return cls.load(DEFAULT_PATH)

    def interval(self, stage: Stage, tier: Tier, level: Level) -> timedelta | None:
        """Return the time from the last contact to the next follow-up.

        The stage and tier entry is multiplied by the level factor and rounded half up to
        whole days, at least 1. Returns None when the entry is ``"none"``: the customer gets
        no follow-up (by default a terminated tier C customer, whose value does not justify
        a win-back).
        """
        days = self.days[(Stage(stage), Tier(tier))]
        if days is None:
            return None
        scaled = math.floor(days * self.level_factor[Level(level)] + 0.5)
        return timedelta(days=max(1, scaled))


def _read_intervals(document: dict, path: Path) -> dict[tuple[Stage, Tier], int | None]:
    section = _section(document, "interval_days", path)
    _reject_unknown(section, {str(stage) for stage in Stage}, "interval_days", path)
    days: dict[tuple[Stage, Tier], int | None] = {}
    for stage in Stage:
        row = section.get(str(stage))
        if not isinstance(row, dict):
            raise CadenceError(f"cadence file {path}: interval_days.{stage} is missing")
        _reject_unknown(row, {str(tier) for tier in Tier}, f"interval_days.{stage}", path)
        for tier in Tier:
            name = f"interval_days.{stage}.{tier}"
            if str(tier) not in row:
                raise CadenceError(f"cadence file {path}: {name} is missing")
            value = row[str(tier)]
            if value == NO_FOLLOWUP:
                days[(stage, tier)] = None
            elif isinstance(value, int) and not isinstance(value, bool) and value > 0:
                days[(stage, tier)] = value
            else:
                raise CadenceError(
                    f"cadence file {path}: {name} = {value!r} is invalid, "
                    f'expected a whole number of days above 0 or "{NO_FOLLOWUP}"'
                )
    return days


def _read_factors(document: dict, path: Path) -> dict[Level, float]:
    section = _section(document, "level_factor", path)
    _reject_unknown(section, {str(level) for level in Level}, "level_factor", path)
    factors: dict[Level, float] = {}
    for level in Level:
        value = section.get(str(level))
        valid = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
        if not valid:
            raise CadenceError(
                f"cadence file {path}: level_factor.{level} = {value!r} is invalid, "
                "expected a number above 0"
            )
        factors[level] = float(value)
    return factors


def _section(document: dict, name: str, path: Path) -> dict:
    section = document.get(name)
    if not isinstance(section, dict):
        raise CadenceError(f"cadence file {path}: table [{name}] is missing")
    return section


def _reject_unknown(table: dict, known: set[str], name: str, path: Path) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise CadenceError(
            f"cadence file {path}: unknown key {', '.join(unknown)} in {name}, "
            f"expected {', '.join(sorted(known))}"
        )


def next_followup_at(
    last_contact_at: datetime,
    interval: timedelta | None,
    timezone: ZoneInfo,
    local_time: time = time(9, 0),
) -> datetime | None:
    """Compute the next follow-up: ``interval`` days after the last contact, at a local time.

    The day is counted on the calendar of ``timezone``: the local date of the last
    contact plus the interval's days, at ``local_time`` there. A DST change in between
    therefore does not move the follow-up off ``local_time``. A local time that falls in a
    DST gap resolves with the offset in force before the gap (zoneinfo, ``fold=0``), so
    09:00 never lands there but 02:30 on a spring-forward day becomes 03:30.

    Args:
        last_contact_at: Aware datetime of the last logged contact.
        interval: Whole days from ``CadenceTable.interval``. None means no follow-up.
        timezone: The user's IANA zone.
        local_time: Naive wall-clock time of the follow-up.

    Returns:
        Aware UTC datetime, or None when ``interval`` is None.

    Raises:
        ValueError: If ``last_contact_at`` is naive or ``interval`` is not whole days.
    """
    if interval is None:
        return None
    if last_contact_at.tzinfo is None:
        raise ValueError(
            f"last_contact_at must be timezone-aware, got naive {last_contact_at.isoformat()}"
        )
    if interval.seconds or interval.microseconds:
        raise ValueError(f"interval must be whole days, got {interval}")

    local_date = last_contact_at.astimezone(timezone).date() + timedelta(days=interval.days)
    local_moment = datetime.combine(local_date, local_time.replace(tzinfo=None), timezone)
    return local_moment.astimezone(UTC)
