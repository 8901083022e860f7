"""Shared helpers for the bench scripts (not a benchmark itself).

Importing this module puts the repo root on sys.path, so a bench script run as
`.venv/bin/python bench/NAME.py` can import the project's packages after `import _harness`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Protocol

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from aiogram import Bot, Dispatcher  # noqa: E402

from bot.config import Settings  # noqa: E402

POLLING_TIMEOUT = 1  # seconds; the same long-poll setting as tests/e2e/conftest.py


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for an empty list."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


class LogTally(logging.Handler):
    """Counts WARNING+ records instead of printing them (a flood of retries would bury the figures)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[tuple[str, str]] = Counter()
        self.samples: dict[tuple[str, str], str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        key = (record.levelname, record.name)
        self.counts[key] += 1
        if key not in self.samples:
            try:
                self.samples[key] = record.getMessage()[:160]
            except Exception:  # a broken log call must not break the bench
                self.samples[key] = str(record.msg)[:160]

    def total(self, prefix: str = "") -> int:
        return sum(n for (_, name), n in self.counts.items() if name.startswith(prefix))

    def reset(self) -> None:
        self.counts.clear()
        self.samples.clear()

    def lines(self, indent: str = "  ") -> list[str]:
        return [f"{indent}log {level} {name}: {n} x, e.g. {self.samples[(level, name)]!r}"
                for (level, name), n in self.counts.most_common()]


def install_log_tally() -> LogTally:
    tally = LogTally()
    root = logging.getLogger()
    root.handlers[:] = [tally]
    root.setLevel(logging.WARNING)
    return tally


class ApiEndpoint(Protocol):
    """A BotAPIEmulator, or `_loadgen.LoadGenerator` for one running in a child process."""

    @property
    def token(self) -> str: ...

    @property
    def base_url(self) -> str: ...


def bench_settings(db_path: Path, emulator: ApiEndpoint, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        bot_token=emulator.token,
        database_path=db_path,
        telegram_api_base=emulator.base_url,
        default_timezone="UTC",
        log_level="WARNING",
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def start_polling(dispatcher: Dispatcher, bot: Bot, timeout: float = 30.0) -> asyncio.Task[None]:
    """Long polling as a task, like tests/e2e/conftest.py; returns once startup handlers ran."""
    started = asyncio.Event()
    dispatcher.startup.register(started.set)
    task = asyncio.create_task(
        dispatcher.start_polling(bot, polling_timeout=POLLING_TIMEOUT, handle_signals=False)
    )
    waiter = asyncio.ensure_future(started.wait())
    done, _ = await asyncio.wait({task, waiter}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    if waiter not in done:
        waiter.cancel()
        if task.done():
            task.result()  # re-raise what stopped the start-up
        task.cancel()
        raise TimeoutError(f"the dispatcher did not start within {timeout} s")
    return task


async def stop_polling(dispatcher: Dispatcher, task: asyncio.Task[None], timeout: float = 15.0) -> None:
    if task.done():
        task.result()
        return
    await dispatcher.stop_polling()
    await asyncio.wait_for(task, timeout)


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"
