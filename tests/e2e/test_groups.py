"""Groups, supergroups, channels, bots and commands for other bots: a baker's data stays in the
private chat with the bot, and what is not for the bot gets no reply and no error.

The emulator's test API models private chats only, so a group is driven with raw updates
(`send_update`). Registering the group's id as a chat of the emulator (`set_user`) is what lets
the bot's sendMessage to it succeed and show up for `next_message` / `no_message`. Each raw update
is waited for until aiogram logs it as handled or not handled, so "no reply" is checked after the
bot is through with it, not merely before it got to it.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import re
from datetime import timedelta
from typing import Any

import pytest

from bot import texts
from bot.config import Settings
from emulator.server import BotAPIEmulator
from emulator.state import CallbackQuery
from tests.e2e.conftest import Baker, BotRunner
from tests.e2e.helpers import rows, snapshot

BOT_USERNAME = "sourdough_emulator_bot"  # the emulator's default
DEEP_LINK = f"https://t.me/{BOT_USERNAME}?start=group"
# Anonymous group admins write as this bot; its id is Telegram's.
ANONYMOUS_ADMIN: dict[str, Any] = {
    "id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"
}
OTHER_BOT_ID = 5005
OTHER_BOT: dict[str, Any] = {"id": OTHER_BOT_ID, "is_bot": True, "first_name": "Other", "username": "bot2"}
_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?")


@pytest.fixture(autouse=True)
def update_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """aiogram logs "Update id=N is handled / not handled" once it is through with an update."""
    caplog.set_level(logging.INFO, logger="aiogram.event")
    return caplog


async def processed(caplog: pytest.LogCaptureFixture, update_id: int, timeout: float = 5.0) -> str:
    """Wait until the bot is through with an update: "handled" or "not handled"."""
    pattern = re.compile(rf"^Update id={update_id} is (handled|not handled)\.")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        for record in caplog.records:
            if record.name == "aiogram.event" and (found := pattern.match(record.getMessage())):
                return found.group(1)
        if loop.time() > deadline:
            raise AssertionError(f"the bot did not finish update {update_id} within {timeout}s")
        await asyncio.sleep(0.01)


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]


def person(baker: Baker) -> dict[str, Any]:
    return {"id": baker.id, "is_bot": False, "first_name": baker.name}


def text_content(text: str) -> dict[str, Any]:
    """Like Telegram: a leading /command gets a bot_command entity."""
    content: dict[str, Any] = {"text": text}
    if found := _COMMAND.match(text):
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(found.group(0))}]
    return content


class GroupChat:
    """A group (or supergroup, or channel) the bot is in, driven with raw updates."""

    def __init__(
        self,
        emulator: BotAPIEmulator,
        caplog: pytest.LogCaptureFixture,
        chat_id: int,
        kind: str = "supergroup",
        title: str = "Bread club",
    ) -> None:
        self.emulator = emulator
        self.caplog = caplog
        self.id = chat_id
        self.chat = {"id": chat_id, "type": kind, "title": title}
        emulator.set_user(chat_id, first_name=title)  # so the bot's messages here land in a chat log
        self._last_id = 10_000  # clear of the ids the emulator gives the bot's messages here

    def message(self, sender: dict[str, Any], text: str, **extra: Any) -> dict[str, Any]:
        self._last_id += 1
        message = {
            "message_id": self._last_id,
            "from": sender,
            "chat": self.chat,
            "date": int(self.emulator.clock()),
            **text_content(text),
            **extra,
        }
        return message

    async def deliver(self, update: dict[str, Any]) -> str:
        """Queue a raw update; "handled" or "not handled" once the bot is through with it."""
        update_id = await self.emulator.send_update(update)
        return await processed(self.caplog, update_id)

    async def send(self, sender: dict[str, Any], text: str, **extra: Any) -> str:
        return await self.deliver({"message": self.message(sender, text, **extra)})

    async def edit(self, message: dict[str, Any], text: str) -> str:
        edited = {**copy.deepcopy(message), **text_content(text), "edit_date": int(self.emulator.clock())}
        if "entities" not in text_content(text):
            edited.pop("entities", None)
        return await self.deliver({"edited_message": edited})

    def bot_message(self, message_id: int) -> dict[str, Any]:
        """One of the bot's messages here, as Telegram would quote it (in this chat)."""
        (message,) = [m for m in self.emulator.history(self.id) if m["message_id"] == message_id]
        return {**copy.deepcopy(message), "chat": self.chat}

    async def press(self, sender: dict[str, Any], message: dict[str, Any], data: str) -> dict[str, Any]:
        """Press a button of `message` in this chat; returns the bot's callback answer."""
        self._last_id += 1
        query_id = f"group{self._last_id}"
        # The emulator answers only queries it knows of; its press_button is for private chats.
        self.emulator._queries[query_id] = CallbackQuery(query_id, self.id)
        query = {
            "id": query_id,
            "from": sender,
            "message": message,
            "chat_instance": f"instance{self.id}",
            "data": data,
        }
        assert await self.deliver({"callback_query": query}) == "handled"
        return await self.emulator.callback_answer(query_id)

    async def quiet(self) -> None:
        await self.emulator.no_message(self.id, within=0.2)


def callback_data_in(emulator: BotAPIEmulator, chat_id: int) -> str:
    """Some real button of the bot's messages in a private chat."""
    for sent in emulator.messages(chat_id):
        for row in (sent.reply_markup or {}).get("inline_keyboard", []):
            for button in row:
                if "callback_data" in button:
                    return str(button["callback_data"])
    raise AssertionError(f"no button in chat {chat_id}")


async def assert_deep_link(group: GroupChat) -> dict[str, Any]:
    reply = await group.emulator.next_message(group.id)
    assert reply.text == texts.plain(texts.GROUP_GO_PRIVATE.format(link=DEEP_LINK))
    assert "\n" not in reply.text and DEEP_LINK in reply.text
    return group.bot_message(reply.message_id)


@pytest.mark.parametrize("kind", ["group", "supergroup"])
async def test_a_group_never_shows_or_changes_a_bakers_data(
    kind: str,
    ann: Baker,
    bob: Baker,
    runner: BotRunner,
    emulator: BotAPIEmulator,
    settings: Settings,
    update_log: pytest.LogCaptureFixture,
) -> None:
    db = settings.database_path
    await ann.say("/start")
    await ann.say("/newbake Secret loaf")
    assert "Secret loaf" in (await ann.say("/status")).text
    button = callback_data_in(emulator, ann.id)
    emulator.drain(ann.id)
    before = snapshot(db)
    group = GroupChat(emulator, update_log, -1001234567890 if kind == "supergroup" else -4242, kind)

    # What would show or change her data privately does nothing here, and says nothing.
    ann_in_group, bob_in_group = person(ann), person(bob)
    said = group.message(ann_in_group, "/rise 30")
    for text in ("/status", "40%", "Hi all, my loaf is rising", "/newbake Group loaf", "/timer 1s x",
                 "/status@" + BOT_USERNAME, "/help", "/settings", "/export", "/deleteme", "/cancel"):
        assert await group.send(ann_in_group, text) == "handled"  # taken by the groups router
    assert await group.deliver({"message": said}) == "handled"
    assert await group.edit(said, "/rise 60") == "handled"
    assert await group.send(bob_in_group, "@sourdough_emulator_bot_fan hi") == "handled"  # not us
    await group.quiet()

    # /start and a direct mention get one line pointing to the private chat; nothing of hers.
    await group.send(ann_in_group, "/start")
    link_message = await assert_deep_link(group)
    await group.send(bob_in_group, f"/start@{BOT_USERNAME}")
    await assert_deep_link(group)
    await group.send(bob_in_group, "/start group")
    await assert_deep_link(group)
    await group.send(bob_in_group, f"hey @{BOT_USERNAME.upper()}, how long does bulk take?")
    await assert_deep_link(group)
    await group.send(ann_in_group, "and at 30°C?", reply_to_message=link_message)
    await assert_deep_link(group)
    edited = group.message(bob_in_group, f"@{BOT_USERNAME} again")
    assert await group.edit(edited, f"@{BOT_USERNAME} once more") == "handled"  # an edit: silence

    # A button of a group message: a toast, nothing else (a real button of hers, too).
    answer = await group.press(ann_in_group, link_message, button)
    assert answer["text"] == str(texts.GROUP_OPEN_PRIVATE) and not answer["show_alert"]
    answer = await group.press(bob_in_group, link_message, button)
    assert answer["text"] == str(texts.GROUP_OPEN_PRIVATE)

    await group.quiet()
    await ann.quiet()
    assert not any("Secret loaf" in m.text for m in emulator.messages(group.id))
    assert snapshot(db) == before  # no row made or changed: not hers, nor one for Bob
    assert rows(db, "SELECT id FROM users WHERE id = ?", (bob.id,)) == []
    assert errors(update_log) == []

    # Her private chat works as before, and a timer fires there, not in the group.
    assert "Timer set" in (await ann.say("/timer 1s x")).text
    await runner.advance(timedelta(seconds=2))
    assert "⏰ Timer: x" in (await ann.reply()).text
    await ann.quiet()  # one timer: the one /timer in the group made none
    await group.quiet()


async def test_commands_for_another_bot_are_ignored_in_private(
    ann: Baker, emulator: BotAPIEmulator, settings: Settings
) -> None:
    db = settings.database_path
    for text in ("/start@other_bot", "/rise@other_bot 30"):  # not even a users row for these
        await ann.send(text)
    assert "What I can do" in (await ann.say(f"/help@{BOT_USERNAME}")).text  # in order: no reply before
    await ann.say("/start")
    assert "What are you baking?" in (await ann.say("/newbake")).text
    before = snapshot(db)

    for text in ("/rise@other_bot 30", "/cancel@other_bot", "/newbake@Other_Bot X", "/status@other_bot",
                 "/timer@other_bot 1s x", "/help@other_bot"):
        await ann.send(text)
    # Her updates are handled in order: had any of those got a reply, it would come first; and
    # the dialog was not left for another bot's command: this answers its question.
    recipe = await ann.say("Rye")
    assert "Skip" in recipe.button_texts
    assert snapshot(db) == before

    # Our own name works like no name at all.
    assert "What I can do" in (await ann.say(f"/help@{BOT_USERNAME}")).text
    assert "Started Rye" in (await ann.say("/newbake@SourDough_Emulator_Bot Rye")).text
    assert "Rye" in (await ann.say(f"/status@{BOT_USERNAME.upper()}")).text
    await ann.quiet()


async def test_bots_and_channel_posts_get_no_reply_and_no_error(
    ann: Baker,
    emulator: BotAPIEmulator,
    settings: Settings,
    update_log: pytest.LogCaptureFixture,
) -> None:
    db = settings.database_path
    await ann.say("/start")
    group = GroupChat(emulator, update_log, -1009876543210)
    channel = GroupChat(emulator, update_log, -1005555555555, "channel", "Bread news")
    emulator.set_user(OTHER_BOT_ID, first_name="Other")  # would show a reply to the bot
    before = snapshot(db)

    for text in ("/start", "/status", f"@{BOT_USERNAME} hello", "40%"):
        # An anonymous admin writes as GroupAnonymousBot, on behalf of the group.
        anonymous = group.message(ANONYMOUS_ADMIN, text, sender_chat=group.chat)
        assert await group.deliver({"message": anonymous}) == "not handled"
        assert await group.edit(anonymous, text + " (edited)") == "not handled"
        # Another bot, in the group and in a private chat of its own.
        assert await group.send(OTHER_BOT, text) == "not handled"
        own_chat = {"id": OTHER_BOT_ID, "type": "private", "first_name": "Other"}
        private = {**group.message(OTHER_BOT, text), "chat": own_chat}
        assert await group.deliver({"message": private}) == "not handled"
        # A channel's posts: no `from` at all.
        post = channel.message(ANONYMOUS_ADMIN, text)
        del post["from"]
        post["sender_chat"] = channel.chat
        assert await channel.deliver({"channel_post": post}) == "not handled"
        edited_post = {**post, "edit_date": post["date"]}
        assert await channel.deliver({"edited_channel_post": edited_post}) == "not handled"

    for chat_id in (group.id, channel.id, OTHER_BOT_ID, ann.id):
        await emulator.no_message(chat_id, within=0.2)
    assert snapshot(db) == before
    assert rows(db, "SELECT id FROM users WHERE id IN (?, ?)", (ANONYMOUS_ADMIN["id"], OTHER_BOT["id"])) == []
    assert errors(update_log) == []
    assert "/status" in (await ann.say("/help")).text  # the bot is still fine
