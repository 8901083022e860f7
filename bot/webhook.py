"""Webhook mode: Telegram POSTs each update to us instead of being polled.

An update is answered 200 only once it is durably in the inbox, so one that Telegram thinks it
delivered is never lost; a request without the matching `X-Telegram-Bot-Api-Secret-Token` gets
401 and nothing is handled; the same `update_id` twice (Telegram's retry, a replica's) is
answered 200 and handled once. `GET /healthz` answers 200 while the database answers, else 503
(its text says whether this process is the one sending reminders).

Replicas (PostgreSQL): the update is handled through `Inbox.drain` (its baker's open updates, in
order, under the baker's lock across replicas), and every REPLICA_POLL_SECONDS the server takes
up the updates a replica that died left unfinished (`Inbox.adopt_orphans`).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging

from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.app import App
from bot.reliability import update_key
from schedules.types import InboxEntry

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024


class WebhookServer:
    def __init__(self, app: App, secret: str, path: str) -> None:
        self.app = app
        self.secret = secret
        self.path = path
        self.tasks: set[asyncio.Task[None]] = set()
        self.web = web.Application(client_max_size=MAX_UPDATE_BYTES)
        self.web.router.add_post(path, self.receive)
        self.web.router.add_get("/healthz", self.health)

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            return web.Response(status=401, text="unauthorized")
        try:
            payload = await request.read()
            update = Update.model_validate(json.loads(payload), context={"bot": self.app.bot})
        except (ValueError, ValidationError):
            return web.Response(status=400, text="not an update")
        entry = InboxEntry(update.update_id, update.model_dump_json(exclude_unset=True), update_key(update))
        if not await self.app.services.inbox.add(entry):  # 200 only once it is recorded
            return web.Response(text="already here")
        task = asyncio.create_task(self._handle(update, entry))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return web.Response(text="ok")

    async def _handle(self, update: Update, entry: InboxEntry) -> None:
        inbox = self.app.services.inbox
        if inbox.shared and entry.user_id is not None:
            await inbox.drain(entry.user_id, self._feed)
        else:
            await self.app.dispatcher.feed_update(self.app.bot, update)

    async def _feed(self, entry: InboxEntry) -> None:
        """One update out of the inbox (recorded here or by another replica) to the dispatcher."""
        update = Update.model_validate_json(entry.payload, context={"bot": self.app.bot})
        await self.app.dispatcher.feed_update(self.app.bot, update)

    async def adopt_orphans(self, every: float) -> None:
        """Replicas: take up what a replica that stopped left unfinished, now and every `every` s."""
        while True:
            try:
                await self.app.services.inbox.adopt_orphans(self._feed)
            except Exception:
                log.exception("looking for unfinished updates failed")
            await asyncio.sleep(every)

    async def health(self, request: web.Request) -> web.Response:
        try:
            await asyncio.wait_for(self.app.services.inbox.ping(), timeout=2)
        except Exception:
            return web.Response(status=503, text="database unavailable")
        return web.Response(text="ok, sending reminders" if self.app.reminders.pacing else "ok")

    async def wait_idle(self, timeout: float = 5.0) -> None:
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=timeout)


async def serve(
    app: App, *, url: str, secret: str, host: str, port: int, path: str, stop: asyncio.Event
) -> None:
    """Run until `stop` is set: the startup work, setWebhook, and the HTTP server."""
    server = WebhookServer(app, secret, path)
    runner = web.AppRunner(server.web, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    dispatcher = app.dispatcher
    await dispatcher.emit_startup(bot=app.bot, **dispatcher.workflow_data)
    allowed = dispatcher.resolve_used_update_types()
    await app.bot.set_webhook(
        url,
        secret_token=secret,
        allowed_updates=allowed,
        drop_pending_updates=False,
        max_connections=app.settings.webhook_max_connections,
    )
    log.info("webhook mode: listening on %s:%s%s", host, port, path)
    adopting = None
    if app.services.inbox.shared:
        adopting = asyncio.create_task(server.adopt_orphans(app.settings.replica_poll_seconds))
    try:
        await stop.wait()
    finally:
        if adopting is not None:
            adopting.cancel()
            await asyncio.gather(adopting, return_exceptions=True)
        await runner.shutdown()
        await server.wait_idle()
        await dispatcher.emit_shutdown(bot=app.bot, **dispatcher.workflow_data)
        await runner.cleanup()
