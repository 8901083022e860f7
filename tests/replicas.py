"""Replicas of the bot as real processes (`python -m bot run` in webhook mode) behind a small
round-robin HTTP proxy: the pieces tests/e2e/test_replicas.py and bench/bench_throughput.py share.

`RoundRobin` stands for the load balancer (nginx's upstream with `proxy_next_upstream error`),
`Replica` for one bot process; `process_cpu_times` reads a process's CPU time (all its threads)
from /proc, for a bench that measures what the replicas spent.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import sys
from collections import Counter
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.webhook import SECRET_HEADER

REPO = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def replica_env(*, token: str, api_base: str, database_url: str, webhook_url: str, secret: str,
                **settings: str) -> dict[str, str]:
    """The environment of a replica process: webhook mode on `database_url` behind `webhook_url`,
    warnings only in its log; `settings` adds or overrides (e.g. RATE_LIMIT_GLOBAL_PER_S="0")."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "BOT_TOKEN": token,
        "TELEGRAM_API_BASE": api_base,
        "DATABASE_URL": database_url,
        "WEBHOOK_URL": webhook_url,
        "WEBHOOK_SECRET": secret,
        "WEBHOOK_HOST": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        **settings,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_cpu_times(pid: int) -> tuple[float, float]:
    """User and system CPU seconds of a live process, all its threads (Linux: /proc/PID/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (name) ": from field 3, the state
    return int(fields[11]) / CLOCK_TICKS, int(fields[12]) / CLOCK_TICKS  # fields 14, 15: utime, stime


class RoundRobin:
    """A load balancer: each request to the next backend in turn; a backend that refuses the
    connection (dead) is skipped for the next one, as nginx does with `proxy_next_upstream error`."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.turn = itertools.count()
        self.served: Counter[str] = Counter()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/webhook"
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/webhook", self.forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k in (SECRET_HEADER, "Content-Type")}
        first = next(self.turn)
        for step in range(len(self.backends)):
            backend = self.backends[(first + step) % len(self.backends)]
            try:
                async with self._session.post(backend, data=body, headers=headers) as response:
                    text = await response.text()
                    self.served[backend] += 1
                    return web.Response(status=response.status, text=text)
            except aiohttp.ClientConnectionError:
                continue  # that replica is down: the next one
        return web.Response(status=502, text="no replica")


class Replica:
    """One `python -m bot run` process listening on a port of its own; its stderr goes to `log`."""

    def __init__(self, number: int, log: Path) -> None:
        self.number = number
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/webhook"
        self.log = log
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, env: dict[str, str]) -> None:
        env = {**env, "WEBHOOK_PORT": str(self.port)}
        with self.log.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=REPO, env=env,
                stdout=asyncio.subprocess.DEVNULL, stderr=log,
            )  # fmt: skip

    async def health(self) -> str | None:
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session,
                session.get(f"{self.base}/healthz") as response,
            ):
                return await response.text() if response.status == 200 else None
        except (aiohttp.ClientError, TimeoutError):
            return None

    def cpu_times(self) -> tuple[float, float]:
        """User and system CPU seconds this replica's process has used so far."""
        assert self.process is not None
        return process_cpu_times(self.process.pid)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def all_healthy(replicas: list[Replica]) -> bool:
    return all(await asyncio.gather(*(r.health() for r in replicas)))
