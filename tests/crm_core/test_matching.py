"""Fuzzy matching of typed customer names."""

from __future__ import annotations

import pytest

from crm_core.matching import MatchResult, NameMatch, match_customer

CUSTOMERS = [
    (1, "Acme Ltd"),
    (2, "Acme Corporation"),
    (3, "Acne Studios"),
    (4, "Beta Co"),
    (5, "阿里巴巴"),
    (6, "阿里云"),
    (7, "<b>& Co"),
    (8, "Globex"),
]


def ids(result: MatchResult) -> list[int]:
    return [match.customer_id for match in result.near]


@pytest.mark.parametrize(
    ("typed", "customer_id"),
    [
        pytest.param("Acme Ltd", 1, id="same"),
        pytest.param("acme ltd", 1, id="case"),
        pytest.param("  ACME   LTD ", 1, id="spaces"),
        pytest.param("Ａｃｍｅ Ｌｔｄ", 1, id="full-width"),
        pytest.param("<B>& co", 7, id="html-characters"),
        pytest.param("阿里巴巴", 5, id="chinese"),
    ],
)
def test_match_exact(typed, customer_id):
    result = match_customer(typed, CUSTOMERS)

    assert result.exact == NameMatch(customer_id, dict(CUSTOMERS)[customer_id], 100.0)
    assert result.near == ()


@pytest.mark.parametrize(
    ("typed", "expected_ids"),
    [
        pytest.param("acm ltd", [1], id="typo"),
        pytest.param("Acme ltd.", [1], id="trailing-dot"),
        pytest.param("ltd acme", [1], id="word-order"),
        pytest.param("acme corp", [2], id="abbreviation"),
        # Both start with "acme"; equal scores are ordered by name.
        pytest.param("acme", [2, 1], id="prefix-of-two"),
        pytest.param("globx", [8], id="missing-letter"),
        pytest.param("beta", [4], id="prefix"),
        pytest.param("阿里", [6, 5], id="chinese-prefix"),
    ],
)
def test_match_near(typed, expected_ids):
    result = match_customer(typed, CUSTOMERS)

    assert result.exact is None
    assert ids(result) == expected_ids


def test_match_near_best_first():
    customers = [*CUSTOMERS, (9, "Globe Inc")]

    result = match_customer("globe", customers)

    # Globex: full ratio 2 * 5 / 11 = 90.9. Globe Inc: partial match 100, weighted 0.9.
    assert [(match.name, match.score) for match in result.near] == [
        ("Globex", 90.9),
        ("Globe Inc", 90.0),
    ]


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("zzz", id="nothing-alike"),
        # A short query must not match every "... Co" through partial matching.
        pytest.param("co", id="short-query"),
        pytest.param("akme", id="below-threshold"),
        # Sharing the word "co" alone is no match.
        pytest.param("Overdue Co", id="shared-suffix"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
    ],
)
def test_match_unknown(typed):
    result = match_customer(typed, CUSTOMERS)

    assert result.is_unknown


def test_match_no_customers():
    assert match_customer("Acme", []).is_unknown


def test_match_duplicate_names_offered():
    # An admin can read every team, and two teams can have customers of the same name.
    customers = [*CUSTOMERS, (9, "acme LTD")]

    result = match_customer("Acme Ltd", customers)

    assert result.exact is None
    assert ids(result) == [1, 9]
    assert [match.score for match in result.near] == [100.0, 100.0]


def test_match_limit():
    customers = [(index, f"Acme {index}") for index in range(10)]

    result = match_customer("Acme", customers, limit=3)

    assert len(result.near) == 3


def test_match_threshold():
    strict = match_customer("acm ltd", CUSTOMERS, threshold=95)
    loose = match_customer("akme", CUSTOMERS, threshold=60)

    assert strict.is_unknown
    assert 1 in ids(loose)


def test_match_accepts_generator():
    result = match_customer("Globex", ((cid, name) for cid, name in CUSTOMERS))

    assert result.exact == NameMatch(8, "Globex", 100.0)
