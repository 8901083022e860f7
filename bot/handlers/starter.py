"""The starter log: /feed records a feeding and reminds at the peak, /starter looks back."""

from __future__ import annotations

from datetime import timedelta

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot import texts
from bot.replies import answer, clock, message_key
from schedules.parsing import ParseError, parse_feed_ratio, parse_temperature
from schedules.services import Services
from schedules.types import User


async def feed(message: Message, command: CommandObject, services: Services, user: User) -> None:
    args = (command.args or "").split()
    try:
        if not 1 <= len(args) <= 2:
            raise ParseError("feed_format")
        ratio = parse_feed_ratio(args[0])
        temp_c = (
            parse_temperature(args[1], default_unit=user.temp_unit, valid_c=(5.0, 40.0))
            if len(args) == 2
            else None
        )
    except ParseError as exc:
        reason = exc.reason if exc.reason.startswith("temp") else "feed_format"
        await answer(message, texts.input_error(reason, "", **exc.details))
        return
    result = await services.starter.feed(user.id, ratio, temp_c, source_key=message_key(message))
    feeding, peak = result.feeding, result.peak
    zone, now = clock(services, user)

    def at(hours: float) -> str:
        return texts.fmt_time(feeding.fed_at + timedelta(hours=hours), zone, now)

    ratio_text = ":".join(f"{part:g}" for part in ratio)
    temp_text = f" at {texts.fmt_temp(temp_c, user.temp_unit)}" if temp_c is not None else ""
    await answer(
        message,
        texts.FEED_LOGGED.format(
            ratio=ratio_text,
            temp=temp_text,
            peak=at(peak.peak_hours),
            low=at(peak.low_hours),
            high=at(peak.high_hours),
        ),
    )


async def starter(message: Message, services: Services, user: User) -> None:
    user, feedings = await services.starter.feedings(user.id)
    if not feedings:
        await answer(message, texts.STARTER_EMPTY)
        return
    zone, _ = clock(services, user)
    lines = ["<b>Recent feedings</b>"]
    for feeding in feedings:
        ratio = f"{feeding.starter_parts:g}:{feeding.flour_parts:g}:{feeding.water_parts:g}"
        temp = f", {texts.fmt_temp(feeding.temp_c, user.temp_unit)}" if feeding.temp_c is not None else ""
        lines.append(
            f"• {texts.fmt_date(feeding.fed_at, zone)} — {ratio}{temp}, "
            f"peak expected after {texts.fmt_hours(feeding.peak_hours)}"
        )
    # How fast this starter has been peaking: the mean expected time per ratio family.
    by_ratio: dict[float, list[float]] = {}
    for feeding in feedings:
        by_ratio.setdefault(feeding.flour_parts / feeding.starter_parts, []).append(feeding.peak_hours)
    lines.append("")
    for flour_per_starter, hours in sorted(by_ratio.items()):
        mean = texts.fmt_hours(sum(hours) / len(hours))
        lines.append(f"1:{flour_per_starter:g} feedings peak after about {mean}")
    await answer(message, "\n".join(lines))


def build_router() -> Router:
    router = Router(name="starter")
    router.message.register(feed, Command("feed"))
    router.message.register(starter, Command("starter"))
    return router
