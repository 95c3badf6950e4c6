"""Polling mode over real HTTP, against a Bot API server given by TELEGRAM_API_BASE_URL."""

from __future__ import annotations

import asyncio

from bot import build_application
from console.transport import LocalTransport
from tests.helpers.bot_api_server import BotApiServer
from tests.helpers.harness import harness_settings, sqlite_url
from tests.helpers.updates import TgUser, message_update

ADMIN = TgUser(1, "Ada")  # listed in ADMIN_USER_IDS by harness_settings


async def test_polling_against_self_hosted_api(tmp_path):
    transport = LocalTransport()
    async with BotApiServer(transport) as server:
        settings = harness_settings(
            sqlite_url(tmp_path / "crm.sqlite3"),
            telegram_bot_token="123456:TEST-TOKEN",
            telegram_api_base_url=server.base_url,
        )
        application = build_application(settings)
        transport.push_update(message_update(transport, ADMIN, "/start"))

        async with application:
            await application.post_init(application)
            await application.updater.start_polling(poll_interval=0.0, timeout=1)
            await application.start()
            for _ in range(200):
                if transport.sent:
                    break
                await asyncio.sleep(0.05)
            await application.updater.stop()
            await application.stop()
        await application.post_shutdown(application)

    called = [method for method, _ in transport.calls]
    assert "getMe" in called
    assert "getUpdates" in called
    assert len(transport.sent) == 1
    assert transport.sent[0].chat_id == ADMIN.id
    assert "You are an admin" in transport.sent[0].plain
