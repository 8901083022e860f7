"""Registered last: whatever no other handler took gets a friendly reply, never silence. A
mistyped command (`/rsie 45`) is answered with the command it was likely meant as, on a button
that runs it with the same arguments."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, ErrorEvent, Message, Update

from bot import keyboards as kb
from bot import texts
from bot.errors import on_error
from bot.replies import answer, origin
from schedules.typos import split_command, suggest_commands


def command_names() -> list[str]:
    """The bot's commands, most used first (as /help lists them), and /start."""
    return [command for command, _description, _example in texts.COMMANDS] + ["start"]


def _listed(commands: list[str]) -> str:
    names = [f"/{command}" for command in commands]
    if len(names) == 1:
        return names[0]
    return texts.COMMANDS_OR.format(first=", ".join(names[:-1]), last=names[-1])


async def unknown_command(message: Message) -> None:
    text = message.text or "/"
    typed = texts.esc(text.split()[0][:40])
    word, args = split_command(text)
    suggestions = suggest_commands(word, command_names())
    if not suggestions:
        await answer(message, texts.UNKNOWN_COMMAND_SHORT.format(command=typed))
        return
    buttons = [(command, f"▶️ /{command} {args}".strip()) for command in suggestions]
    await message.reply(
        texts.UNKNOWN_COMMAND_SUGGEST.format(command=typed, suggestions=_listed(suggestions)),
        reply_markup=kb.fix_keyboard(message.message_id, buttons),
    )


async def run_fixed_command(
    query: CallbackQuery, callback_data: kb.FixCb, bot: Bot, event_router: Router, **data: Any
) -> None:
    """A tap on [▶️ /rise 45]: the mistyped message is handled again as the command it was meant
    as, with its arguments and its identity (so what it logs is logged once, however often the
    button is tapped), through the same routers, filters and error handling as a typed one."""
    suggestion = origin(query)
    typed = suggestion.reply_to_message if suggestion is not None else None
    if callback_data.command not in command_names():
        await query.answer(str(texts.STALE_BUTTON), show_alert=True)
        return
    if typed is None or typed.message_id != callback_data.message_id or not typed.text:
        await query.answer(str(texts.FIX_GONE), show_alert=True)
        return
    _word, args = split_command(typed.text)
    corrected = typed.model_copy(
        update={"text": f"/{callback_data.command} {args}".strip(), "entities": None}
    ).as_(bot)
    await query.answer()
    if suggestion is not None and suggestion.reply_markup is not None:
        await suggestion.edit_reply_markup(reply_markup=None)  # tapped: the buttons go
    root = event_router
    while root.parent_router is not None:
        root = root.parent_router
    for key in ("callback_data", "handler", "event_update"):
        data.pop(key, None)
    update = Update(update_id=0, message=corrected)
    try:
        await root.propagate_event("message", corrected, bot=bot, event_update=update, **data)
    except Exception as exc:  # answered as a typed message's would be, not as the button's
        await on_error(ErrorEvent(update=update, exception=exc), bot=bot, **data)


async def unknown_text(message: Message) -> None:
    await answer(message, str(texts.UNKNOWN_TEXT))


async def unsupported(message: Message) -> None:
    await answer(message, str(texts.UNSUPPORTED_CONTENT))


async def not_your_bake(query: CallbackQuery) -> None:
    """A bake button whose bake is not the presser's (forged, or deleted meanwhile)."""
    await query.answer(str(texts.BAKE_NOT_FOUND), show_alert=True)


async def stale_button(query: CallbackQuery) -> None:
    await query.answer(str(texts.STALE_BUTTON), show_alert=True)


def build_router() -> Router:
    """Registered last: takes what no other router did."""
    router = Router(name="fallback")
    router.message.register(unknown_command, F.text.startswith("/"))
    router.message.register(unknown_text, F.text)
    router.message.register(unsupported)
    router.callback_query.register(run_fixed_command, kb.FixCb.filter())
    router.callback_query.register(not_your_bake, kb.BakeCb.filter())
    router.callback_query.register(stale_button)
    return router
