"""Registered last: whatever no other handler took gets a friendly reply, never silence."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot import keyboards as kb
from bot import texts
from bot.replies import answer

router = Router(name="fallback")


def _command_list() -> str:
    return "\n".join(f"/{cmd} — {texts.esc(desc)}" for cmd, desc, _ in texts.COMMANDS)


@router.message(F.text.startswith("/"))
async def unknown_command(message: Message) -> None:
    command = (message.text or "/").split()[0][:40]
    await answer(message, texts.UNKNOWN_COMMAND.format(command=texts.esc(command), commands=_command_list()))


@router.message(F.text)
async def unknown_text(message: Message) -> None:
    await answer(message, texts.UNKNOWN_TEXT)


@router.message()
async def unsupported(message: Message) -> None:
    await answer(message, texts.UNSUPPORTED_CONTENT)


@router.callback_query(kb.BakeCb.filter())
async def not_your_bake(query: CallbackQuery) -> None:
    """A bake button whose bake is not the presser's (forged, or deleted meanwhile)."""
    await query.answer(texts.BAKE_NOT_FOUND, show_alert=True)


@router.callback_query()
async def stale_button(query: CallbackQuery) -> None:
    await query.answer(texts.STALE_BUTTON, show_alert=True)
