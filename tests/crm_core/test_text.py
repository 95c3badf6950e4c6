"""Splitting long HTML replies under Telegram's limit, counted in UTF-16 units."""

from __future__ import annotations

from console.transport import html_to_plain
from crm_core.text import split_message, utf16_len


def test_utf16_len_counts_surrogate_pairs():
    assert utf16_len("a😀中") == 4  # the emoji takes two UTF-16 units


def test_short_text_is_one_part():
    assert split_message("<b>hi</b>") == ["<b>hi</b>"]


def test_long_text_splits_on_lines_under_limit():
    text = "".join(f"<i>line {i} 😀 &amp; more</i>\n" for i in range(600))

    parts = split_message(text)

    assert len(parts) > 1
    for part in parts:
        assert utf16_len(part) <= 4096
        html_to_plain(part)  # every part is valid Telegram HTML
    assert "".join(parts) == text


def test_open_tag_is_closed_and_reopened():
    text = "<b>" + "word\n" * 1500 + "</b>"

    parts = split_message(text)

    assert len(parts) > 1
    for part in parts:
        assert part.startswith("<b>")
        assert part.rstrip().endswith("</b>")
        html_to_plain(part)


def test_one_long_line_is_cut_outside_entities():
    text = "&amp;" * 3000

    parts = split_message(text)

    assert len(parts) > 1
    for part in parts:
        assert utf16_len(part) <= 4096
        assert html_to_plain(part) == "&" * (len(part) // 5)
