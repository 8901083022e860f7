"""Running the bot for real, or in the offline sandbox."""

from __future__ import annotations

import logging

from bot.app import App, build_app, run
from bot.config import ConfigError, Settings, database_label, webhook_secret
from bot.logging_setup import setup_logging
from storage.database import StorageError

log = logging.getLogger(__name__)


async def run_bot(settings: Settings, token: str) -> int:
    secret = webhook_secret(settings) if settings.webhook_url else None
    setup_logging(settings.log_level, token, *([secret] if secret else []))
    try:
        app = await build_app(settings, token)
    except StorageError as exc:
        raise ConfigError(str(exc)) from None
    log.info("starting; database %s", database_label(settings))
    if settings.webhook_url and secret:
        await run_webhook(app, settings, secret)
    else:
        await run(app)
    return 0


async def run_webhook(app: App, settings: Settings, secret: str) -> None:
    """Serve the webhook until SIGINT or SIGTERM."""
    import asyncio
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
    import asyncio
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
