"""Enumerations and plain records shared by the domain, the storage and the handlers."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Access role of a bot user.

    Reps see their own customers, managers their team's, admins all.
    """

    REP = "rep"
    MANAGER = "manager"
    ADMIN = "admin"


class Level(StrEnum):
    """Relationship level, from shallow to deep."""

    CASUAL_BUYER = "casual_buyer"
    CUSTOMER = "customer"
    CLIENT = "client"
    PARTNER = "partner"


class Stage(StrEnum):
    """Customer lifecycle stage."""

    ACQUISITION = "acquisition"
    GROWTH = "growth"
    MATURITY = "maturity"
    DECLINE = "decline"
    TERMINATED = "terminated"


class Tier(StrEnum):
    """Value tier by share of revenue: A makes up the top share, C the tail."""

    A = "A"
    B = "B"
    C = "C"


class ContactKind(StrEnum):
    """Kind of a logged contact. Purchases carry an amount; a negative amount is a refund."""

    CALL = "call"
    VISIT = "visit"
    MESSAGE = "message"
    EMAIL = "email"
    MEETING = "meeting"
    PURCHASE = "purchase"
    COMPLAINT = "complaint"
    LOSS = "loss"
    NOTE = "note"


LEVEL_ORDER: tuple[Level, ...] = tuple(Level)
