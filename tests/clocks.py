"""A fake clock for services that take one: ``FakeClock(start)`` advances one minute per
reading (so every write gets a distinct, ordered time); ``FakeClock(start, step=timedelta(0))``
stands still. Tests may set ``now`` at any time."""

from __future__ import annotations

from datetime import datetime, timedelta


class FakeClock:
    """Returns ``now`` after advancing it by ``step`` at every reading."""

    def __init__(self, start: datetime, step: timedelta = timedelta(minutes=1)) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now
