"""Settings of the bot, read once from the environment and optional ``.env`` files.

Handlers never read the environment; they receive this object through
``context.bot_data["settings"]``. ``.env.example`` lists every variable.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from crm_core.i18n import LANGUAGES

PROJECT_DIR = Path(__file__).resolve().parent
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{PROJECT_DIR / 'data' / 'crm.sqlite3'}"
OFFICIAL_API_BASE_URL = "https://api.telegram.org/bot"
# Telegram accepts 1 to 256 characters; short secrets can be guessed.
MIN_WEBHOOK_SECRET_LENGTH = 16


class Settings(BaseSettings):
    """Settings of one bot process. Every process of one deployment must use the same values."""

    # The project folder's .env first, then one in the working directory, which wins.
    model_config = SettingsConfigDict(
        env_file=(PROJECT_DIR / ".env", ".env"),
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    telegram_bot_token: str = ""
    telegram_api_base_url: str = OFFICIAL_API_BASE_URL
    database_url: str = DEFAULT_DATABASE_URL
    admin_user_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    default_timezone: str = "UTC"
    default_language: str = "en"
    default_digest_time: time = time(8, 30)
    cadence_file: Path = PROJECT_DIR / "config" / "cadence.toml"
    # The tick that claims due follow-ups and digests; at most a minute apart.
    tick_seconds: float = Field(default=30.0, gt=0, le=60)
    # Value tiers: tier A is the customers who make up the top TIER_A_SHARE of a team's
    # revenue, tier B the customers up to TIER_B_SHARE, tier C the rest.
    tier_a_share: float = Field(default=0.8, gt=0, lt=1)
    tier_b_share: float = Field(default=0.95, gt=0, le=1)
    # Maximum follow-up pushes to one rep in any 24 hours. After importing an old history a
    # rep may have thousands due at once; the rest stay due, the most valuable go first.
    max_pushes_per_rep_per_day: int = Field(default=40, ge=1)
    # Analyse each team's whole book once a day in the tick. Turn off only when another
    # process (a cron job running the same code) does it.
    daily_analysis: bool = True
    log_level: str = "INFO"
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret_token: str = Field(default="", max_length=256, pattern=r"^[A-Za-z0-9_-]*$")

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = value.replace(";", ",").replace(" ", ",").split(",")
            try:
                return frozenset(int(part) for part in parts if part.strip())
            except ValueError as error:
                raise ValueError(
                    f"ADMIN_USER_IDS must be Telegram user ids separated by commas, got {value!r}"
                ) from error
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("default_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"DEFAULT_TIMEZONE {value!r} is not an IANA time zone") from error
        return value

    @field_validator("default_language")
    @classmethod
    def _check_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(
                f"DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}, got {value!r}"
            )
        return value

    @model_validator(mode="after")
    def _check_webhook_secret(self) -> Settings:
        # Without the secret, anyone who reaches the webhook can post updates in any
        # user's name, admins included.
        if self.webhook_url and len(self.webhook_secret_token) < MIN_WEBHOOK_SECRET_LENGTH:
            raise ValueError(
                "WEBHOOK_URL needs WEBHOOK_SECRET_TOKEN, at least "
                f"{MIN_WEBHOOK_SECRET_LENGTH} characters of A-Z, a-z, 0-9, _ and -, "
                "for example the output of: python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'"
            )
        return self

    @model_validator(mode="after")
    def _check_tier_shares(self) -> Settings:
        if self.tier_b_share <= self.tier_a_share:
            raise ValueError(
                f"TIER_B_SHARE ({self.tier_b_share}) must be above TIER_A_SHARE "
                f"({self.tier_a_share})"
            )
        return self

    @property
    def tier_cutoffs(self) -> tuple[float, float]:
        """Cumulative revenue shares that close tiers A and B."""
        return (self.tier_a_share, self.tier_b_share)

    @property
    def console_mode(self) -> bool:
        """True when there is no token, so the bot runs against the local transport."""
        return not self.telegram_bot_token
