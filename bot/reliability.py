"""Nothing lost, nothing done twice, whatever moment the process dies or Telegram fails us.

- `DurableDispatcher` records each batch of updates in the inbox (one transaction) before it
  asks Telegram for the next batch, which is what confirms the previous one; `InboxMarks` marks
  an update handled once its handler is through; `replay_unfinished` hands the updates the last
  process left unfinished to the dispatcher at start-up.
- `WelcomeBack`: a baker who had blocked the bot and writes again gets their reminders back and
  one summary of what was missed meanwhile; a reply that could not be delivered after the
  retries is followed up ("your reading was saved") with the next message that gets through.
- `DialogReplay`: the same message twice does not answer a dialog's next question.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.methods import GetUpdates
from aiogram.types import Message, TelegramObject, Update
from aiogram.types.update import UpdateTypeLookupError
from aiogram.utils.backoff import Backoff, BackoffConfig

from bot import texts
from bot.replies import message_key
from schedules.services import Services
from schedules.types import InboxEntry, User

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
DIALOG_SEEN = "_seen_messages"  # in the dialog's data: messages it has already taken
DIALOG_SEEN_KEPT = 8
POLLING_BACKOFF = BackoffConfig(min_delay=1.0, max_delay=30.0, factor=1.5, jitter=0.1)


class DurableDispatcher(Dispatcher):
    """aiogram's long polling, with the inbox written before updates are confirmed."""

    services: Services

    async def _listen_updates(  # type: ignore[override]
        self,
        bot: Bot,
        polling_timeout: int = 30,
        backoff_config: BackoffConfig = POLLING_BACKOFF,
        allowed_updates: list[str] | None = None,
    ) -> AsyncGenerator[Update, None]:
        backoff = Backoff(config=backoff_config)
        get_updates = GetUpdates(timeout=polling_timeout, allowed_updates=allowed_updates)
        request_timeout = int(bot.session.timeout + polling_timeout) if bot.session.timeout else None
        while True:
            try:
                updates = await bot(get_updates, request_timeout=request_timeout)
                if updates:
                    entries = [
                        InboxEntry(u.update_id, u.model_dump_json(exclude_unset=True), update_key(u))
                        for u in updates
                    ]
                    await self.services.inbox.record(entries)
            except Exception as exc:
                log.error("fetching or recording updates failed (%s); retrying", type(exc).__name__)
                await backoff.asleep()
                continue
            backoff.reset()
            for update in updates:
                yield update
                # Asking with this offset confirms the update to Telegram; it is in the inbox.
                get_updates.offset = update.update_id + 1


def update_key(update: Update) -> int:
    """Whose update it is: the user it comes from, else its chat, else 0 (the key of the
    per-baker lock replicas hold while handling it)."""
    try:
        event = update.event
    except UpdateTypeLookupError:  # a kind of update this aiogram does not know
        return 0
    user = getattr(event, "from_user", None)
    if user is not None:
        return int(user.id)
    chat = getattr(event, "chat", None) or getattr(getattr(event, "message", None), "chat", None)
    return int(chat.id) if chat is not None else 0


async def replay_unfinished(dispatcher: Dispatcher, bot: Bot, services: Services) -> int:
    """Hand the updates a previous process recorded but did not finish to the dispatcher."""
    unfinished = await services.inbox.unfinished()
    for entry in unfinished:
        update = Update.model_validate_json(entry.payload, context={"bot": bot})
        log.info("handling update %s again: the last process stopped before it was done", entry.update_id)
        await dispatcher.feed_update(bot, update)
    return len(unfinished)


class InboxMarks(BaseMiddleware):
    """Outer middleware on updates: an update is handled once its handlers are through (a
    handler's error counts: the error handler has answered)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        finally:
            if isinstance(event, Update):
                self.services.inbox.handled(event.update_id)


class WelcomeBack(BaseMiddleware):
    """Outer middleware on messages and button presses from a baker (after `ServicesMiddleware`)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("user")
        services: Services | None = data.get("services")
        bot: Bot | None = data.get("bot")
        if user is not None and services is not None and bot is not None:
            if user.blocked_at is not None or not user.active:
                missed = await services.scheduler.resume(user.id)
                if missed and services.scheduler.sender is not None:
                    await services.scheduler.sender.send_missed_summary(user, missed, blocked=True)
            if user.undelivered:
                try:
                    await bot.send_message(user.id, user.undelivered)
                except TelegramAPIError:
                    pass  # still not getting through: kept for the next message
                else:
                    await services.users.clear_undelivered(user.id)
        return await handler(event, data)


def undelivered_note(message: Message | None, services: Services, user: User) -> str:
    """What to tell a baker whose reply was lost: their message was handled, no need to resend."""
    from bot.replies import clock

    zone, now = clock(services, user)
    sent = texts.fmt_time(message.date, zone, now) if message is not None else texts.fmt_time(now, zone, now)
    what = texts.esc((message.text or message.caption or "")[:40]) if message is not None else ""
    return texts.UNDELIVERED_NOTE.format(text=what or "…", time=sent)


class DialogReplay(BaseMiddleware):
    """Outer middleware on messages: inside a dialog, a message it has already taken (the same
    update delivered again) is not read as the answer to the next question."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        state: FSMContext | None = data.get("state")
        if not isinstance(event, Message) or state is None or data.get("raw_state") is None:
            return await handler(event, data)
        key = message_key(event)
        seen = list((await state.get_data()).get(DIALOG_SEEN, []))
        if key in seen:
            return None
        result = await handler(event, data)
        if await state.get_state() is not None:
            await state.update_data({DIALOG_SEEN: [*seen, key][-DIALOG_SEEN_KEPT:]})
        return result
