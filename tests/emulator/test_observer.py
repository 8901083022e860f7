"""The test-side observer API: cursors, timeouts, assertions and event streaming."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot
from aiogram.types import InaccessibleMessage

from emulator import BotAPIEmulator, EmulatorEvent, MessageTimeoutError

from .conftest import make_bot

USER = 4004


@pytest.fixture
async def chat(emulator: BotAPIEmulator) -> int:
    await emulator.send_text(USER, "/start")
    return USER


async def test_next_message_timeout_lists_recent_messages(
    bot: Bot, emulator: BotAPIEmulator, chat: int
) -> None:
    await bot.send_message(chat, "Levain is ready")
    await emulator.next_message(chat)
    with pytest.raises(asyncio.TimeoutError) as caught:
        await emulator.next_message(chat, timeout=0.05)
    assert isinstance(caught.value, MessageTimeoutError)
    assert "Levain is ready" in str(caught.value)
    assert f"chat {chat}" in str(caught.value)


async def test_next_message_skips_edits_and_keeps_order(
    bot: Bot, emulator: BotAPIEmulator, chat: int
) -> None:
    first = await bot.send_message(chat, "one")
    await bot.edit_message_text(text="one (edited)", chat_id=chat, message_id=first.message_id)
    await bot.send_message(chat, "two")
    # A snapshot: the message as it was sent, even though it was edited since.
    assert (await emulator.next_message(chat)).text == "one"
    assert (await emulator.next_message(chat)).text == "two"
    edit = await emulator.wait_for(chat, lambda message: message.edited > 0)
    assert edit.text == "one (edited)"
    assert [message.text for message in emulator.messages(chat)] == ["one (edited)", "two"]


async def test_wait_for_leaves_other_messages_for_next_message(
    bot: Bot, emulator: BotAPIEmulator, chat: int
) -> None:
    await bot.send_message(chat, "noise")
    await bot.send_message(chat, "Bake started")
    found = await emulator.wait_for(chat, lambda message: "Bake" in message.text)
    assert found.text == "Bake started"
    assert (await emulator.next_message(chat)).text == "noise"
    await emulator.no_message(chat, within=0.01)


async def test_wait_for_sees_a_later_message(bot: Bot, emulator: BotAPIEmulator, chat: int) -> None:
    async def send_later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(chat, "later")

    sender = asyncio.create_task(send_later())
    found = await emulator.wait_for(chat, lambda message: message.text == "later", timeout=2)
    await sender
    assert found.text == "later"


async def test_no_message_fails_on_unread(bot: Bot, emulator: BotAPIEmulator, chat: int) -> None:
    await bot.send_message(chat, "surprise")
    with pytest.raises(AssertionError, match="surprise"):
        await emulator.no_message(chat, within=0.01)
    assert [message.text for message in emulator.drain(chat)] == ["surprise"]
    await emulator.no_message(chat, within=0.01)


async def test_deletions_are_observable(bot: Bot, emulator: BotAPIEmulator, chat: int) -> None:
    message = await bot.send_message(chat, "bye")
    await bot.delete_message(chat, message.message_id)
    deleted = await emulator.wait_for(chat, lambda sent: sent.deleted)
    assert deleted.message_id == message.message_id
    query_id = await emulator.press_button(chat, message.message_id, "anything")
    assert query_id
    update = (await bot.get_updates())[-1]
    assert update.callback_query is not None
    assert update.callback_query.message is not None
    assert isinstance(update.callback_query.message, InaccessibleMessage)


async def test_callback_answer_timeout(bot: Bot, emulator: BotAPIEmulator, chat: int) -> None:
    message = await bot.send_message(chat, "menu")
    query_id = await emulator.press_button(chat, message.message_id, "x")
    with pytest.raises(TimeoutError, match="did not answer callback query"):
        await emulator.callback_answer(query_id, timeout=0.05)
    with pytest.raises(LookupError):
        await emulator.press_button(chat, 999, "x")


async def test_events_are_streamed(bot: Bot, emulator: BotAPIEmulator, chat: int) -> None:
    seen: list[EmulatorEvent] = []
    emulator.add_listener(seen.append)
    queue = emulator.subscribe()
    await emulator.send_text(chat, "hello")
    message = await bot.send_message(chat, "hi there")
    await bot.edit_message_text(text="hi!", chat_id=chat, message_id=message.message_id)
    await bot.send_chat_action(chat, "typing")
    kinds = [event.kind for event in seen]
    assert kinds == ["user_message", "bot_message", "bot_edit", "chat_action"]
    assert seen[1].payload.text == "hi there" and seen[2].payload.text == "hi!"
    assert (await queue.get()).kind == "user_message"
    assert queue.qsize() == 3
    emulator.unsubscribe(queue)
    emulator.remove_listener(seen.append)
    await bot.send_message(chat, "unobserved")
    assert len(seen) == 4 and queue.qsize() == 3
    assert emulator.chat_actions(chat) == ["typing"]
    history = [message.get("text") for message in emulator.history(chat)]
    assert history == ["/start", "hello", "hi!", "unobserved"]


async def test_clock_drives_message_dates() -> None:
    async with BotAPIEmulator(clock=lambda: 1_700_000_000.0) as emulator:
        dated_bot = make_bot(emulator)
        delivered = await emulator.send_text(1, "hi")
        assert delivered["date"] == 1_700_000_000
        message = await dated_bot.send_message(1, "hello")
        assert int(message.date.timestamp()) == 1_700_000_000
        await dated_bot.session.close()
