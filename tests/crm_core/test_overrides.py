"""Parsing of /stage and /level, their choices, and level upgrades."""

from __future__ import annotations

import pytest

from crm_core.model import Level, Stage
from crm_core.overrides import (
    OverrideCommand,
    OverrideField,
    OverrideParseError,
    callback_value,
    choice_list,
    parse_callback_choice,
    parse_choice,
    parse_override_command,
    upgrade_level,
)

STAGE = OverrideField.STAGE
LEVEL = OverrideField.LEVEL


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Acme Ltd decline", OverrideCommand("Acme Ltd", Stage.DECLINE), id="en"),
        pytest.param("Acme Ltd DECLINE", OverrideCommand("Acme Ltd", Stage.DECLINE), id="case"),
        pytest.param("阿里巴巴 衰退期", OverrideCommand("阿里巴巴", Stage.DECLINE), id="zh"),
        pytest.param(
            "阿里巴巴衰退期", OverrideCommand("阿里巴巴", Stage.DECLINE), id="zh-attached"
        ),
        pytest.param("Acme 成熟期", OverrideCommand("Acme", Stage.MATURITY), id="mixed"),
        pytest.param("Acme Ltd automatic", OverrideCommand("Acme Ltd", None), id="automatic"),
        pytest.param("Acme Ltd auto", OverrideCommand("Acme Ltd", None), id="auto"),
        pytest.param("阿里巴巴 自动", OverrideCommand("阿里巴巴", None), id="automatic-zh"),
        pytest.param("Growth Co growth", OverrideCommand("Growth Co", Stage.GROWTH), id="in-name"),
    ],
)
def test_parse_stage_command(text, expected):
    assert parse_override_command(STAGE, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Acme casual buyer", OverrideCommand("Acme", Level.CASUAL_BUYER), id="two"),
        pytest.param("Acme casual_buyer", OverrideCommand("Acme", Level.CASUAL_BUYER), id="value"),
        pytest.param("Acme casual-buyer", OverrideCommand("Acme", Level.CASUAL_BUYER), id="dash"),
        pytest.param("Acme client", OverrideCommand("Acme", Level.CLIENT), id="client"),
        pytest.param("阿里巴巴 客户", OverrideCommand("阿里巴巴", Level.CLIENT), id="client-zh"),
        pytest.param(
            "阿里巴巴 顾客", OverrideCommand("阿里巴巴", Level.CUSTOMER), id="customer-zh"
        ),
        pytest.param(
            "Big Customer partner", OverrideCommand("Big Customer", Level.PARTNER), id="n"
        ),
    ],
)
def test_parse_level_command(text, expected):
    assert parse_override_command(LEVEL, text) == expected


def test_parse_invalid_stage_names_word():
    with pytest.raises(OverrideParseError) as raised:
        parse_override_command(STAGE, "Acme Ltd sleeping")

    assert raised.value.key == "overrides.invalid_stage"
    assert raised.value.params == {"word": "sleeping"}


def test_parse_level_word_is_not_stage():
    with pytest.raises(OverrideParseError) as raised:
        parse_override_command(STAGE, "Acme Ltd client")

    assert raised.value.key == "overrides.invalid_stage"


@pytest.mark.parametrize(
    ("field", "text"),
    [
        pytest.param(STAGE, "", id="empty"),
        pytest.param(STAGE, "   ", id="blank"),
        pytest.param(STAGE, "decline", id="stage-only"),
        pytest.param(LEVEL, "casual buyer", id="level-only"),
    ],
)
def test_parse_without_name_is_usage(field, text):
    with pytest.raises(OverrideParseError) as raised:
        parse_override_command(field, text)

    assert raised.value.key == f"overrides.usage_{field}"


def test_parse_choice_word():
    assert parse_choice(LEVEL, " Partner ") == Level.PARTNER
    assert parse_choice(STAGE, "终止期") == Stage.TERMINATED
    assert parse_choice(STAGE, "Automatic") is None


def test_parse_choice_rejects_unknown():
    with pytest.raises(OverrideParseError):
        parse_choice(LEVEL, "friend")


@pytest.mark.parametrize("choice", [*Stage, None])
def test_callback_round_trip_stage(choice):
    assert parse_callback_choice(STAGE, callback_value(choice)) == choice


@pytest.mark.parametrize("choice", [*Level, None])
def test_callback_round_trip_level(choice):
    assert parse_callback_choice(LEVEL, callback_value(choice)) == choice


def test_callback_rejects_other_field():
    with pytest.raises(ValueError):
        parse_callback_choice(STAGE, "client")


def test_choice_list_languages():
    assert choice_list(STAGE, "en") == (
        "acquisition, growth, maturity, decline, terminated, automatic"
    )
    assert choice_list(LEVEL, "zh") == "偶然购买者、顾客、客户、合作伙伴、自动"


@pytest.mark.parametrize(
    ("level", "suggested", "expected"),
    [
        pytest.param(Level.CUSTOMER, Level.CLIENT, Level.CLIENT, id="deeper"),
        pytest.param("casual_buyer", "partner", Level.PARTNER, id="strings"),
        pytest.param(Level.CLIENT, Level.CLIENT, None, id="same"),
        pytest.param(Level.CLIENT, Level.CUSTOMER, None, id="shallower"),
        pytest.param(Level.CLIENT, None, None, id="none"),
    ],
)
def test_upgrade_level(level, suggested, expected):
    assert upgrade_level(level, suggested) == expected
