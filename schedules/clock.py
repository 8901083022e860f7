"""One injectable clock for the domain code and the scheduler.

Everything that asks "what time is it?" asks a Clock. Production uses SystemClock; tests and
the sandbox use an OffsetClock that can jump ahead, so a whole bake (fridge night included)
can be driven in seconds. `to_real` maps a moment on this clock to the wall-clock moment
at which the scheduler must wake up for it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta


def utc_now() -> datetime:
    return datetime.now(UTC)


class SystemClock:
    def now(self) -> datetime:
        return utc_now()

    def to_real(self, moment: datetime) -> datetime:
        return moment


class OffsetClock:
    """Real time shifted by an offset that only moves forward (time travel)."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self._offset = offset
        self._listeners: list[Callable[[], object]] = []

    @classmethod
    def starting_at(cls, moment: datetime) -> OffsetClock:
        """A clock that reads `moment` now and runs on from there."""
        return cls(moment - utc_now())

    @property
    def offset(self) -> timedelta:
        return self._offset

    def now(self) -> datetime:
        return utc_now() + self._offset

    def to_real(self, moment: datetime) -> datetime:
        return moment - self._offset

    def on_jump(self, listener: Callable[[], object]) -> None:
        """Call `listener` after every jump (the reminder service resyncs its jobs)."""
        self._listeners.append(listener)

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        self._offset += delta
        for listener in self._listeners:
            listener()


Clock = SystemClock | OffsetClock
