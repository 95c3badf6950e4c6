"""Console mode: stdin lines are a demo rep's messages; the bot's messages go to stdout."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from console.runner import run_console
from tests.helpers.harness import harness_settings, sqlite_url

PROJECT = Path(__file__).resolve().parents[2]


async def test_console_logs_and_presses_buttons(tmp_path):
    settings = harness_settings(sqlite_url(tmp_path / "crm.sqlite3"))
    stdin = io.StringIO(
        "/log Acme <Ltd> & Co call asked for a quote\n!press 1\n/customer acme\n!press 9\n/today\n"
    )
    stdout = io.StringIO()

    exit_code = await run_console(settings, stdin=stdin, stdout=stdout)

    output = stdout.getvalue()
    assert exit_code == 0
    assert "bot> No customer is called Acme <Ltd> & Co." in output
    assert "[1] Create “Acme <Ltd> & Co”" in output
    assert "bot> Logged: call with Acme <Ltd> & Co" in output
    assert "Stage: acquisition" in output
    assert "! Choose a button number from 1 to" in output
    assert "bot> Follow-ups for" in output


async def test_console_press_without_buttons(tmp_path):
    settings = harness_settings(sqlite_url(tmp_path / "crm.sqlite3"))
    stdout = io.StringIO()

    await run_console(settings, stdin=io.StringIO("!press 1\n"), stdout=stdout)

    assert stdout.getvalue() == "! No message with buttons yet.\n"


async def test_console_keeps_data_between_runs(tmp_path):
    settings = harness_settings(sqlite_url(tmp_path / "crm.sqlite3"))
    await run_console(
        settings, stdin=io.StringIO("/log Acme call hello\n!press 1\n"), stdout=io.StringIO()
    )
    stdout = io.StringIO()

    await run_console(settings, stdin=io.StringIO("/customer Acme\n"), stdout=stdout)

    assert "call by Demo Rep: hello" in stdout.getvalue()


def test_bot_without_token_runs_console(tmp_path):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL")
    }
    environment["DATABASE_URL"] = sqlite_url(tmp_path / "crm.sqlite3")

    completed = subprocess.run(
        [sys.executable, str(PROJECT / "bot.py")],
        input="/help\n/digest\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=120,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert "bot> Commands" in completed.stdout
    assert "Team digest" in completed.stdout
    assert "console mode" in completed.stderr
