"""Bot API methods called by a real aiogram Bot: result shapes and Telegram's validation."""

from __future__ import annotations

import struct
import zlib

import aiohttp
import pytest
from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyParameters,
)

from emulator import BotAPIEmulator

from .conftest import make_bot

USER = 1001


def png(width: int, height: int) -> bytes:
    """A minimal valid PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data)] for text, data in buttons
        ]
    )


async def test_get_me(bot: Bot, emulator: BotAPIEmulator) -> None:
    me = await bot.get_me()
    assert me.id == 123456
    assert me.is_bot
    assert me.username == emulator.bot_user["username"]


async def test_send_message_returns_a_proper_message(bot: Bot, emulator: BotAPIEmulator) -> None:
    user_message = await emulator.send_text(USER, "hi", first_name="Ada")
    message = await bot.send_message(
        USER,
        "<b>Feed</b> the starter &amp; wait",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(("Done", "fed:1")),
    )
    assert message.message_id == user_message["message_id"] + 1
    assert message.chat.id == USER and message.chat.type == "private"
    assert message.chat.first_name == "Ada"
    assert message.from_user is not None and message.from_user.is_bot
    assert message.text == "Feed the starter & wait"
    assert message.entities is not None and message.entities[0].type == "bold"
    assert message.reply_markup is not None
    assert message.reply_markup.inline_keyboard[0][0].callback_data == "fed:1"
    assert isinstance(message.date.timestamp(), float)

    sent = await emulator.next_message(USER)
    assert sent.text == "Feed the starter & wait"
    assert sent.html == "<b>Feed</b> the starter &amp; wait"
    assert sent.parse_mode == "HTML"
    assert sent.buttons == [[("Done", "fed:1")]]


async def test_message_ids_increase_per_chat(bot: Bot, emulator: BotAPIEmulator) -> None:
    await emulator.send_text(1, "a")
    await emulator.send_text(2, "b")
    first = await bot.send_message(1, "x")
    second = await bot.send_message(1, "y")
    other = await bot.send_message(2, "z")
    assert (first.message_id, second.message_id, other.message_id) == (2, 3, 2)


@pytest.mark.parametrize(
    ("kwargs", "description"),
    [
        ({"text": ""}, "Bad Request: message text is empty"),
        ({"text": "   \n"}, "Bad Request: message text is empty"),
        ({"text": "<b></b>", "parse_mode": "HTML"}, "Bad Request: message text is empty"),
        ({"text": "x" * 4097}, "Bad Request: message is too long"),
        (
            {"text": "<b>unclosed", "parse_mode": "HTML"},
            "Bad Request: can't parse entities: "
            'Can\'t find end tag corresponding to start tag "b"',
        ),
        (
            {"text": "<foo>x</foo>", "parse_mode": "HTML"},
            'Bad Request: can\'t parse entities: Unsupported start tag "foo" at byte offset 0',
        ),
        (
            {"text": "ok", "reply_markup": keyboard(("Big", "x" * 65))},
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        ({"text": "x", "parse_mode": "Klingon"}, "Bad Request: unsupported parse_mode"),
    ],
)
async def test_send_message_validation(
    bot: Bot, emulator: BotAPIEmulator, kwargs: dict[str, object], description: str
) -> None:
    await emulator.send_text(USER, "hi")
    with pytest.raises(TelegramBadRequest) as caught:
        await bot.send_message(USER, **kwargs)  # type: ignore[arg-type]
    assert caught.value.message == description
    assert emulator.messages(USER) == []


async def test_length_limit_counts_text_after_parsing(bot: Bot, emulator: BotAPIEmulator) -> None:
    await emulator.send_text(USER, "hi")
    text = "<b>" + "x" * 4096 + "</b>"
    message = await bot.send_message(USER, text, parse_mode="HTML")
    assert message.text is not None and len(message.text) == 4096
    callback_data = "é" * 32  # 64 bytes is still fine
    await bot.send_message(USER, "ok", reply_markup=keyboard(("B", callback_data)))


async def test_chat_not_found(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(424242, "hello?")


async def test_edit_message(bot: Bot, emulator: BotAPIEmulator) -> None:
    await emulator.send_text(USER, "hi")
    message = await bot.send_message(USER, "Rising", reply_markup=keyboard(("Stop", "stop")))
    with pytest.raises(TelegramBadRequest) as caught:
        await bot.edit_message_text(
            text="Rising",
            chat_id=USER,
            message_id=message.message_id,
            reply_markup=keyboard(("Stop", "stop")),
        )
    assert caught.value.message.startswith("Bad Request: message is not modified: specified new")

    edited = await bot.edit_message_text(
        text="<i>Risen</i>", chat_id=USER, message_id=message.message_id, parse_mode="HTML"
    )
    assert not isinstance(edited, bool)
    assert edited.text == "Risen" and edited.reply_markup is None and edited.edit_date
    state = emulator.message(USER, message.message_id)
    assert (state.text, state.edited, state.buttons) == ("Risen", 1, [])

    await bot.edit_message_reply_markup(
        chat_id=USER, message_id=message.message_id, reply_markup=keyboard(("Again", "again"))
    )
    assert emulator.message(USER, message.message_id).buttons == [[("Again", "again")]]

    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=USER, message_id=999)


async def test_delete_message(bot: Bot, emulator: BotAPIEmulator) -> None:
    await emulator.send_text(USER, "hi")
    message = await bot.send_message(USER, "temporary")
    assert await bot.delete_message(USER, message.message_id)
    assert emulator.message(USER, message.message_id).deleted
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(USER, message.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=USER, message_id=message.message_id)


async def test_answer_callback_query(bot: Bot, emulator: BotAPIEmulator) -> None:
    await emulator.send_text(USER, "hi")
    message = await bot.send_message(USER, "Pick", reply_markup=keyboard(("A", "a")))
    query_id = await emulator.press_button(USER, message.message_id, "a")
    with pytest.raises(TelegramBadRequest):
        await bot.answer_callback_query(query_id, text="x" * 201)
    assert await bot.answer_callback_query(query_id, text="Saved", show_alert=True)
    assert (await emulator.callback_answer(query_id))["text"] == "Saved"
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id)


async def test_commands(bot: Bot, emulator: BotAPIEmulator) -> None:
    commands = [
        BotCommand(command="start", description="Begin"),
        BotCommand(command="bake", description="New bake"),
    ]
    assert await bot.set_my_commands(commands)
    assert emulator.commands == [
        {"command": "start", "description": "Begin"},
        {"command": "bake", "description": "New bake"},
    ]
    assert [command.command for command in await bot.get_my_commands()] == ["start", "bake"]
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])


async def test_send_document_and_photo_keep_bytes(bot: Bot, emulator: BotAPIEmulator) -> None:
    await emulator.send_text(USER, "hi")
    document = await bot.send_document(
        USER,
        BufferedInputFile(b'{"loaves": 2}', filename="export.json"),
        caption="<b>Export</b>",
        parse_mode="HTML",
    )
    assert document.document is not None
    assert document.document.file_name == "export.json"
    assert document.document.mime_type == "application/json"
    assert document.document.file_size == 13
    assert document.caption == "Export"

    image = png(640, 480)
    photo = await bot.send_photo(USER, BufferedInputFile(image, filename="chart.png"))
    assert photo.photo is not None
    assert (photo.photo[-1].width, photo.photo[-1].height) == (640, 480)

    again = await bot.send_document(USER, document.document.file_id)
    assert again.document is not None and again.document.file_id == document.document.file_id

    sent_document = await emulator.next_message(USER)
    assert sent_document.kind == "document"
    assert sent_document.document == b'{"loaves": 2}'
    assert sent_document.filename == "export.json"
    assert (sent_document.text, sent_document.caption, sent_document.html) == (
        "Export",
        "Export",
        "<b>Export</b>",
    )
    sent_photo = await emulator.next_message(USER)
    assert sent_photo.photo == image
    assert (await emulator.next_message(USER)).document == b'{"loaves": 2}'

    downloaded = await bot.download(photo.photo[-1].file_id)
    assert downloaded is not None and downloaded.read() == image
    assert [stored.file_name for stored in emulator.uploaded_files] == ["export.json", "chart.png"]


async def test_media_validation(bot: Bot, emulator: BotAPIEmulator) -> None:
    await emulator.send_text(USER, "hi")
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_document(USER, BufferedInputFile(b"x", filename="a.txt"), caption="c" * 1025)
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(USER, BufferedInputFile(b"not an image", filename="a.png"))
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(USER, "no-such-file-id")


async def test_user_files_can_be_downloaded(bot: Bot, emulator: BotAPIEmulator) -> None:
    message = await emulator.send_document(USER, "starter.json", b'{"hydration": 100}')
    file_id = message["document"]["file_id"]
    file = await bot.get_file(file_id)
    assert file.file_path is not None and file.file_size == 18
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == b'{"hydration": 100}'

    photo = await emulator.send_photo(USER, png(3, 2))
    assert (photo["photo"][0]["width"], photo["photo"][0]["height"]) == (3, 2)
    sticker = await emulator.send_sticker(USER)
    assert sticker["sticker"]["emoji"] == "👍"
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("nope")


async def test_raw_http_shapes(emulator: BotAPIEmulator) -> None:
    await emulator.send_text(USER, "hi")
    base = f"{emulator.base_url}/bot{emulator.token}"
    async with aiohttp.ClientSession() as http:
        payload = {"chat_id": USER, "text": "json body", "reply_markup": {"inline_keyboard": []}}
        async with http.post(f"{base}/SENDMESSAGE", json=payload) as response:
            body = await response.json()
            assert response.status == 200 and body["ok"] is True
            assert body["result"]["text"] == "json body"
        async with http.get(f"{base}/getMe") as response:
            assert (await response.json())["result"]["is_bot"] is True
        async with http.post(f"{base}/sendCarrierPigeon") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        async with http.post(f"{emulator.base_url}/bot1:wrong/getMe") as response:
            assert response.status == 401
            assert (await response.json())["description"] == "Unauthorized"
        async with http.get(f"{emulator.base_url}/file/bot{emulator.token}/nope") as response:
            assert response.status == 404


async def test_errors_map_to_aiogram_exceptions(emulator: BotAPIEmulator) -> None:
    wrong = make_bot(emulator, token="999:WRONG-TOKEN-abcdefghijklmnopqrstuvwxyz")
    with pytest.raises(TelegramUnauthorizedError):
        await wrong.get_me()
    await wrong.session.close()
    bot = make_bot(emulator)
    with pytest.raises(TelegramNotFound):
        await bot.get_chat(USER)  # not emulated: 404 Not Found
    await bot.session.close()


async def test_reply_keyboard_and_reply_to(bot: Bot, emulator: BotAPIEmulator) -> None:
    question = await emulator.send_text(USER, "how long?")
    markup = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="1h"), KeyboardButton(text="2h")]])
    message = await bot.send_message(
        USER,
        "Pick",
        reply_markup=markup,
        reply_parameters=ReplyParameters(message_id=question["message_id"]),
    )
    assert message.reply_markup is None  # only inline keyboards are echoed by Telegram
    assert message.reply_to_message is not None
    assert message.reply_to_message.text == "how long?"
    sent = await emulator.next_message(USER)
    assert sent.keyboard == [["1h", "2h"]] and sent.buttons == []
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(USER, "x", reply_parameters=ReplyParameters(message_id=999))


async def test_edit_caption(bot: Bot, emulator: BotAPIEmulator) -> None:
    await emulator.send_text(USER, "hi")
    message = await bot.send_photo(USER, BufferedInputFile(png(2, 2), "p.png"), caption="old")
    edited = await bot.edit_message_caption(
        chat_id=USER, message_id=message.message_id, caption="<b>new</b>", parse_mode="HTML"
    )
    assert not isinstance(edited, bool) and edited.caption == "new"
    assert emulator.message(USER, message.message_id).text == "new"
    with pytest.raises(TelegramBadRequest, match="no text in the message"):
        await bot.edit_message_text(text="x", chat_id=USER, message_id=message.message_id)


async def test_per_chat_rate_limit(bot: Bot, emulator: BotAPIEmulator) -> None:
    await emulator.send_text(1, "a")
    await emulator.send_text(2, "b")
    emulator.per_chat_rate_limit = 1
    await bot.send_message(1, "first")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(1, "second")
    await bot.send_message(2, "other chat is fine")


async def test_send_media_group_and_a_photo_by_file_id(bot: Bot, emulator: BotAPIEmulator) -> None:
    from aiogram.types import InputMediaDocument, InputMediaPhoto

    user_photo = await emulator.send_photo(USER, png(5, 4))
    known = user_photo["photo"][-1]["file_id"]
    # A photo the user sent, sent back by its file_id.
    again = await bot.send_photo(USER, known, caption="<i>yours</i>", parse_mode="HTML")
    assert again.photo is not None and again.photo[-1].file_id == known and again.caption == "yours"
    assert (await emulator.next_message(USER)).file_id == known

    uploaded = png(7, 2)
    album = await bot.send_media_group(
        USER,
        [
            InputMediaPhoto(media=known, caption="<b>one</b>", parse_mode="HTML"),
            InputMediaPhoto(media=BufferedInputFile(uploaded, filename="two.png")),
            InputMediaPhoto(media=known, caption="three"),
        ],
    )
    assert len(album) == 3
    assert len({m.media_group_id for m in album}) == 1 and album[0].media_group_id
    assert [m.caption for m in album] == ["one", None, "three"]
    assert album[0].caption_entities is not None and album[0].caption_entities[0].type == "bold"
    assert [m.message_id for m in album] == sorted(m.message_id for m in album)
    sent = [await emulator.next_message(USER) for _ in range(3)]
    assert [m.kind for m in sent] == ["photo"] * 3
    assert sent[1].photo == uploaded and sent[0].file_id == known
    assert emulator.uploaded_files[-1].file_name == "two.png"
    second = await bot.send_media_group(USER, [InputMediaPhoto(media=known), InputMediaPhoto(media=known)])
    assert second[0].media_group_id != album[0].media_group_id
    await emulator.next_message(USER)
    await emulator.next_message(USER)

    with pytest.raises(TelegramBadRequest, match="between 2 and 10"):
        await bot.send_media_group(USER, [InputMediaPhoto(media=known)])
    with pytest.raises(TelegramBadRequest, match="between 2 and 10"):
        await bot.send_media_group(USER, [InputMediaPhoto(media=known)] * 11)
    with pytest.raises(TelegramBadRequest, match="can't be mixed"):
        await bot.send_media_group(
            USER, [InputMediaPhoto(media=known), InputMediaDocument(media=BufferedInputFile(b"x", "a.txt"))]
        )
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_media_group(USER, [InputMediaPhoto(media=known), InputMediaPhoto(media="nope")])
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        long_caption = InputMediaPhoto(media=known, caption="c" * 1025)
        await bot.send_media_group(USER, [InputMediaPhoto(media=known), long_caption])
    await emulator.no_message(USER)  # an album with a bad item sends nothing at all
