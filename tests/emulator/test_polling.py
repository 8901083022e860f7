"""End to end: a real Dispatcher long-polls the emulator and talks to simulated users."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import TelegramConflictError
from aiogram.filters import CommandStart
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from emulator import BotAPIEmulator

from .conftest import StartPolling, make_bot


def echo_dispatcher() -> Dispatcher:
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        assert message.entities is not None and message.entities[0].type == "bot_command"
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [InlineKeyboardButton(text="🍞 Start a bake", callback_data="bake:new")],
                [InlineKeyboardButton(text="Help", url="https://example.com/help")],
            ]
        )
        await message.answer(
            f"Hi <b>{message.from_user.first_name if message.from_user else '?'}</b>!",
            parse_mode="HTML",
            reply_markup=markup,
        )

    @dp.callback_query(F.data == "bake:new")
    async def new_bake(query: CallbackQuery) -> None:
        await query.answer("Bake started")
        assert isinstance(query.message, Message)
        await query.message.edit_text("Bake #1 started")

    @dp.callback_query()
    async def unknown(query: CallbackQuery) -> None:
        await query.answer("This button is stale", show_alert=True)

    @dp.message(F.document)
    async def document(message: Message, bot: Bot) -> None:
        assert message.document is not None
        content = await bot.download(message.document)
        assert content is not None
        data = content.read()
        await message.answer_document(
            BufferedInputFile(data[::-1], filename="reversed.bin"), caption=f"{len(data)} bytes"
        )

    @dp.message(F.photo)
    async def photo(message: Message) -> None:
        assert message.photo is not None
        await message.answer(f"photo {message.photo[-1].width}x{message.photo[-1].height}")

    @dp.message(F.sticker)
    async def sticker(message: Message) -> None:
        await message.answer("nice sticker")

    @dp.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}")

    return dp


async def test_text_round_trip(emulator: BotAPIEmulator, start_polling: StartPolling) -> None:
    await start_polling(echo_dispatcher())
    delivered = await emulator.send_text(7, "/start", first_name="Ada")
    assert delivered["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    reply = await emulator.next_message(7)
    assert reply.text == "Hi Ada!"
    assert reply.html == "Hi <b>Ada</b>!"
    assert reply.buttons == [
        [("🍞 Start a bake", "bake:new")],
        [("Help", "https://example.com/help")],
    ]
    await emulator.send_text(7, "flour")
    assert (await emulator.next_message(7)).text == "echo: flour"


async def test_callback_round_trip(emulator: BotAPIEmulator, start_polling: StartPolling) -> None:
    await start_polling(echo_dispatcher())
    await emulator.send_text(8, "/start")
    menu = await emulator.next_message(8)
    query_id = await emulator.press(8, menu, "Start a bake")
    answer = await emulator.callback_answer(query_id)
    assert answer["text"] == "Bake started" and answer["show_alert"] is False
    edited = await emulator.wait_for(8, lambda message: message.edited > 0)
    assert edited.message_id == menu.message_id
    assert edited.text == "Bake #1 started" and edited.buttons == []

    forged = await emulator.press_button(8, menu.message_id, "bake:999:delete")
    assert (await emulator.callback_answer(forged))["show_alert"] is True
    await emulator.no_message(8, within=0.1)


async def test_press_reports_buttons(emulator: BotAPIEmulator, start_polling: StartPolling) -> None:
    await start_polling(echo_dispatcher())
    await emulator.send_text(9, "/start")
    menu = await emulator.next_message(9)
    with pytest.raises(AssertionError, match="Start a bake"):
        await emulator.press(9, menu, "Cancel")
    with pytest.raises(AssertionError, match="no callback_data"):
        await emulator.press(9, menu, "Help")


async def test_media_round_trip(emulator: BotAPIEmulator, start_polling: StartPolling) -> None:
    await start_polling(echo_dispatcher())
    await emulator.send_document(10, "starter.json", b"abc123")
    reply = await emulator.next_message(10)
    assert (reply.document, reply.filename, reply.text) == (b"321cba", "reversed.bin", "6 bytes")

    png_header = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (800).to_bytes(4, "big")
    await emulator.send_photo(10, png_header + (600).to_bytes(4, "big") + b"\x08\x02\x00\x00\x00")
    assert (await emulator.next_message(10)).text == "photo 800x600"
    await emulator.send_sticker(10)
    assert (await emulator.next_message(10)).text == "nice sticker"


async def test_many_users_concurrently(
    emulator: BotAPIEmulator, start_polling: StartPolling
) -> None:
    await start_polling(echo_dispatcher())
    users = range(100, 200)
    started = time.perf_counter()
    for round_number in range(3):
        for user in users:
            await emulator.send_text(user, f"m{round_number}")

    async def read(user: int) -> list[str]:
        return [(await emulator.next_message(user)).text for _ in range(3)]

    replies = await asyncio.gather(*(read(user) for user in users))
    # aiogram handles updates as concurrent tasks: one user's replies may come out of order.
    assert all(sorted(texts) == ["echo: m0", "echo: m1", "echo: m2"] for texts in replies)
    assert time.perf_counter() - started < 5
    assert emulator.stats.accepted["sendMessage"] == 300
    assert emulator.pending_updates <= 300


async def test_second_poller_conflicts_the_first(bot: Bot, emulator: BotAPIEmulator) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(bot.get_updates(timeout=5))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await first
    await emulator.send_text(1, "wake up")
    updates = await second
    assert [update.message.text for update in updates if update.message] == ["wake up"]


async def test_get_updates_offset_confirms(bot: Bot, emulator: BotAPIEmulator) -> None:
    for text in ("a", "b", "c"):
        await emulator.send_text(1, text)
    updates = await bot.get_updates(limit=2)
    assert [update.message.text for update in updates if update.message] == ["a", "b"]
    rest = await bot.get_updates(offset=updates[-1].update_id + 1)
    assert [update.message.text for update in rest if update.message] == ["c"]
    assert emulator.pending_updates == 1
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert emulator.pending_updates == 0


async def test_long_poll_wakes_immediately(bot: Bot, emulator: BotAPIEmulator) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    await emulator.send_text(1, "now")
    updates = await poll
    assert len(updates) == 1
    assert time.perf_counter() - started < 0.5


async def test_stop_releases_long_polls() -> None:
    emulator = BotAPIEmulator()
    await emulator.start()
    polling_bot = make_bot(emulator)
    poll = asyncio.create_task(polling_bot.get_updates(timeout=30))
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    await emulator.stop()
    assert await poll == []
    assert time.perf_counter() - started < 1.5
    await polling_bot.session.close()
