"""Running the bot for real, or in the offline sandbox."""

from __future__ import annotations

import asyncio
import gc
import logging
from datetime import timedelta
from pathlib import Path

from bot.app import App, build_app, run
from bot.config import ConfigError, Settings, database_label, webhook_secret
from bot.logging_setup import setup_logging
from schedules.clock import OffsetClock
from storage.database import StorageError

log = logging.getLogger(__name__)


async def run_bot(settings: Settings, token: str) -> int:
    secret = webhook_secret(settings) if settings.webhook_url else None
    setup_logging(settings.log_level, token, *([secret] if secret else []))
    clock = None
    if settings.clock_offset_file is not None:  # tests only
        clock = OffsetClock(timedelta(seconds=_read_offset(settings.clock_offset_file)))
    try:
        app = await build_app(settings, token, clock=clock)
    except StorageError as exc:
        raise ConfigError(str(exc)) from None
    log.info("starting; database %s", database_label(settings))
    freeze_startup_heap()
    following = None
    if clock is not None and settings.clock_offset_file is not None:
        log.warning("the clock follows %s (a test setting)", settings.clock_offset_file)
        clock.on_jump(app.reminders.clock_jumped)
        following = asyncio.create_task(_follow_offset(settings.clock_offset_file, clock))
    try:
        if settings.webhook_url and secret:
            await run_webhook(app, settings, secret)
        else:
            await run(app)
    finally:
        if following is not None:
            following.cancel()
    return 0


def freeze_startup_heap() -> None:
    """What start-up built (the modules, aiogram's and pydantic's schemas, the catalogs: most of the
    heap, for the life of the process) is left out of the garbage collector's full passes from now
    on. Without this each full pass walks all of it: 150-180 ms with the event loop stopped, a few
    times a minute under load, and every send due then goes out that much late, all at once
    (bench/bench_reminders.py). Still freed by reference counting; only cycles among these
    objects are never collected. Not in build_app: tests build many apps in one process."""
    gc.collect()
    gc.freeze()


def _read_offset(path: Path) -> float:
    try:
        return float(path.read_text().strip() or 0)
    except (OSError, ValueError):
        return 0.0


async def _follow_offset(path: Path, clock: OffsetClock) -> None:
    """CLOCK_OFFSET_FILE: the clock jumps ahead when the file's number of seconds grows."""
    while True:
        await asyncio.sleep(0.05)
        ahead = timedelta(seconds=_read_offset(path)) - clock.offset
        if ahead > timedelta(0):
            clock.advance(ahead)


async def run_webhook(app: App, settings: Settings, secret: str) -> None:
    """Serve the webhook until SIGINT or SIGTERM."""
    import contextlib
    import signal

    from bot.webhook import serve

    assert settings.webhook_url is not None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(number, stop.set)
    try:
        await serve(
            app,
            url=settings.webhook_url,
            secret=secret,
            host=settings.webhook_host,
            port=settings.webhook_port,
            path=settings.webhook_path,
            stop=stop,
        )
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on {settings.webhook_host}:{settings.webhook_port} ({exc.strerror or exc}); "
            "pick another WEBHOOK_PORT"
        ) from None


async def run_sandbox(settings: Settings, *, host: str | None = None, port: int | None = None) -> int:
    """The offline sandbox: the bot against the built-in Bot API emulator and its chat page.

    Prints one line, the page's address; Ctrl+C (or SIGTERM) stops it. Logs go to stderr at
    WARNING unless LOG_LEVEL is set.
    """
    import contextlib
    import ipaddress
    import signal

    from emulator.sandbox import Sandbox
    from emulator.server import DEFAULT_TOKEN

    level = settings.log_level if "log_level" in settings.model_fields_set else "WARNING"
    setup_logging(level, DEFAULT_TOKEN)
    sandbox = Sandbox(settings, host=host, port=port)
    try:
        await sandbox.start()
    except StorageError as exc:
        raise ConfigError(str(exc)) from None
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on {sandbox.host}:{sandbox.port} ({exc.strerror or exc}); "
            "pick another port with SANDBOX_PORT or --port"
        ) from None
    with contextlib.suppress(ValueError):
        if not ipaddress.ip_address(sandbox.host.strip("[]")).is_loopback:
            log.warning(
                "the sandbox listens on %s: anyone who can reach it can chat as any user", sandbox.host
            )
    print(sandbox.url, flush=True)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    for number in signals:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(number, stop.set)
    waiter = asyncio.ensure_future(stop.wait())
    try:
        assert sandbox.polling is not None
        await asyncio.wait({waiter, sandbox.polling}, return_when=asyncio.FIRST_COMPLETED)
        crashed = sandbox.polling.done() and not stop.is_set()
    finally:
        waiter.cancel()
        for number in signals:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(number)
        await sandbox.stop()
    if crashed:
        log.error("the bot stopped unexpectedly")
        return 1
    return 0
