"""Wiring: settings → storage → scheduler → aiogram Bot and Dispatcher.

Replicas: in webhook mode on PostgreSQL several processes may serve one bot. Each then handles
updates under per-baker locks (`BakerLocks`, through the inbox), reads dialog state without a
cache, and sends reminders only while it holds the pacer lease (`PacerLease`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from aiogram import Bot, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import BotCommand

from bot import texts
from bot.config import Settings
from bot.delivery import DeliveryMiddleware, RateLimiter
from bot.errors import on_error
from bot.handlers import (
    bakes,
    fallback,
    groups,
    history,
    membership,
    photos,
    plan,
    readings,
    recipes,
    reminders,
    sharing,
    start,
    starter,
)
from bot.i18n import LANGUAGES, catalog_language, use_locale
from bot.middlewares import CommandLeavesDialog, IgnoredUpdates, ServicesMiddleware, private_only
from bot.reliability import DialogReplay, DurableDispatcher, InboxMarks, WelcomeBack, replay_unfinished
from bot.sender import TelegramReminderSender
from schedules.clock import Clock, SystemClock
from schedules.services import Services
from schedules.services.scheduler import ReminderService
from schedules.types import ReminderChanges
from storage.database import AnyDatabase, open_database
from storage.fsm import SqlFsmStorage

if TYPE_CHECKING:
    from storage.postgres import BakerLocks, PacerLease

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    bot: Bot
    dispatcher: DurableDispatcher
    database: AnyDatabase
    reminders: ReminderService
    services: Services
    delivery: DeliveryMiddleware
    clock: Clock
    # Replicas (webhook mode on PostgreSQL): the per-baker locks and the pacer lease.
    locks: BakerLocks | None = None
    lease: PacerLease | None = None
    background: set[asyncio.Task[None]] = field(default_factory=set)


def build_routers() -> list[Router]:
    """Fresh routers for each Dispatcher (an aiogram router belongs to one Dispatcher, and tests
    and the sandbox build a new one on restart). The groups router comes first and takes what is
    said in groups, supergroups and channels; the feature routers only see private chats. The
    fallback router takes what nobody else did, so it comes last; readings come first among the
    features because they are most of the traffic."""
    # sharing before start (it takes `/start <code>`); recipes before history (it takes "Bake again");
    # photos after history (a photo while /import waits for a file is answered there).
    features = (
        readings, reminders, bakes, sharing, start, starter, recipes, history, photos, membership, plan,
        fallback,
    )
    return [groups.build_router(), *(private_only(module.build_router()) for module in features)]


def build_dispatcher(
    services: Services, database: AnyDatabase, delivery: DeliveryMiddleware, default_language: str = "en"
) -> DurableDispatcher:
    # The write-through cache assumes one process writes fsm_state; on PostgreSQL other
    # replicas may, so every read goes to the database.
    fsm = SqlFsmStorage(database, cache=not database.shared)
    services.users.cache = not database.shared  # per-process caches can't see other replicas
    # One baker's updates are handled one at a time, in order; other bakers are not held up.
    dispatcher = DurableDispatcher(storage=fsm, events_isolation=SimpleEventIsolation())
    dispatcher.services = services
    middleware = ServicesMiddleware(services, delivery, default_language)
    dispatcher["handlers_in_flight"] = middleware
    dispatcher["database"] = database
    dispatcher.update.outer_middleware(InboxMarks(services))
    dispatcher.update.outer_middleware(IgnoredUpdates())  # bots, channel posts, other bots' commands
    dispatcher.update.outer_middleware(middleware)
    for observer in (dispatcher.message, dispatcher.callback_query):
        observer.outer_middleware(WelcomeBack())
    dispatcher.message.outer_middleware(CommandLeavesDialog())  # before filters pick a handler
    dispatcher.message.outer_middleware(DialogReplay())
    dispatcher.include_routers(*build_routers())
    dispatcher.errors.register(on_error)

    def committed(changes: ReminderChanges) -> None:
        services.committed(changes)
        for user_id in changes.users:
            fsm.forget_user(user_id)

    database.on_commit = committed
    return dispatcher


async def build_app(
    settings: Settings, token: str, *, clock: Clock | None = None, backoff_base_s: float = 0.5
) -> App:
    clock = clock or SystemClock()
    # PostgreSQL when DATABASE_URL is set, else the SQLite file at DATABASE_PATH.
    url = settings.database_url.get_secret_value() if settings.database_url else None
    database = await open_database(
        settings.database_path, url, pool_size=settings.database_pool_size
    ).open()
    # Webhook mode on PostgreSQL: other replicas may serve the same bot on this database.
    replicas = bool(settings.webhook_url) and database.shared and url is not None
    reminder_service = ReminderService(
        database,
        clock,
        horizon=timedelta(minutes=settings.scheduler_horizon_minutes),
        grace=timedelta(hours=settings.reminder_grace_hours),
        default_timezone=settings.default_timezone,
        shared=replicas,
        claim_for=timedelta(seconds=settings.reminder_claim_seconds),
        poll=timedelta(seconds=settings.replica_poll_seconds),
        owner=f"{socket.gethostname()}:{os.getpid()}",
    )
    delivery = DeliveryMiddleware(
        RateLimiter(settings.rate_limit_global_per_s, settings.rate_limit_per_chat_per_s),
        max_retries=settings.send_max_retries,
        backoff_base_s=backoff_base_s,
        on_blocked=reminder_service.pause,
    )
    api = TelegramAPIServer.from_base(settings.telegram_api_base) if settings.telegram_api_base else None
    session = AiohttpSession(api=api) if api else AiohttpSession()
    session.middleware(delivery)
    bot = Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    services = Services.build(database, reminder_service, clock, settings.default_timezone)
    dispatcher = build_dispatcher(services, database, delivery, settings.default_language)
    app = App(settings, bot, dispatcher, database, reminder_service, services, delivery, clock)
    if replicas:
        from storage.postgres import BakerLocks, PacerLease

        assert url is not None
        try:
            app.locks = await BakerLocks(url).open()
        except BaseException:
            await database.close()
            raise
        app.lease = PacerLease(url)
        services.inbox.locks = app.locks
    dispatcher["app"] = app  # handed to on_startup/on_shutdown by name
    dispatcher["import_max_bytes"] = settings.import_max_bytes
    dispatcher.startup.register(on_startup)
    dispatcher.shutdown.register(on_shutdown)
    return app


async def register_commands(bot: Bot, default_language: str) -> None:
    """The command menu in every language the bot speaks (Telegram shows a user the one for their
    app's language), and in the default language for everyone else."""
    menus: list[tuple[str | None, str]] = [(None, default_language)]
    menus += [(language, language) for language in sorted({catalog_language(code) for code in LANGUAGES})]
    for language_code, locale in menus:
        with use_locale(locale):
            commands = [BotCommand(command=c, description=str(d)) for c, d, _ in texts.COMMANDS]
        try:
            await bot.set_my_commands(commands, language_code=language_code)
        except TelegramAPIError as exc:
            log.warning("setMyCommands (%s) was refused (%s); running on without it", language_code, exc)
            return


async def on_startup(app: App) -> None:
    if not app.settings.webhook_url:  # long polling: a webhook left set would refuse getUpdates
        try:
            await app.bot.delete_webhook(drop_pending_updates=False)
        except TelegramAPIError as exc:
            log.warning("deleteWebhook failed: %s", exc)
    await register_commands(app.bot, app.settings.default_language)
    sender = TelegramReminderSender(app.bot, app.clock, app.settings.default_timezone, app.delivery.limiter)
    if app.lease is not None:
        # A replica: it sends reminders while it holds the pacer lease; the updates a stopped
        # replica left unfinished are taken up by the webhook server (Inbox.adopt_orphans).
        pacing = asyncio.create_task(app.reminders.pace(app.lease, sender))
        app.background.add(pacing)
        pacing.add_done_callback(app.background.discard)
        log.info("replica %s started", app.reminders.owner)
        return
    await app.reminders.start(sender)
    replayed = await replay_unfinished(app.dispatcher, app.bot, app.services)
    log.info(
        "bot started; %d reminder job(s) in the scheduler; %d unfinished update(s) handled again",
        app.reminders.scheduled_count(),
        replayed,
    )


async def on_shutdown(app: App, handlers_in_flight: ServicesMiddleware) -> None:
    """Let updates and deliveries under way finish (briefly) before the database closes."""
    await handlers_in_flight.wait_idle(timeout=5)
    for task in list(app.background):
        task.cancel()
    await asyncio.gather(*app.background, return_exceptions=True)
    await app.reminders.stop()
    await app.services.inbox.flush()
    if app.lease is not None:
        with contextlib.suppress(Exception):
            await app.lease.close()  # another replica takes over the reminders
    if app.locks is not None:
        await app.locks.close()
    await app.database.close()


async def run(app: App, *, polling_timeout: int = 30) -> None:
    await app.dispatcher.start_polling(
        app.bot,
        polling_timeout=polling_timeout,
        handle_signals=True,
        allowed_updates=app.dispatcher.resolve_used_update_types(),
    )
