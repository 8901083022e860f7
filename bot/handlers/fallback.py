"""Registered last: whatever no other handler took gets a friendly reply, never silence."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot import keyboards as kb
from bot import texts
from bot.replies import answer


def _command_list() -> str:
    return "\n".join(f"/{cmd} — {texts.esc(desc)}" for cmd, desc, _ in texts.COMMANDS)


async def unknown_command(message: Message) -> None:
    command = (message.text or "/").split()[0][:40]
    await answer(message, texts.UNKNOWN_COMMAND.format(command=texts.esc(command), commands=_command_list()))


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
    router.callback_query.register(not_your_bake, kb.BakeCb.filter())
    router.callback_query.register(stale_button)
    return router
