"""Looking back: a bake card's buttons, /chart, /export, /import and /deleteme."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import keyboards as kb
from storage.models import Bake

router = Router(name="history")


def card_buttons(bake: Bake) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="📈 Chart", callback_data=kb.BakeCb(action="chart", bake_id=bake.id))
    builder.button(text="📤 Export", callback_data=kb.BakeCb(action="export", bake_id=bake.id))
    builder.button(text="✏️ Notes/rating", callback_data=kb.BakeCb(action="edit", bake_id=bake.id))
    builder.button(text="🔁 Bake again", callback_data=kb.BakeCb(action="again", bake_id=bake.id))
    builder.button(text="🗑 Delete", callback_data=kb.BakeCb(action="delete", bake_id=bake.id))
    builder.adjust(2, 2, 1)
    return builder.as_markup()
