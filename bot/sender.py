"""Turns a due reminder into a Telegram message (the scheduler knows nothing of Telegram)."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import tzinfo

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.methods import SendMessage
from aiogram.types import MessageId

from bot import keyboards as kb
from bot import texts
from bot.delivery import RateLimiter
from bot.i18n import _, use_locale
from schedules import forecast
from schedules.clock import Clock
from schedules.parsing import zone_for
from schedules.services.scheduler import Outcome
from schedules.types import Bake, Reminder, ReminderKind, User

log = logging.getLogger(__name__)


class SendReminderMessage(SendMessage):
    """sendMessage whose answer is read for its message id only: the reminder path needs nothing
    else, and reading back the whole Message, keyboard included, costs about as much as building
    the request (bench/bench_reminders.py sends 500 a second)."""

    __returning__ = MessageId  # type: ignore[assignment]


class TelegramReminderSender:
    def __init__(
        self, bot: Bot, clock: Clock, default_timezone: str, limiter: RateLimiter | None = None
    ) -> None:
        self.bot = bot
        self.clock = clock
        self.default_timezone = default_timezone
        self.limiter = limiter  # the one the bot's sends go through: asked how long a chat waits

    def chat_wait(self, chat_id: int) -> float:
        return self.limiter.chat_wait(chat_id) if self.limiter is not None else 0.0

    def _zone(self, user: User) -> tzinfo:
        return zone_for(user.timezone, self.default_timezone)

    def render(
        self,
        reminder: Reminder,
        user: User,
        bake: Bake | None,
        *,
        late: bool,
        expected_rise: float | None = None,
    ) -> str:
        """The reminder's text, in the baker's language (the caller sets it: `use_locale`)."""
        name, count, target, proof_end = _("your dough"), 0, _("the target"), None
        if bake is not None:
            name = texts.esc(bake.name)
            count = bake.folds_count or user.folds_count
            if bake.target_rise_pct:
                target = texts.fmt_pct(round(bake.target_rise_pct))
            proof_end = bake.proof_ends_at
        zone, now = self._zone(user), self.clock.now()
        template = texts.REMINDER_TEXTS.get(reminder.kind, texts.REMINDER_TEXTS["timer"])
        text = template.format(
            name=name,
            seq=reminder.seq or "",
            count=count,
            target=target,
            label=texts.esc(texts.reminder_label(reminder.label) or _("time's up")),
            time=texts.fmt_at(proof_end, zone, now) if proof_end else _("soon"),
        )
        if expected_rise is not None and reminder.kind == ReminderKind.RISE_CHECK:
            text += "\n" + texts.RISE_EXPECTED.format(pct=texts.fmt_pct(round(expected_rise)))
        if late:
            text += texts.LATE_NOTE.format(time=texts.fmt_at(reminder.due_at, zone, now))
        return text

    async def send_reminder(
        self,
        reminder: Reminder,
        user: User,
        bake: Bake | None,
        *,
        late: bool,
        expected_rise: float | None = None,
    ) -> Outcome:
        """`expected_rise`: for a rise check, what the model expects by now (the domain's
        forecast); its buttons offer values around it, and the text says it."""
        with use_locale(user.language):
            text = self.render(reminder, user, bake, late=late, expected_rise=expected_rise)
            markup = kb.reminder_keyboard(reminder, forecast.rise_choices(expected_rise))
        try:
            await self.bot(SendReminderMessage(chat_id=user.chat_id, text=text, reply_markup=markup))
        except TelegramForbiddenError:
            return Outcome.BLOCKED
        except TelegramAPIError as exc:
            log.error("reminder %s not delivered: %s", reminder.id, type(exc).__name__)
            return Outcome.FAILED
        return Outcome.SENT

    async def send_missed_summary(self, user: User, missed: list[Reminder], *, blocked: bool = False) -> None:
        """One message for many missed reminders: while the bot was offline, or blocked."""
        with use_locale(user.language):
            kinds = Counter(str(texts.REMINDER_KIND_NAMES.get(r.kind, r.kind)) for r in missed)
            kinds_text = ", ".join(f"{n} × {kind}" for kind, n in kinds.most_common())
            last = max(r.due_at for r in missed)
            template = texts.MISSED_WHILE_BLOCKED if blocked else texts.MISSED_SUMMARY
            text = template.format(
                n=len(missed), kinds=kinds_text, time=texts.fmt_at(last, self._zone(user), self.clock.now())
            )
        try:
            await self.bot.send_message(user.chat_id, text)
        except TelegramAPIError as exc:
            log.warning("missed summary for user %s not delivered: %s", user.id, type(exc).__name__)
