"""Fuzzy matching of a typed customer name against the customers a user can see."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from crm_core.parsing import normalize_name

# Score (0-100) from which a name counts as a near match. "acm ltd" scores 93 against
# "Acme Ltd", "acme" 90 against "Acme Corporation", "globx" 91 against "Globex" and
# "akme" 75 against "Acme".
DEFAULT_THRESHOLD = 80.0
DEFAULT_LIMIT = 5
# Weight of a partial match ("acme" inside "acme ltd"), so that it ranks below a full one.
PARTIAL_WEIGHT = 0.9
# Below this display width partial matching would make "co" match every "... Co", so short
# queries are scored by full-string ratios only. A wide (CJK) character counts 2, so "阿里"
# still finds "阿里巴巴".
MIN_PARTIAL_WIDTH = 4


@dataclass(frozen=True)
class NameMatch:
    """A visible customer whose name matches the typed one, with a score from 0 to 100."""

    customer_id: int
    name: str
    score: float


@dataclass(frozen=True)
class MatchResult:
    """Outcome of matching one typed name.

    ``exact`` is set when exactly one customer has the same normalised name. Otherwise
    ``near`` lists the best candidates, best first. Several customers with the same
    normalised name, possible for an admin who can read every team, all appear there with
    score 100.
    """

    exact: NameMatch | None
    near: tuple[NameMatch, ...] = ()

    @property
    def is_unknown(self) -> bool:
        """True when no customer matched at all."""
        return self.exact is None and not self.near


def match_customer(
    typed: str,
    customers: Iterable[tuple[int, str]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = DEFAULT_LIMIT,
) -> MatchResult:
    """Match ``typed`` against ``(customer_id, name)`` pairs.

    An exact match after ``normalize_name`` wins. Otherwise the names scoring at least
    ``threshold`` are returned as near matches, at most ``limit`` of them, best first and
    then by name.
    """
    key = normalize_name(typed)
    candidates = list(customers)
    if not key or not candidates:
        return MatchResult(exact=None)

    exact = [
        NameMatch(customer_id, name, 100.0)
        for customer_id, name in candidates
        if normalize_name(name) == key
    ]
    if len(exact) == 1:
        return MatchResult(exact=exact[0])
    if exact:
        return MatchResult(exact=None, near=tuple(sorted(exact, key=_order)[:limit]))

    scorer = _score_with_partial if _display_width(key) >= MIN_PARTIAL_WIDTH else _score_whole
    scored = process.extract(
        key,
        {index: normalize_name(name) for index, (_, name) in enumerate(candidates)},
        scorer=scorer,
        score_cutoff=threshold,
        limit=None,
    )
    near = [
        NameMatch(candidates[index][0], candidates[index][1], round(score, 1))
        for _, score, index in scored
    ]
    return MatchResult(exact=None, near=tuple(sorted(near, key=_order)[:limit]))


def _order(match: NameMatch) -> tuple[float, str, int]:
    return (-match.score, normalize_name(match.name), match.customer_id)


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _score_whole(typed: str, name: str, **kwargs: object) -> float:
    """Score the whole strings, in any word order ("ltd acme" = "acme ltd")."""
    return max(fuzz.ratio(typed, name), fuzz.token_sort_ratio(typed, name))


def _score_with_partial(typed: str, name: str, **kwargs: object) -> float:
    """Score as ``_score_whole``, or as the best-matching part of the longer string.

    WRatio is not used, because its token-set part scores "overdue co" 86 against "big co"
    for the shared word "co" alone.
    """
    partial = PARTIAL_WEIGHT * fuzz.partial_ratio(typed, name)
    return max(_score_whole(typed, name), partial)
