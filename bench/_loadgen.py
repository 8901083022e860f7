"""The Bot API emulator and the simulated users in a process of their own (not a benchmark itself).

A bench that wants the CPU time of the bot alone runs the bot in its own process and this
module as a child: then `time.process_time()` of the bench process, taken around a measured
phase, is the bot's work and nothing else: its event loop, its database thread(s), its HTTP
client, but not the emulator's HTTP server nor the users' bookkeeping.

Child side (`python bench/_loadgen.py`): starts a BotAPIEmulator on 127.0.0.1 (a free port),
prints one JSON line {"event": "ready", "base_url": ..., "token": ...}, then reads jobs, one JSON
line each, from stdin and answers each with one JSON line on stdout:

    {"op": "run", "users": [ids], "texts": [...], "expect": {...}, "first_name": "Baker"|null,
     "timeout": 60}

Every user sends the texts in order, closed loop (send, wait for the bot's next new message in
that chat, send the next), all users at once. Latency = `send_text` -> the reply is at the
emulator. `expect` checks each reply: {"equal_sent": true}, {"prefix": "..."} or
{"contains": "..."}. The answer holds the wall time, the latencies, timeouts, unexpected
replies (and one example), the child's own CPU seconds during the job, and its WARNING+ log
lines. Other jobs, each answered with one JSON line too:

    {"op": "configure", "global_rate_limit": 500|null, "users": [ids], "first_name": "Baker"}
        the emulator's global rate limit (null: none), and users whose chats exist (they have
        talked to the bot); answered {"event": "ok"}
    {"op": "webhook"}      {"event": "webhook", "url": the webhook set ("" for none), "max_connections",
        "peak": the most POSTs in flight at once, "answers": {HTTP status: how many}}
    {"op": "record"}       from now on, every bot message with a reminder's buttons is noted
    {"op": "recorded", "full": false|true}
        {"event": "recorded", "distinct": reminders seen, "last": wall time of the newest,
         "rejected_429": all 429s answered so far, "cpu_s": the child's CPU seconds so far} and,
        with "full", also "times": {reminder id: [wall times]}, "chats": chats reached,
        "other": bot messages without a reminder's buttons

`{"op": "quit"}` or the end of stdin stops the emulator and the child.

Parent side: `async with LoadGenerator.started() as load:` gives `load.base_url`, `load.token`
(what `_harness.bench_settings` needs) and `await load.run(...)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Not `_harness`: it imports aiogram, which takes seconds, and the child needs only the emulator.
REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from emulator.models import EmulatorEvent, MessageTimeoutError  # noqa: E402
from emulator.server import BotAPIEmulator  # noqa: E402

STARTUP_TIMEOUT_S = 60.0
LINE_LIMIT = 1 << 24  # one answer carries every latency of a job on one line


# --------------------------------------------------------------------------------- parent side


@dataclass
class JobResult:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    timeouts: int = 0
    unexpected: int = 0
    example: str = ""
    load_cpu_s: float = 0.0  # CPU of the emulator + users process during the job
    log: list[str] = field(default_factory=list)


class LoadGenerator:
    """The parent's handle on the child process."""

    def __init__(self, proc: asyncio.subprocess.Process, base_url: str, token: str) -> None:
        self.proc = proc
        self.base_url = base_url
        self.token = token

    @classmethod
    @contextlib.asynccontextmanager
    async def started(cls) -> AsyncIterator[LoadGenerator]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(Path(__file__).resolve()), cwd=REPO_ROOT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=LINE_LIMIT)
        try:
            ready = await asyncio.wait_for(_read_json(proc), STARTUP_TIMEOUT_S)
            if ready.get("event") != "ready":
                raise RuntimeError(f"the load generator said {ready!r} instead of 'ready'")
            yield cls(proc, ready["base_url"], ready["token"])
        finally:
            await _stop(proc)

    async def run(self, users: Sequence[int], texts: Sequence[str], *, expect: dict[str, Any] | None = None,
                  first_name: str | None = None, timeout: float = 60.0) -> JobResult:
        job = {"op": "run", "users": list(users), "texts": list(texts), "expect": expect or {},
               "first_name": first_name, "timeout": timeout}
        await _send(self.proc, job)
        answer = await _read_json(self.proc)
        if answer.get("event") != "done":
            raise RuntimeError(f"the load generator answered {answer!r}")
        return JobResult(answer["seconds"], answer["latencies"], answer["timeouts"], answer["unexpected"],
                         answer["example"], answer["cpu_s"], answer["log"])

    async def call(self, op: str, **fields: Any) -> dict[str, Any]:
        """Any other job (see the module's docstring); its answer."""
        await _send(self.proc, {"op": op, **fields})
        answer = await _read_json(self.proc)
        if answer.get("event") == "error":
            raise RuntimeError(f"the load generator answered {answer!r}")
        return answer


async def _send(proc: asyncio.subprocess.Process, message: dict[str, Any]) -> None:
    assert proc.stdin is not None
    proc.stdin.write((json.dumps(message) + "\n").encode())
    await proc.stdin.drain()


async def _read_json(proc: asyncio.subprocess.Process) -> dict[str, Any]:
    assert proc.stdout is not None
    line = await proc.stdout.readline()
    if not line:
        code = await proc.wait()
        raise RuntimeError(f"the load generator exited (code {code}) without an answer; see its stderr")
    answer: dict[str, Any] = json.loads(line)
    return answer


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None and proc.stdin is not None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await _send(proc, {"op": "quit"})
            proc.stdin.close()
    try:
        await asyncio.wait_for(proc.wait(), 15)
    except TimeoutError:
        proc.kill()
        await proc.wait()


# ---------------------------------------------------------------------------------- child side


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _matches(expect: dict[str, Any], sent: str, got: str) -> bool:
    if expect.get("equal_sent") and got != sent:
        return False
    if expect.get("prefix") is not None and not got.startswith(expect["prefix"]):
        return False
    return expect.get("contains") is None or expect["contains"] in got


async def _run_job(emulator: BotAPIEmulator, job: dict[str, Any]) -> dict[str, Any]:
    texts: list[str] = job["texts"]
    expect: dict[str, Any] = job.get("expect") or {}
    first_name: str | None = job.get("first_name")
    timeout = float(job.get("timeout", 60.0))
    latencies: list[float] = []
    counts = {"timeouts": 0, "unexpected": 0}
    example = ""

    async def user(uid: int) -> None:
        nonlocal example
        for text in texts:
            sent_at = time.perf_counter()
            await emulator.send_text(uid, text, first_name=first_name)
            try:
                reply = await emulator.next_message(uid, timeout=timeout)
            except MessageTimeoutError:
                counts["timeouts"] += 1
                continue
            latencies.append(round(time.perf_counter() - sent_at, 7))
            if not _matches(expect, text, reply.text):
                counts["unexpected"] += 1
                example = example or reply.text[:80]

    cpu_start = time.process_time()
    start = time.perf_counter()
    await asyncio.gather(*(user(uid) for uid in job["users"]))
    seconds = time.perf_counter() - start
    return {"event": "done", "seconds": seconds, "latencies": latencies, **counts, "example": example,
            "cpu_s": time.process_time() - cpu_start}


def reminder_id_of(buttons: Sequence[Sequence[Sequence[Any]]]) -> int | None:
    """The reminder id in a reminder message's buttons (callback data `r:ACTION:ID:...`)."""
    for row in buttons:
        for _, data in row:
            parts = (data or "").split(":")
            if len(parts) >= 3 and parts[0] == "r" and parts[2].isdigit():
                return int(parts[2])
    return None


class _Recorder:
    """Every bot message at the emulator, keyed by the reminder id in its buttons."""

    def __init__(self) -> None:
        self.times: dict[int, list[float]] = {}
        self.chats: set[int] = set()
        self.other = 0
        self.last = 0.0

    def __call__(self, event: EmulatorEvent) -> None:
        if event.kind != "bot_message":
            return
        now = time.time()
        reminder_id = reminder_id_of(event.payload.buttons)
        if reminder_id is None:
            self.other += 1
            return
        self.times.setdefault(reminder_id, []).append(now)
        self.chats.add(event.chat_id)
        self.last = now

    def answer(self, emulator: BotAPIEmulator, *, full: bool) -> dict[str, Any]:
        answer: dict[str, Any] = {"event": "recorded", "distinct": len(self.times), "last": self.last,
                                  "rejected_429": emulator.stats.rejected_429, "cpu_s": time.process_time()}
        if full:
            answer.update(times={str(k): v for k, v in self.times.items()}, chats=len(self.chats),
                          other=self.other)
        return answer


class _Tally(logging.Handler):
    """WARNING+ records counted, not printed (the parent prints them with its figures)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[tuple[str, str]] = Counter()
        self.samples: dict[tuple[str, str], str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        key = (record.levelname, record.name)
        self.counts[key] += 1
        self.samples.setdefault(key, str(record.msg)[:160])

    def take(self, indent: str) -> list[str]:
        lines = [f"{indent}log {level} {name}: {n} x, e.g. {self.samples[(level, name)]!r}"
                 for (level, name), n in self.counts.most_common()]
        self.counts.clear()
        self.samples.clear()
        return lines


async def _serve() -> None:
    tally = _Tally()
    logging.getLogger().handlers[:] = [tally]
    logging.getLogger().setLevel(logging.WARNING)
    recorder = _Recorder()
    async with BotAPIEmulator() as emulator:
        _emit({"event": "ready", "base_url": emulator.base_url, "token": emulator.token})
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                break
            job = json.loads(line)
            if job.get("op") == "quit":
                break
            if job.get("op") == "configure":
                emulator.global_rate_limit = job.get("global_rate_limit")
                for uid in job.get("users", []):
                    emulator.set_user(uid, first_name=job.get("first_name") or "Baker")
                _emit({"event": "ok"})
                continue
            if job.get("op") == "webhook":
                answers = Counter(emulator.webhook_answers)
                _emit({"event": "webhook", "url": emulator.webhook_url,
                       "max_connections": emulator.webhook_max_connections, "peak": emulator.webhook_peak,
                       "answers": {str(k): v for k, v in sorted(answers.items())}})
                continue
            if job.get("op") == "record":
                emulator.add_listener(recorder)
                _emit({"event": "ok"})
                continue
            if job.get("op") == "recorded":
                _emit(recorder.answer(emulator, full=bool(job.get("full"))))
                continue
            if job.get("op") != "run":
                _emit({"event": "error", "detail": f"unknown op {job.get('op')!r}"})
                continue
            answer = await _run_job(emulator, job)
            answer["log"] = tally.take("  load generator: ")
            _emit(answer)


if __name__ == "__main__":
    asyncio.run(_serve())
