"""Settings from the environment: parsing, validation and defaults."""

from __future__ import annotations

from datetime import time

import pytest
from pydantic import ValidationError

from settings import Settings


def make(**values: object) -> Settings:
    return Settings(_env_file=None, **values)


def test_defaults():
    settings = make()

    assert settings.console_mode
    assert settings.default_digest_time == time(8, 30)
    assert settings.tier_cutoffs == (0.8, 0.95)
    assert settings.database_url.startswith("sqlite+aiosqlite:///")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("1, 2,3", frozenset({1, 2, 3}), id="commas-and-spaces"),
        pytest.param("42", frozenset({42}), id="one"),
        pytest.param("", frozenset(), id="empty"),
    ],
)
def test_admin_user_ids_parsed(monkeypatch, raw, expected):
    monkeypatch.setenv("ADMIN_USER_IDS", raw)

    assert make().admin_user_ids == expected


@pytest.mark.parametrize(
    ("values", "message"),
    [
        pytest.param({"default_timezone": "Mars/Olympus"}, "not an IANA time zone", id="zone"),
        pytest.param({"default_language": "fr"}, "must be one of en, zh", id="language"),
        pytest.param({"tick_seconds": 120}, "less than or equal to 60", id="tick"),
        pytest.param(
            {"tier_a_share": 0.9, "tier_b_share": 0.8}, "must be above TIER_A_SHARE", id="tiers"
        ),
        pytest.param(
            {"webhook_url": "https://bot.example.com/hook"},
            "WEBHOOK_URL needs WEBHOOK_SECRET_TOKEN",
            id="webhook-without-secret",
        ),
        pytest.param(
            {"webhook_url": "https://bot.example.com/hook", "webhook_secret_token": "short"},
            "WEBHOOK_URL needs WEBHOOK_SECRET_TOKEN",
            id="webhook-short-secret",
        ),
        pytest.param(
            {"webhook_secret_token": "has spaces in it but long"},
            "should match pattern",
            id="webhook-secret-characters",
        ),
    ],
)
def test_invalid_settings_rejected(values, message):
    with pytest.raises(ValidationError, match=message):
        make(**values)


def test_invalid_admin_ids_rejected(monkeypatch):
    monkeypatch.setenv("ADMIN_USER_IDS", "alice,bob")

    with pytest.raises(ValidationError, match="must be Telegram user ids"):
        make()


def test_env_file_values_read(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DEFAULT_LANGUAGE=zh\nTELEGRAM_BOT_TOKEN=123:abc\n")

    settings = Settings(_env_file=env_file)

    assert settings.default_language == "zh"
    assert not settings.console_mode
