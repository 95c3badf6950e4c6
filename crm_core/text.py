"""Telegram text limits: lengths in UTF-16 code units and splitting of long HTML replies."""

from __future__ import annotations

import re

MESSAGE_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64

_TAG = re.compile(r"</?([a-zA-Z0-9-]+)[^>]*>")


def utf16_len(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units, as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split HTML ``text`` into parts of at most ``limit`` UTF-16 units.

    Splits on line boundaries. Tags open at a boundary are closed at the end of one part
    and reopened at the start of the next, so every part is valid HTML. A single line
    longer than the limit is cut between characters, never inside a tag or an entity.
    """
    if utf16_len(text) <= limit:
        return [text]

    parts: list[str] = []
    current = ""
    for piece in _pieces(text, limit // 2):
        candidate = current + piece
        closing = "".join(f"</{_tag_name(tag)}>" for tag in reversed(_open_tags(candidate)))
        if current and utf16_len(candidate + closing) > limit:
            still_open = _open_tags(current)
            parts.append(current + "".join(f"</{_tag_name(t)}>" for t in reversed(still_open)))
            current = "".join(still_open) + piece
        else:
            current = candidate
    if current.strip():
        parts.append(current)
    return parts


def _pieces(text: str, max_units: int) -> list[str]:
    """Cut ``text`` into lines (with their newline), and over-long lines into safe chunks."""
    pieces: list[str] = []
    for line in text.splitlines(keepends=True):
        if utf16_len(line) <= max_units:
            pieces.append(line)
            continue
        chunk = ""
        for token in re.findall(r"<[^>]*>|&[#a-zA-Z0-9]+;|.", line, flags=re.DOTALL):
            if chunk and utf16_len(chunk + token) > max_units:
                pieces.append(chunk)
                chunk = ""
            chunk += token
        if chunk:
            pieces.append(chunk)
    return pieces


def _open_tags(html_text: str) -> list[str]:
    """Return the opening tags (as written) that are still open at the end of ``html_text``."""
    stack: list[str] = []
    for match in _TAG.finditer(html_text):
        tag = match.group(0)
        if tag.startswith("</"):
            name = match.group(1).lower()
            for index in range(len(stack) - 1, -1, -1):
                if _tag_name(stack[index]) == name:
                    del stack[index]
                    break
        else:
            stack.append(tag)
    return stack


def _tag_name(tag: str) -> str:
    match = _TAG.match(tag)
    return match.group(1).lower() if match else ""
