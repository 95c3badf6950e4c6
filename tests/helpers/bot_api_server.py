"""A Bot API server on 127.0.0.1 that answers over real HTTP with the local transport's logic.

It stands in for a self-hosted telegram-bot-api server, so a test can run the bot with
``TELEGRAM_API_BASE_URL`` pointing at it and python-telegram-bot's own HTTP client.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qsl

from telegram.request import RequestData

from console.transport import LocalTransport


class _FormRequestData(RequestData):
    """Request parameters parsed from a form body, in the shape LocalTransport reads."""

    def __init__(self, parameters: dict[str, str]) -> None:
        super().__init__()
        self._parsed = parameters

    @property
    def parameters(self) -> dict[str, str]:
        return self._parsed


class BotApiServer:
    """Serves ``POST /bot<token>/<method>`` from a LocalTransport until closed."""

    def __init__(self, transport: LocalTransport) -> None:
        self.transport = transport
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> BotApiServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    break
                _, path, _ = request_line.decode().split(" ", 2)
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                parameters = self._parse(body, headers.get("content-type", ""))
                status, payload = await self.transport.do_request(
                    path, "POST", _FormRequestData(parameters)
                )
                writer.write(
                    f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(payload)}\r\n\r\n".encode()
                    + payload
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    @staticmethod
    def _parse(body: bytes, content_type: str) -> dict[str, str]:
        if not body:
            return {}
        if content_type.startswith("application/json"):
            return {key: value for key, value in json.loads(body).items()}
        return dict(parse_qsl(body.decode(), keep_blank_values=True))
