"""Webhook mode: Telegram POSTs updates to the bot's own HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from bot import build_application, webhook_path
from console.transport import LocalTransport
from tests.helpers.harness import harness_settings, sqlite_url
from tests.helpers.updates import TgUser, message_update

ADMIN = TgUser(1, "Ada")  # listed in ADMIN_USER_IDS by harness_settings
SECRET = "s3cret-token-for-tests"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def post(port: int, path: str, body: dict, secret: str | None) -> int:
    """POST ``body`` as JSON to the webhook and return the HTTP status."""
    payload = json.dumps(body).encode()
    headers = [
        f"POST /{path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(payload)}",
        "Connection: close",
    ]
    if secret is not None:
        headers.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(("\r\n".join(headers) + "\r\n\r\n").encode() + payload)
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    return int(status_line.split()[1])


@pytest.mark.parametrize(
    ("url", "path"),
    [
        pytest.param("https://bot.example.com/telegram", "telegram", id="one-segment"),
        pytest.param("https://bot.example.com/crm/hook/", "crm/hook", id="trailing-slash"),
        pytest.param("https://bot.example.com", "", id="root"),
    ],
)
def test_webhook_path(url, path):
    assert webhook_path(url) == path


async def test_webhook_update_is_handled(tmp_path):
    transport = LocalTransport()
    port = free_port()
    settings = harness_settings(
        sqlite_url(tmp_path / "crm.sqlite3"),
        webhook_url="https://bot.example.com/telegram",
        webhook_secret_token=SECRET,
    )
    application = build_application(settings, transport=transport)

    async with application:
        await application.post_init(application)
        await application.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path=webhook_path(settings.webhook_url),
            webhook_url=settings.webhook_url,
            secret_token=SECRET,
        )
        await application.start()
        forged = await post(port, "telegram", message_update(transport, ADMIN, "/start"), "bad")
        accepted = await post(port, "telegram", message_update(transport, ADMIN, "/start"), SECRET)
        for _ in range(200):
            if transport.sent:
                break
            await asyncio.sleep(0.05)
        await application.updater.stop()
        await application.stop()
    await application.post_shutdown(application)

    set_webhook = [params for method, params in transport.calls if method == "setWebhook"]
    assert forged == 403
    assert accepted == 200
    assert set_webhook[0]["url"] == "https://bot.example.com/telegram"
    assert len(transport.sent) == 1
    assert "You are an admin" in transport.sent[0].plain
