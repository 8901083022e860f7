"""Helpers shared by handlers: long replies split under Telegram's limit, and how times and
predictions read in the baker's own timezone."""

from __future__ import annotations

from datetime import datetime, tzinfo

from aiogram.types import InlineKeyboardMarkup, Message

from bot import texts
from schedules.service import Prediction


async def answer(message: Message, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    """Send a reply of any length: split under 4096 characters, buttons on the last part."""
    parts = texts.split_message(text)
    sent = message
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        sent = await message.answer(part, reply_markup=markup if last else None)
    return sent


def prediction_text(prediction: Prediction | None, zone: tzinfo, now: datetime) -> str:
    if prediction is None:
        return ""
    low, high = (texts.fmt_time(t, zone, now) for t in prediction.window)
    return texts.prediction_line(prediction.target_rise_pct, (low, high), prediction.basis)
