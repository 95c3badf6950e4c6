"""Messages of console mode, printed to the terminal."""

MESSAGES: dict[str, dict[str, str]] = {
    "console.welcome": {
        "en": "Console mode: type messages as a sales rep, e.g. /help or /log. "
        "Type !press N to press button N of the last message with buttons. Ctrl-D quits.",
        "zh": "控制台模式：以销售代表身份输入消息，例如 /help 或 /log。"
        "输入 !press N 按下最近一条带按钮消息的第 N 个按钮。按 Ctrl-D 退出。",
    },
    "console.no_buttons": {
        "en": "No message with buttons yet.",
        "zh": "还没有带按钮的消息。",
    },
    "console.bad_button": {
        "en": "Choose a button number from 1 to {count}.",
        "zh": "请选择 1 到 {count} 之间的按钮编号。",
    },
}
