"""A conversation handler whose step and values live in the database, not in process memory.

python-telegram-bot's ConversationHandler keeps each chat's step in the memory of the
process that saw the last update. With several bot processes behind a webhook, the next
message may reach another process, and a restart forgets every open conversation.
``StoredConversationHandler`` takes the same entry points, states and fallbacks, but reads
the step from ``conversation_states`` on every update and writes it back after the step.

Step callbacks keep their collected values in ``context.user_data[name]``, a dict that is
loaded before and saved after each step. Its values must be JSON-serialisable (ids,
strings, numbers, ISO dates), never ORM objects.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, BaseHandler, ContextTypes

from crm_core.i18n import normalize_language, translate
from handlers.common import Services, get_services
from storage.models import ConversationState, User

logger = logging.getLogger(__name__)

END = -1
# Key in the stored data: the newest message id this conversation handled. Message ids in
# a private chat grow with every message, the user's and the bot's alike.
_LAST_MESSAGE_KEY = "_last_message_id"
DEFAULT_TIMEOUT = timedelta(hours=1)

_Candidate = tuple[str, int | None, BaseHandler, Any]


class StoredConversationHandler(BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]):
    """Dispatch an update to the handler of the chat's current step, read from the database.

    Register it in a group of its own before the other handlers. When it handles an update
    it raises ApplicationHandlerStop, so no later group sees that update. When the update
    does not belong to the conversation, later groups handle it as usual.

    Entry points are checked in every step, so ``/log`` restarts the conversation. A step
    callback returns the next state, ``END`` to finish, or None to stay in the same step.
    """

    def __init__(
        self,
        name: str,
        entry_points: list[BaseHandler],
        states: dict[int, list[BaseHandler]],
        fallbacks: list[BaseHandler],
        timeout: timedelta = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(callback=_unused_callback)
        self.name = name
        self.entry_points = entry_points
        self.states = states
        self.fallbacks = fallbacks
        self.timeout = timeout

    def check_update(self, update: object) -> list[_Candidate] | None:
        """Return every inner handler that matches the update, whatever the step."""
        if not isinstance(update, Update) or update.edited_message is not None:
            return None
        if update.effective_user is None or update.effective_chat is None:
            return None
        candidates: list[_Candidate] = []
        for state, handlers in self.states.items():
            candidates.extend(_matching("state", state, handlers, update))
        candidates.extend(_matching("fallback", None, self.fallbacks, update))
        candidates.extend(_matching("entry", None, self.entry_points, update))
        return candidates or None

    async def handle_update(
        self,
        update: Update,
        application: Application,
        check_result: list[_Candidate],
        context: ContextTypes.DEFAULT_TYPE,
    ) -> None:
        services = get_services(context)
        key = (update.effective_chat.id, update.effective_user.id, self.name)
        now = services.clock()

        async with services.sessions() as session:
            row = await session.get(ConversationState, key)
        current = None
        data: dict[str, Any] = {}
        if row is not None and row.updated_at + self.timeout > now:
            current = row.state
            data = dict(row.data or {})

        chosen = _choose(check_result, current)
        if chosen is None:
            return None
        kind, _, handler, result = chosen
        last_message_id = int(data.pop(_LAST_MESSAGE_KEY, 0))
        pressed = update.callback_query
        if pressed is not None and _message_id(update) <= last_message_id:
            # A second tap on the same keyboard, or a button of an earlier step: applying
            # it would answer the current step with a value meant for another.
            await _reject_stale_button(update, services)
            raise ApplicationHandlerStop
        if kind == "entry":
            data = {}

        context.user_data[self.name] = data
        try:
            handler.collect_additional_context(context, update, application, result)
            new_state = await handler.handle_update(update, application, result, context)
            data = context.user_data.get(self.name, {})
        finally:
            context.user_data.pop(self.name, None)

        if new_state is None:
            new_state = current if kind != "entry" else None
        data[_LAST_MESSAGE_KEY] = max(last_message_id, _message_id(update))
        async with services.sessions() as session, session.begin():
            if new_state is None or new_state == END:
                await session.execute(
                    delete(ConversationState).where(
                        ConversationState.chat_id == key[0],
                        ConversationState.user_id == key[1],
                        ConversationState.name == key[2],
                    )
                )
            else:
                await session.merge(
                    ConversationState(
                        chat_id=key[0],
                        user_id=key[1],
                        name=key[2],
                        state=int(new_state),
                        data=data,
                        updated_at=services.clock(),
                    )
                )
        logger.debug("conversation %s of user %s: %s -> %s", self.name, key[1], current, new_state)
        raise ApplicationHandlerStop


def _message_id(update: Update) -> int:
    """Return the id of the user's message, or of the bot message whose button was pressed."""
    message = update.effective_message
    return message.message_id if message is not None else 0


async def _reject_stale_button(update: Update, services: Services) -> None:
    async with services.sessions() as session:
        user = await session.get(User, update.effective_user.id)
    language = user.language if user is not None else normalize_language(None)
    await update.callback_query.answer(translate(language, "error.stale_button"))


def _matching(
    kind: str, state: int | None, handlers: list[BaseHandler], update: Update
) -> list[_Candidate]:
    found = []
    for handler in handlers:
        result = handler.check_update(update)
        if result is not None and result is not False:
            found.append((kind, state, handler, result))
    return found


def _choose(candidates: list[_Candidate], current: int | None) -> _Candidate | None:
    """Pick the handler for the current step: an entry point, a step handler, a fallback."""
    entry = [c for c in candidates if c[0] == "entry"]
    if current is None:
        return entry[0] if entry else None
    if entry:
        return entry[0]
    for candidate in candidates:
        if candidate[0] == "state" and candidate[1] == current:
            return candidate
    for candidate in candidates:
        if candidate[0] == "fallback":
            return candidate
    return None


async def _unused_callback(update: object, context: object) -> None:
    """Never called: handle_update dispatches to the inner handlers."""
