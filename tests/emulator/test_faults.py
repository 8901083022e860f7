"""Injected faults reach aiogram as the matching exceptions."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BotCommand

from emulator import BotAPIEmulator

USER = 2002


@pytest.fixture
async def chat(emulator: BotAPIEmulator) -> int:
    await emulator.send_text(USER, "/start")
    return USER


async def test_retry_after(bot: Bot, emulator: BotAPIEmulator, chat: int) -> None:
    emulator.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(chat, "x")
    assert caught.value.retry_after == 7
    assert "Too Many Requests: retry after 7" in caught.value.message
    await bot.send_message(chat, "recovered")
    assert emulator.stats.rejected_429 == 1
    assert emulator.stats.injected == 1
    assert emulator.stats.accepted["sendMessage"] == 1


@pytest.mark.parametrize(
    ("status", "description"), [(500, "Internal Server Error"), (502, "Bad Gateway")]
)
async def test_server_errors(
    bot: Bot, emulator: BotAPIEmulator, chat: int, status: int, description: str
) -> None:
    emulator.fail_next(None, status=status, times=2)
    for _ in range(2):
        with pytest.raises(TelegramServerError) as caught:
            await bot.send_message(chat, "x")
        assert caught.value.message == description
    await bot.send_message(chat, "third time lucky")


async def test_fault_narrowed_to_a_chat(bot: Bot, emulator: BotAPIEmulator, chat: int) -> None:
    await emulator.send_text(3003, "hi")
    emulator.fail_next("sendmessage", status=403, chat_id=3003)
    await bot.send_message(chat, "unaffected")
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(3003, "x")


async def test_dropped_connection(bot: Bot, emulator: BotAPIEmulator, chat: int) -> None:
    emulator.drop_next("sendMessage")
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(chat, "lost")
    await bot.send_message(chat, "delivered")
    assert emulator.stats.dropped == 1
    assert [message.text for message in emulator.messages(chat)] == ["delivered"]


async def test_block_and_unblock(bot: Bot, emulator: BotAPIEmulator, chat: int) -> None:
    message = await bot.send_message(chat, "before")
    emulator.block(chat)
    with pytest.raises(TelegramForbiddenError) as caught:
        await bot.send_message(chat, "x")
    assert caught.value.message == "Forbidden: bot was blocked by the user"
    with pytest.raises(TelegramForbiddenError):
        await bot.edit_message_text(text="y", chat_id=chat, message_id=message.message_id)
    emulator.unblock(chat)
    await bot.send_message(chat, "after")


async def test_bad_request_injection(bot: Bot, emulator: BotAPIEmulator, chat: int) -> None:
    emulator.fail_next("sendMessage", status=400, description="Bad Request: custom")
    with pytest.raises(TelegramBadRequest, match="custom"):
        await bot.send_message(chat, "x")


async def test_global_rate_limit(bot: Bot, emulator: BotAPIEmulator, chat: int) -> None:
    emulator.global_rate_limit = 3
    for index in range(3):
        await bot.send_message(chat, f"ok {index}")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(chat, "too fast")
    assert caught.value.retry_after == 1
    assert emulator.stats.rate_limited == 1
    assert emulator.stats.rejected_429 == 1
    assert emulator.stats.accepted["sendMessage"] == 3
    await bot.send_chat_action(chat, "typing")  # chat actions do not count


async def test_set_my_commands_error(bot: Bot, emulator: BotAPIEmulator) -> None:
    emulator.set_my_commands_error = True
    with pytest.raises(TelegramServerError):
        await bot.set_my_commands([BotCommand(command="start", description="Start")])
    assert emulator.commands == []
    emulator.set_my_commands_error = False
    emulator.fail_next("setMyCommands", status=429, retry_after=2)
    with pytest.raises(TelegramRetryAfter):
        await bot.set_my_commands([BotCommand(command="start", description="Start")])


async def test_get_updates_is_not_hit_by_wildcard_faults(
    bot: Bot, emulator: BotAPIEmulator
) -> None:
    emulator.fail_next(None, status=500)
    assert len(await bot.get_updates()) == 0
    with pytest.raises(TelegramServerError):
        await bot.get_me()
