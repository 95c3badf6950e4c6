"""Fuzzy matching of a typed customer name against the customers a user can see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from crm_core.parsing import normalize_name

# WRatio score (0-100) from which a name counts as a near match. "acm ltd" scores 93 against
# "Acme Ltd", "akme" 68 and "globx" 91 against "Globex".
DEFAULT_THRESHOLD = 80.0
DEFAULT_LIMIT = 5
# Below this many characters WRatio's partial matching makes "co" match every "... Co",
# so short queries are scored by plain edit-distance ratio instead.
MIN_PARTIAL_LENGTH = 4


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
    ``near`` lists the best candidates, best first; several customers with the same
    normalised name (an admin sees every team) all appear there with score 100.
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

    scorer = fuzz.WRatio if len(key) >= MIN_PARTIAL_LENGTH else fuzz.ratio
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
