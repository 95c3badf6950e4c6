"""Access end to end: unknown users, admins from settings, invites and roles."""

from __future__ import annotations

from datetime import timedelta

from crm_core.model import Role
from storage.models import Invite, User
from tests.helpers.updates import TgUser

ADMIN = TgUser(1, "Ada")  # listed in ADMIN_USER_IDS by the harness settings
STRANGER = TgUser(666, "Mallory")
NEWCOMER = TgUser(42, "Rita", language_code="zh-hans")


async def test_unknown_user_is_rejected(harness):
    replies = await harness.send(STRANGER, "/start")

    assert len(replies) == 1
    assert "invited sales teams only" in replies[0].plain
    async with harness.services.sessions() as session:
        assert await session.get(User, STRANGER.id) is None


async def test_unknown_user_sees_no_customer_data(harness):
    await harness.enrol(TgUser(2, "Rep"), Role.REP)

    for command in ("/customer Acme", "/today", "/digest", "/log Acme call hello", "/invite rep"):
        replies = await harness.send(STRANGER, command)
        assert len(replies) == 1, command
        assert "invited sales teams only" in replies[0].plain, command


async def test_listed_admin_becomes_admin(harness):
    replies = await harness.send(ADMIN, "/start")

    assert "You are an admin" in replies[0].plain
    async with harness.services.sessions() as session:
        row = await session.get(User, ADMIN.id)
    assert row.role == "admin"
    assert row.team_id is not None


async def test_invite_and_join_team(harness):
    await harness.send(ADMIN, "/start")
    invite_reply = (await harness.send(ADMIN, "/invite rep"))[0]
    code = invite_reply.plain.split(": ", 1)[1].split()[0]

    joined = await harness.send(NEWCOMER, f"/start {code}")

    assert "销售代表" in joined[0].plain  # the newcomer's Telegram language is Chinese
    async with harness.services.sessions() as session:
        admin = await session.get(User, ADMIN.id)
        rep = await session.get(User, NEWCOMER.id)
    assert rep.role == "rep"
    assert rep.team_id == admin.team_id
    assert rep.language == "zh"


async def test_invite_code_works_once(harness):
    await harness.send(ADMIN, "/start")
    code = (await harness.send(ADMIN, "/invite manager"))[0].plain.split(": ", 1)[1].split()[0]
    await harness.send(NEWCOMER, f"/start {code}")

    second = await harness.send(TgUser(43, "Eve"), f"/start {code}")

    assert "already used" in second[0].plain
    async with harness.services.sessions() as session:
        assert await session.get(User, 43) is None


async def test_expired_invite_is_rejected(harness):
    await harness.send(ADMIN, "/start")
    code = (await harness.send(ADMIN, "/invite rep"))[0].plain.split(": ", 1)[1].split()[0]
    harness.clock.advance(timedelta(days=8))

    replies = await harness.send(TgUser(44, "Ed"), f"/start {code}")

    assert "expired" in replies[0].plain
    async with harness.services.sessions() as session:
        invite = await session.get(Invite, code)
    assert invite.used_at is None


async def test_unknown_invite_code_is_rejected(harness):
    replies = await harness.send(NEWCOMER, "/start NOSUCHCODE")

    assert "不是有效" in replies[0].plain or "无效" in replies[0].plain


async def test_rep_cannot_invite(harness):
    manager = TgUser(10, "Mona")
    rep = TgUser(11, "Ron")
    await harness.enrol(manager, Role.MANAGER)
    await harness.enrol(rep, Role.REP, team_of=manager)

    replies = await harness.send(rep, "/invite rep")

    assert "Only managers and admins" in replies[0].plain


async def test_manager_cannot_invite_manager(harness):
    manager = TgUser(10, "Mona")
    await harness.enrol(manager, Role.MANAGER)

    replies = await harness.send(manager, "/invite manager")

    assert "Only admins can invite managers" in replies[0].plain


async def test_invite_without_role_shows_usage(harness):
    await harness.send(ADMIN, "/start")

    replies = await harness.send(ADMIN, "/invite boss")

    assert "Usage: /invite rep" in replies[0].plain


async def test_language_and_timezone_settings(harness):
    rep = TgUser(11, "Ron")
    await harness.enrol(rep, Role.REP)

    chinese = await harness.send(rep, "/lang zh")
    bad_zone = await harness.send(rep, "/tz Mars/Olympus")
    zone = await harness.send(rep, "/tz Asia/Shanghai")

    assert "简体中文" in chinese[0].plain
    assert "Mars/Olympus" in bad_zone[0].plain
    assert "不是有效的时区" in bad_zone[0].plain
    assert "Asia/Shanghai" in zone[0].plain
    assert "2026-03-02 18:00" in zone[0].plain  # 10:00 UTC is 18:00 in Shanghai
    async with harness.services.sessions() as session:
        row = await session.get(User, rep.id)
    assert row.language == "zh"
    assert row.timezone == "Asia/Shanghai"


async def test_unknown_command_points_to_help(harness):
    rep = TgUser(11, "Ron")
    await harness.enrol(rep, Role.REP)

    replies = await harness.send(rep, "/frobnicate")

    assert "/help" in replies[0].plain


async def test_help_lists_manager_commands_for_managers(harness):
    manager = TgUser(10, "Mona")
    rep = TgUser(11, "Ron")
    await harness.enrol(manager, Role.MANAGER)
    await harness.enrol(rep, Role.REP, team_of=manager)

    manager_help = (await harness.send(manager, "/help"))[0].plain
    rep_help = (await harness.send(rep, "/help"))[0].plain

    assert "/digest" in manager_help
    assert "/digest" not in rep_help


async def invite_code(harness, inviter: TgUser, role: str) -> str:
    reply = (await harness.send(inviter, f"/invite {role}"))[0]
    return reply.plain.split(": ", 1)[1].split()[0]


async def test_managers_invited_by_admin_lead_own_teams(harness):
    north, south = TgUser(20, "North"), TgUser(21, "South")
    north_rep = TgUser(30, "Nora")
    await harness.send(ADMIN, "/start")
    await harness.send(north, f"/start {await invite_code(harness, ADMIN, 'manager')}")
    await harness.send(south, f"/start {await invite_code(harness, ADMIN, 'manager')}")
    await harness.send(north_rep, f"/start {await invite_code(harness, north, 'rep')}")
    await harness.send(north_rep, "/log Polar Ltd call hello")
    await harness.press(north_rep, 1)

    south_view = await harness.send(south, "/customer Polar Ltd")
    north_view = await harness.send(north, "/customer Polar Ltd")
    admin_view = await harness.send(ADMIN, "/customer Polar Ltd")

    async with harness.services.sessions() as session:
        teams = {
            user.id: user.team_id
            for user in [await session.get(User, uid) for uid in (1, 20, 21, 30)]
        }
    assert len({teams[1], teams[20], teams[21]}) == 3
    assert teams[30] == teams[20]
    assert south_view[-1].plain.startswith("None of your customers")
    assert "Polar" in south_view[-1].plain  # the name typed, nothing of the card
    assert north_view[-1].plain.startswith("Polar Ltd")
    assert admin_view[-1].plain.startswith("Polar Ltd")


async def test_admin_sees_owner_on_same_names(harness):
    max_, noa = TgUser(40, "Max"), TgUser(41, "Noa")
    await harness.send(ADMIN, "/start")
    await harness.send(max_, f"/start {await invite_code(harness, ADMIN, 'manager')}")
    await harness.send(noa, f"/start {await invite_code(harness, ADMIN, 'manager')}")
    for manager in (max_, noa):
        await harness.send(manager, "/log Acme call hello")
        await harness.press(manager, 1)

    offer = (await harness.send(ADMIN, "/stage Acme decline"))[-1]
    card_choice = (await harness.send(ADMIN, "/customer Acme"))[-1]

    assert [button["text"] for button in offer.buttons] == ["Acme (Max)", "Acme (Noa)"]
    assert offer.plain.startswith("Acme does not name exactly one of your customers")
    assert [button["text"] for button in card_choice.buttons] == ["Acme (Max)", "Acme (Noa)"]
