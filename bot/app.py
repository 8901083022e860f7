"""Wiring: settings → storage → scheduler → aiogram Bot and Dispatcher."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import BotCommand, ErrorEvent, Message

from bot import texts
from bot.config import Settings
from bot.delivery import DeliveryMiddleware, RateLimiter
from bot.handlers import bakes, fallback, history, readings, reminders, start, starter
from bot.middlewares import CommandLeavesDialog, ServicesMiddleware
from bot.sender import TelegramReminderSender
from schedules.clock import Clock, SystemClock
from schedules.reminders import ReminderService
from schedules.service import BakeService
from storage.database import Storage

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    bot: Bot
    dispatcher: Dispatcher
    storage: Storage
    reminders: ReminderService
    service: BakeService
    delivery: DeliveryMiddleware
    clock: Clock


def fresh_router(template: Router) -> Router:
    """A new Router with the template's handlers: an aiogram router can belong to one
    Dispatcher only, and a restart (tests, the sandbox) builds a new Dispatcher in-process."""
    router = Router(name=template.name)
    for event_name, observer in template.observers.items():
        router.observers[event_name].handlers.extend(observer.handlers)
    return router


def build_dispatcher(service: BakeService, delivery: DeliveryMiddleware) -> Dispatcher:
    dispatcher = Dispatcher(storage=MemoryStorage())
    services = ServicesMiddleware(service, delivery)
    dispatcher["handlers_in_flight"] = services
    dispatcher.update.outer_middleware(services)
    dispatcher.message.outer_middleware(CommandLeavesDialog())  # before filters pick a handler
    # Order matters only for the fallback router, which takes whatever nobody else did.
    feature_routers = [start, bakes, readings, reminders, starter, history, fallback]
    dispatcher.include_routers(*(fresh_router(module.router) for module in feature_routers))
    dispatcher.errors.register(on_error)
    return dispatcher


async def on_error(event: ErrorEvent) -> bool:
    """Log the traceback for us; tell the baker something went wrong instead of going silent."""
    log.exception("handler failed: %s", type(event.exception).__name__, exc_info=event.exception)
    update = event.update
    message: Message | None = update.message or (
        update.callback_query.message
        if update.callback_query and isinstance(update.callback_query.message, Message)
        else None
    )
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(texts.ERROR_GENERIC, show_alert=True)
        elif message is not None:
            await message.answer(texts.ERROR_GENERIC)
    except TelegramAPIError:
        pass
    return True


async def build_app(
    settings: Settings, token: str, *, clock: Clock | None = None, backoff_base_s: float = 0.5
) -> App:
    clock = clock or SystemClock()
    storage = await Storage(settings.database_path).open()
    reminder_service = ReminderService(
        storage,
        clock,
        horizon=timedelta(minutes=settings.scheduler_horizon_minutes),
        grace=timedelta(hours=settings.reminder_grace_hours),
        default_timezone=settings.default_timezone,
    )
    delivery = DeliveryMiddleware(
        RateLimiter(settings.rate_limit_global_per_s, settings.rate_limit_per_chat_per_s),
        max_retries=settings.send_max_retries,
        backoff_base_s=backoff_base_s,
        on_blocked=reminder_service.forget_user,
    )
    api = TelegramAPIServer.from_base(settings.telegram_api_base) if settings.telegram_api_base else None
    session = AiohttpSession(api=api) if api else AiohttpSession()
    session.middleware(delivery)
    bot = Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    service = BakeService(storage, reminder_service, clock, settings.default_timezone)
    dispatcher = build_dispatcher(service, delivery)
    app = App(settings, bot, dispatcher, storage, reminder_service, service, delivery, clock)
    dispatcher["app"] = app  # handed to on_startup/on_shutdown by name
    dispatcher["import_max_bytes"] = settings.import_max_bytes
    dispatcher.startup.register(on_startup)
    dispatcher.shutdown.register(on_shutdown)
    return app


async def on_startup(app: App) -> None:
    try:
        await app.bot.delete_webhook(drop_pending_updates=False)
    except TelegramAPIError as exc:
        log.warning("deleteWebhook failed: %s", exc)
    try:
        await app.bot.set_my_commands([BotCommand(command=c, description=d) for c, d, _ in texts.COMMANDS])
    except TelegramAPIError as exc:
        log.warning("setMyCommands was refused (%s); running on without the command menu", exc)
    sender = TelegramReminderSender(app.bot, app.clock, app.settings.default_timezone)
    await app.reminders.start(sender)
    log.info("bot started; %d reminder job(s) in the scheduler", app.reminders.scheduled_count())


async def on_shutdown(app: App, handlers_in_flight: ServicesMiddleware) -> None:
    """Let updates and deliveries under way finish (briefly) before the database closes."""
    await handlers_in_flight.wait_idle(timeout=5)
    await app.reminders.stop()
    await app.storage.close()


async def run(app: App, *, polling_timeout: int = 30) -> None:
    await app.dispatcher.start_polling(app.bot, polling_timeout=polling_timeout, handle_signals=True)
