"""SQLAlchemy 2 models. Every datetime column is timezone-aware and stored in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetime stored in UTC.

    SQLite has no time zone type and returns naive values, so naive values read back are
    marked as UTC. Naive values written are rejected, because their zone is unknown.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored; pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Churn-risk model of the last full analysis (``ChurnModel.to_dict``), so that scoring
    # one customer after a logged contact uses the same model as the daily run.
    risk_model: Mapped[dict | None] = mapped_column(JSON)
    risk_model_fitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class User(Base):
    """A Telegram user who was let in. ``id`` is the Telegram user id."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    username: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    digest_time: Mapped[time] = mapped_column(Time())
    # False once Telegram reports that the user blocked the bot; pushes skip such users.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Invite(Base):
    """One-time code that lets a new user join the inviter's team with a role."""

    __tablename__ = "invites"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_by: Mapped[int | None] = mapped_column(BigInteger)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Customer(Base):
    """A customer of one team, owned by one rep, with the latest analysis results."""

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("team_id", "name_key", name="uq_customers_team_name"),
        UniqueConstraint("team_id", "external_id", name="uq_customers_team_external_id"),
        Index("ix_customers_owner", "owner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(200))
    # Case-folded, whitespace-collapsed name: the uniqueness key inside a team.
    name_key: Mapped[str] = mapped_column(String(200))
    # Identifier from an imported file (CDNOW customer id), unique inside a team.
    external_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    level: Mapped[str] = mapped_column(String(16), default="casual_buyer")
    suggested_level: Mapped[str | None] = mapped_column(String(16))
    level_set_by: Mapped[int | None] = mapped_column(BigInteger)
    level_set_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    stage: Mapped[str] = mapped_column(String(16), default="acquisition")
    detected_stage: Mapped[str] = mapped_column(String(16), default="acquisition")
    stage_override: Mapped[str | None] = mapped_column(String(16))
    stage_override_by: Mapped[int | None] = mapped_column(BigInteger)
    stage_override_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    stage_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # List of [catalogue key, params] pairs, rendered in the reader's language.
    stage_reason: Mapped[list] = mapped_column(JSON, default=list)
    churn_risk: Mapped[float | None] = mapped_column(Float)

    tier: Mapped[str] = mapped_column(String(1), default="C")
    revenue: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    value_ratio: Mapped[float | None] = mapped_column(Float)
    value_warning: Mapped[bool] = mapped_column(Boolean, default=False)
    analysis: Mapped[dict] = mapped_column(JSON, default=dict)
    analysed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    last_contact_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    next_followup_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Contact(Base):
    """One logged contact or purchase. ``source_key`` makes a redelivered update a no-op."""

    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_customer_time", "customer_id", "occurred_at"),
        Index("ix_contacts_rep_time", "rep_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    rep_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    summary: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    next_step: Mapped[str | None] = mapped_column(Text)
    next_step_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    source: Mapped[str] = mapped_column(String(16), default="bot")
    source_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FollowUp(Base):
    """A follow-up reminder. The tick claims pending rows with ``due_at <= now`` and sends them.

    Status moves pending -> claimed -> sent -> done, or to snoozed (a new pending row
    replaces it) or superseded (a logged contact restarted the clock).
    """

    __tablename__ = "followups"
    __table_args__ = (
        Index("ix_followups_status_due", "status", "due_at"),
        Index("ix_followups_customer_status", "customer_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    rep_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # The next step the rep wrote when logging, shown in the reminder.
    note: Mapped[str | None] = mapped_column(Text)
    # True when a rep chose the date (a next step, a snooze). The daily analysis leaves such
    # a follow-up alone instead of moving it to the cadence date.
    set_by_rep: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    claim_token: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Digest(Base):
    """A manager digest for one local date; the unique key stops two processes sending it twice."""

    __tablename__ = "digests"
    __table_args__ = (
        UniqueConstraint("manager_id", "kind", "local_date", name="uq_digests_manager_kind_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16), default="daily")
    local_date: Mapped[date] = mapped_column(Date())
    status: Mapped[str] = mapped_column(String(16), default="claimed")
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The rendered messages and how many went out, so a retry after a failure part-way
    # resumes with the next part instead of sending the first ones again.
    parts: Mapped[list | None] = mapped_column(JSON)
    parts_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When the content was built: the next digest reports stage changes from here on, so
    # none is missed or repeated when the digest time or the UTC offset changes.
    covered_until: Mapped[datetime | None] = mapped_column(UtcDateTime())


class StageChange(Base):
    """History of stage changes, detected or set by hand (``changed_by`` is then the user id)."""

    __tablename__ = "stage_changes"
    __table_args__ = (Index("ix_stage_changes_customer_time", "customer_id", "changed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    from_stage: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str] = mapped_column(String(16))
    changed_by: Mapped[int | None] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ConversationState(Base):
    """The step and collected values of a multi-step conversation, kept in the database.

    Every bot process reads the step from here on each update, so the next message of a
    conversation may reach any process, and a restart loses nothing.
    """

    __tablename__ = "conversation_states"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class JobRun(Base):
    """One run of a periodic job, such as the daily analysis of a team.

    The primary key makes a run happen once however many bot processes tick.
    """

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ProcessedUpdate(Base):
    """Telegram update ids already handled, so a redelivered update is dropped.

    Telegram redelivers an update when the previous delivery was not acknowledged; with
    several processes, the copy may reach another one. Rows older than two days are
    deleted by the daily cleanup, because Telegram keeps undelivered updates for 24 hours.
    """

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
