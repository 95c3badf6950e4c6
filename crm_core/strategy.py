"""Suggested approach for a customer, by lifecycle stage, relationship level and tier."""

from __future__ import annotations

from crm_core.analysis import level_label, tier_label
from crm_core.i18n import translate
from crm_core.model import LEVEL_ORDER, Level, Stage, Tier

WIN_BACK_TIERS: frozenset[Tier] = frozenset({Tier.A, Tier.B})


def suggested_approach(
    stage: Stage, level: Level, tier: Tier, language: str, value_warning: bool = False
) -> str:
    """Return the approach a rep should take with the customer, in ``language``.

    Acquisition aims at the first repeat purchase. Growth and maturity run satisfaction and
    loyalty work and name the next relationship level. A partner has no deeper level, so
    the text turns to joint work. Decline looks for the dissatisfaction and retains.
    Terminated customers get a win-back attempt only in tiers A and B and otherwise no
    follow-up. A value warning appends the early-warning advice.
    """
    stage = Stage(stage)
    level = Level(level)
    tier = Tier(tier)
    if stage in (Stage.GROWTH, Stage.MATURITY):
        next_level = _next_level(level)
        if next_level is None:
            text = translate(language, "analysis.approach.partner")
        else:
            text = translate(
                language,
                f"analysis.approach.{stage}",
                next_level=level_label(next_level, language),
            )
    elif stage is Stage.TERMINATED:
        if tier in WIN_BACK_TIERS:
            text = translate(
                language,
                "analysis.approach.terminated_win_back",
                tier=tier_label(tier, language),
            )
        else:
            text = translate(language, "analysis.approach.terminated_none")
    else:
        text = translate(language, f"analysis.approach.{stage}")

    if value_warning:
        text = f"{text} {translate(language, 'analysis.approach.value_warning')}"
    return text


def _next_level(level: Level) -> Level | None:
    position = LEVEL_ORDER.index(level)
    if position + 1 < len(LEVEL_ORDER):
        return LEVEL_ORDER[position + 1]
    return None
