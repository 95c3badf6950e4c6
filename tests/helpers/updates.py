"""Update builders for tests; the same builders feed the console."""

from console.updates import TgUser, callback_update, last_message_with_buttons, message_update

__all__ = ["TgUser", "callback_update", "last_message_with_buttons", "message_update"]
