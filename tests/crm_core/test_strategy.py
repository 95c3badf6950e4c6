"""Suggested approach per stage, level and tier."""

from __future__ import annotations

from crm_core.model import Level, Stage, Tier
from crm_core.strategy import suggested_approach


def test_acquisition_wins_repeat_purchase():
    text = suggested_approach(Stage.ACQUISITION, Level.CASUAL_BUYER, Tier.C, "en")

    assert text.startswith("Win the first repeat purchase")


def test_growth_names_next_level():
    text = suggested_approach(Stage.GROWTH, Level.CUSTOMER, Tier.B, "en")

    assert "towards client" in text


def test_maturity_names_next_level():
    text = suggested_approach(Stage.MATURITY, Level.CLIENT, Tier.A, "en")

    assert "towards partner" in text


def test_partner_has_no_next_level():
    text = suggested_approach(Stage.MATURITY, Level.PARTNER, Tier.A, "en")

    assert "joint project" in text


def test_decline_retains():
    text = suggested_approach(Stage.DECLINE, Level.CUSTOMER, Tier.C, "en")

    assert text.startswith("Find the dissatisfaction")
    assert "exit barriers" in text


def test_terminated_valuable_wins_back():
    text = suggested_approach(Stage.TERMINATED, Level.CUSTOMER, Tier.B, "en")

    assert text.startswith("Tier B value justifies a win-back attempt")


def test_terminated_low_value_no_followup():
    text = suggested_approach(Stage.TERMINATED, Level.CUSTOMER, Tier.C, "en")

    assert text.startswith("No follow-up")


def test_value_warning_appended():
    text = suggested_approach(Stage.GROWTH, Level.CUSTOMER, Tier.A, "en", value_warning=True)

    assert text.endswith("before the customer compares offers.")


def test_chinese_text_names_level():
    text = suggested_approach("growth", "customer", "B", "zh")

    assert "客户" in text
    assert text.startswith("提升满意度")
