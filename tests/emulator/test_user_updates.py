"""Users editing their messages (``edited_message``) and raw updates of any type."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.types import ChatMemberUpdated, Message

from emulator import BotAPIEmulator, EmulatorEvent

from .conftest import StartPolling, make_bot

USER = 5005


def editing_dispatcher(edits: asyncio.Queue[Message]) -> Dispatcher:
    dp = Dispatcher()

    @dp.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}")

    @dp.edited_message(F.text)
    async def edited(message: Message) -> None:
        await edits.put(message)
        await message.answer(f"#{message.message_id} now reads: {message.text}")

    @dp.my_chat_member()
    async def member(update: ChatMemberUpdated, bot: Bot) -> None:
        status = update.new_chat_member.status
        await bot.send_message(update.from_user.id, f"member update: {status}")

    return dp


def my_chat_member(user_id: int, old: str, new: str) -> dict[str, object]:
    bot_user = {"id": 123456, "is_bot": True, "first_name": "Sourdough Bot"}
    return {
        "chat": {"id": user_id, "type": "private", "first_name": "Ada"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Ada"},
        "date": 1_700_000_000,
        "old_chat_member": {"status": old, "user": bot_user, "until_date": 0},
        "new_chat_member": {"status": new, "user": bot_user, "until_date": 0},
    }


async def test_edited_message_reaches_the_handler(
    emulator: BotAPIEmulator, start_polling: StartPolling
) -> None:
    edits: asyncio.Queue[Message] = asyncio.Queue()
    await start_polling(editing_dispatcher(edits))
    sent = await emulator.send_text(USER, "200 g flour", first_name="Ada")
    message_id = sent["message_id"]
    assert isinstance(message_id, int)
    assert (await emulator.next_message(USER)).text == "echo: 200 g flour"

    await emulator.edit_text(USER, message_id, "250 g flour")
    seen = await asyncio.wait_for(edits.get(), timeout=5)
    assert seen.message_id == message_id
    assert seen.text == "250 g flour"
    assert seen.edit_date is not None
    assert seen.from_user is not None and seen.from_user.first_name == "Ada"
    assert (await emulator.next_message(USER)).text == f"#{message_id} now reads: 250 g flour"
    await emulator.no_message(USER, within=0.1)  # the plain message handler did not run


async def test_edited_message_shape() -> None:
    now = [1_700_000_000.0]
    async with BotAPIEmulator(clock=lambda: now[0]) as emulator:
        polling_bot = make_bot(emulator)
        try:
            first = await emulator.send_text(USER, "levain ready?")
            reply = await emulator.send_text(USER, "/start", reply_to_message_id=first["message_id"])
            now[0] += 90
            edited = await emulator.edit_text(USER, reply["message_id"], "/help me")
            assert edited["message_id"] == reply["message_id"]
            assert edited["date"] == 1_700_000_000 and edited["edit_date"] == 1_700_000_090
            assert edited["entities"] == [{"type": "bot_command", "offset": 0, "length": 5}]
            assert edited["reply_to_message"]["message_id"] == first["message_id"]

            updates = await polling_bot.get_updates(
                allowed_updates=["message", "edited_message"]
            )
            assert [update.update_id for update in updates] == [1, 2, 3]
            # The message update still carries the text as sent; the edit comes after it.
            assert updates[1].message is not None and updates[1].message.text == "/start"
            assert updates[2].message is None
            message = updates[2].edited_message
            assert message is not None
            assert message.message_id == reply["message_id"]
            assert message.text == "/help me"
            assert int(message.date.timestamp()) == 1_700_000_000
            assert message.edit_date == 1_700_000_090
            assert message.reply_to_message is not None
            assert message.reply_to_message.text == "levain ready?"

            # Editing a command away drops its entity; history shows the latest text.
            plain = await emulator.edit_text(USER, reply["message_id"], "never mind")
            assert "entities" not in plain
            texts = [item.get("text") for item in emulator.history(USER)]
            assert texts == ["levain ready?", "never mind"]
        finally:
            await polling_bot.session.close()


async def test_edit_text_rejects_what_a_user_cannot_edit(
    bot: Bot, emulator: BotAPIEmulator
) -> None:
    sent = await emulator.send_text(USER, "hello")
    photo = await emulator.send_photo(USER, b"\x89PNG\r\n\x1a\n")
    from_bot = await bot.send_message(USER, "hi")
    with pytest.raises(LookupError):
        await emulator.edit_text(USER, 999, "x")
    with pytest.raises(LookupError):
        await emulator.edit_text(USER + 1, sent["message_id"], "x")
    with pytest.raises(ValueError, match="not sent by the user"):
        await emulator.edit_text(USER, from_bot.message_id, "x")
    with pytest.raises(ValueError, match="no text"):
        await emulator.edit_text(USER, photo["message_id"], "x")
    with pytest.raises(ValueError, match="unchanged"):
        await emulator.edit_text(USER, sent["message_id"], "hello")
    await bot.delete_message(USER, sent["message_id"])
    with pytest.raises(LookupError):
        await emulator.edit_text(USER, sent["message_id"], "x")
    assert emulator.pending_updates == 2  # the two messages; no edit was queued


async def test_edit_is_an_event(emulator: BotAPIEmulator) -> None:
    seen: list[EmulatorEvent] = []
    emulator.add_listener(seen.append)
    sent = await emulator.send_text(USER, "one")
    await emulator.edit_text(USER, sent["message_id"], "two")
    assert [event.kind for event in seen] == ["user_message", "user_edit"]
    assert seen[0].payload["text"] == "one"
    assert seen[1].payload["text"] == "two" and seen[1].chat_id == USER


async def test_raw_updates_reach_the_handlers(
    emulator: BotAPIEmulator, start_polling: StartPolling
) -> None:
    await start_polling(editing_dispatcher(asyncio.Queue()))
    await emulator.send_text(USER, "hi")
    await emulator.next_message(USER)
    await emulator.send_update({"my_chat_member": my_chat_member(USER, "member", "kicked")})
    assert (await emulator.next_message(USER)).text == "member update: kicked"


async def test_send_update_queues_any_update_type(bot: Bot, emulator: BotAPIEmulator) -> None:
    post = {
        "message_id": 7,
        "chat": {"id": -1001, "type": "channel", "title": "Bakery news"},
        "date": 1_700_000_000,
        "text": "Fresh loaves at 8",
    }
    first = await emulator.send_update({"channel_post": post})
    post["text"] = "changed afterwards"  # the queued update is a copy
    second = await emulator.send_update(
        {"update_id": 999, "my_chat_member": my_chat_member(USER, "kicked", "member")}
    )
    assert second == first + 1  # a given update_id is replaced by the next in sequence
    updates = await bot.get_updates()
    assert [update.update_id for update in updates] == [first, second]
    assert updates[0].channel_post is not None
    assert updates[0].channel_post.text == "Fresh loaves at 8"
    assert updates[0].channel_post.chat.title == "Bakery news"
    assert updates[1].my_chat_member is not None
    assert updates[1].my_chat_member.new_chat_member.status == "member"
    assert emulator.chat_ids == []  # raw updates register no chat


@pytest.mark.parametrize(
    ("update", "error"),
    [
        ({}, ValueError),
        ({"update_id": 1}, ValueError),
        ({"message": {}, "channel_post": {}}, ValueError),
        ({"channel_post": "text"}, TypeError),
    ],
)
async def test_send_update_rejects_malformed_updates(
    emulator: BotAPIEmulator, update: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        await emulator.send_update(update)
    assert emulator.pending_updates == 0
