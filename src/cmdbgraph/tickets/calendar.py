"""Business-hours calendars and business-time arithmetic (pure; never reads the clock).

A :class:`BusinessCalendar` is an IANA time zone, the working intervals of each weekday in
local wall time (several per day, or none for a day off) and a set of holidays (local dates on
which nothing is worked). Business time is the measure of the instants that fall in a working
interval; the functions here add it, measure it and find the next working instant:

- :func:`add_business_time` — the earliest instant at which ``duration`` of business time has
  elapsed since ``start``;
- :func:`business_time_between` — business time in ``[a, b)`` (signed: negative when ``b < a``);
- :func:`next_business_instant` — the earliest working instant at or after ``t``;
- :func:`business_intervals` — the working intervals themselves, in UTC, in order.

All of them accept an ``excluding`` list of instant intervals (e.g. the time a ticket spent
waiting on the requester) that are removed from business time.

Contracts:

- Every datetime argument must be time-zone aware; a naive one raises
  :class:`~cmdbgraph.schema.errors.InvalidInput` with a ``NAIVE_DATETIME`` problem naming the
  argument. Every datetime returned is in UTC (compare aware datetimes, never wall clocks).
- Intervals are half-open: ``[start, end)``. A working interval's end wall time ``00:00``
  means the end of the day (24:00), so ``00:00-00:00`` is the whole day; a shift across
  midnight is two intervals (``22:00-24:00`` on one day, ``00:00-06:00`` on the next).
- Working intervals are converted to UTC per day: a wall time maps to the *first* instant at
  which the local clock reads that time or later. So an interval bound that is repeated when
  the clocks go back means its first occurrence, one that is skipped when they go forward
  means the instant of the jump, and a 24x7 calendar in any zone measures real elapsed time
  (a spring-forward day has 23 hours, a fall-back day 25).
- The arithmetic walks day by day, so durations of weeks or months cost tens to hundreds of
  steps, not one per minute; each calendar's per-day UTC intervals are memoised (a bounded
  table per calendar, pure results only), so many tickets on one calendar share the work.

>>> from datetime import datetime, timedelta
>>> from zoneinfo import ZoneInfo
>>> office = BusinessCalendar.weekdays("Europe/Berlin", "09:00-17:00")
>>> berlin = ZoneInfo("Europe/Berlin")
>>> friday = datetime(2024, 3, 8, 16, 30, tzinfo=berlin)
>>> add_business_time(office, friday, timedelta(hours=4)).astimezone(berlin).isoformat()
'2024-03-11T12:30:00+01:00'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from cmdbgraph.schema.errors import InvalidInput, Problem

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: Final[tuple[Weekday, ...]] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday names in :meth:`datetime.weekday` order (Monday is 0)."""

Interval = tuple[datetime, datetime]
"""A half-open interval of instants ``[start, end)``."""

_DAY: Final = timedelta(days=1)
_MIDNIGHT: Final = time(0)


def _offset(t: time) -> timedelta:
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


class WorkInterval(BaseModel):
    """One working interval of a weekday in local wall time, ``[start, end)``.

    ``end`` ``00:00`` (also written ``"24:00"``) means the end of the day. Otherwise ``start``
    must be before ``end``. Also accepted as one string, ``"09:00-17:00"``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: time
    end: time

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            start, sep, end = value.partition("-")
            if not sep:
                raise ValueError(f"working interval {value!r} must look like '09:00-17:00'")
            return {"start": start.strip(), "end": end.strip()}
        return value

    @field_validator("end", mode="before")
    @classmethod
    def _end_of_day(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip() in ("24:00", "24:00:00"):
            return _MIDNIGHT
        return value

    @model_validator(mode="after")
    def _ordered(self) -> WorkInterval:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("working interval times are local wall times; give them without a time zone")
        if self.end != _MIDNIGHT and self.start >= self.end:
            raise ValueError(f"working interval {self} must start before it ends")
        return self

    @property
    def start_offset(self) -> timedelta:
        """Start as the offset from local midnight."""
        return _offset(self.start)

    @property
    def end_offset(self) -> timedelta:
        """End as the offset from local midnight (``24h`` for an end of ``00:00``)."""
        return _DAY if self.end == _MIDNIGHT else _offset(self.end)

    def __str__(self) -> str:
        end = "24:00" if self.end == _MIDNIGHT else self.end.isoformat("minutes")
        return f"{self.start.isoformat('minutes')}-{end}"


class BusinessCalendar(BaseModel):
    """Working hours in one IANA time zone: per weekday intervals, and holidays.

    ``week`` has seven entries, Monday first, each a tuple of :class:`WorkInterval` sorted and
    not overlapping (an empty tuple is a day off); a mapping from weekday names (``"mon"``,
    ..., ``"sun"``; missing days are off) is accepted as input. ``holidays`` are local dates on
    which nothing is worked. At least one weekday must have working time, so business time
    always advances. Construction errors raise pydantic's ``ValidationError``;
    :meth:`from_data` turns them into :class:`InvalidInput` (``INVALID_CALENDAR``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    time_zone: str
    week: tuple[tuple[WorkInterval, ...], ...]
    holidays: frozenset[date] = frozenset()
    name: str = ""

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value

    @field_validator("week", mode="before")
    @classmethod
    def _week_from_mapping(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            unknown = sorted(str(k) for k in value if k not in WEEKDAYS)
            if unknown:
                raise ValueError(f"unknown weekday(s) {', '.join(unknown)}; use {', '.join(WEEKDAYS)}")
            return tuple(tuple(value.get(day, ())) for day in WEEKDAYS)
        return value

    @field_validator("week")
    @classmethod
    def _week_shape(cls, value: tuple[tuple[WorkInterval, ...], ...]) -> tuple[tuple[WorkInterval, ...], ...]:
        if len(value) != 7:
            raise ValueError(f"week must have 7 days (Monday first), got {len(value)}")
        for day, intervals in zip(WEEKDAYS, value, strict=True):
            for before, after in pairwise(intervals):
                if before.end_offset > after.start_offset:
                    raise ValueError(
                        f"{day}: working intervals must be sorted and not overlap ({before}, {after})"
                    )
        if not any(value):
            raise ValueError("a calendar needs working time on at least one weekday")
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone."""
        return ZoneInfo(self.time_zone)

    @classmethod
    def weekdays(
        cls, time_zone: str, *hours: str, holidays: Iterable[date] = (), name: str = ""
    ) -> BusinessCalendar:
        """Monday to Friday with the same working ``hours`` (``"09:00-12:00", "13:00-17:00"``)."""
        return cls(
            time_zone=time_zone,
            week=tuple(
                tuple(WorkInterval.model_validate(h) for h in hours) if i < 5 else () for i in range(7)
            ),
            holidays=frozenset(holidays),
            name=name,
        )

    @classmethod
    def from_data(cls, data: Any, where: str = "") -> BusinessCalendar:
        """Validate plain data (a decoded YAML/JSON mapping) into a calendar.

        Raises :class:`InvalidInput` with one ``INVALID_CALENDAR`` problem per error, ``field``
        being the dotted path inside ``data``.
        """
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise invalid_input(exc, "INVALID_CALENDAR", where) from None


TWENTY_FOUR_SEVEN: Final = BusinessCalendar(
    time_zone="UTC",
    week=tuple((WorkInterval(start=_MIDNIGHT, end=_MIDNIGHT),) for _ in range(7)),
    name="24x7",
)
"""Every instant is business time: business time equals elapsed real time."""


def invalid_input(exc: ValidationError, code: str, where: str) -> InvalidInput:
    """A pydantic validation error as :class:`InvalidInput` problems with ``code``."""
    return InvalidInput(
        [
            Problem(
                code,
                e["msg"].removeprefix("Value error, "),
                where=where,
                field=".".join(str(p) for p in e["loc"]),
            )
            for e in exc.errors()
        ]
    )


def as_utc(value: datetime, argument: str) -> datetime:
    """``value`` converted to UTC; a naive ``value`` raises ``InvalidInput`` (``NAIVE_DATETIME``)
    naming ``argument``."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput.one(
            "NAIVE_DATETIME",
            f"{argument} must be a time-zone aware datetime, got naive {value.isoformat()}",
            field=argument,
        )
    return value.astimezone(UTC)


def _first_instant(zone: ZoneInfo, wall: datetime) -> datetime:
    """The first instant (UTC) at which the local clock in ``zone`` reads ``wall`` or later.

    For a repeated wall time that is the first occurrence (``fold=0``); for a skipped one, the
    instant the clocks jump (found by bisection over whole seconds: tz transitions are on whole
    seconds).
    """
    instant = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    # ``wall`` is in a gap: fold=0 reads it with the offset before the jump (an instant after the
    # jump), fold=1 with the offset after it (an instant before the jump).
    before = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    old_offset = before.astimezone(zone).utcoffset()
    lo, hi = math.floor(before.timestamp()), math.ceil(instant.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, UTC).astimezone(zone).utcoffset() == old_offset:
            lo = mid
        else:
            hi = mid
    return datetime.fromtimestamp(hi, UTC)


class _DayTable:
    """A calendar's working intervals in UTC per local date, computed once per date.

    One per calendar (:func:`_day_table`); the memo is bounded and only ever holds pure results,
    so sharing it between threads is harmless (at worst a day is computed twice).
    """

    MAX_DAYS: Final = 50_000

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.zone = calendar.zone
        self.holidays = calendar.holidays
        self.offsets = tuple(tuple((i.start_offset, i.end_offset) for i in day) for day in calendar.week)
        self.days: dict[date, tuple[Interval, ...]] = {}

    def intervals(self, day: date) -> tuple[Interval, ...]:
        """The working intervals of local date ``day`` in UTC, in order, empty ones dropped."""
        known = self.days.get(day)
        if known is not None:
            return known
        found: list[Interval] = []
        if day not in self.holidays:
            midnight = datetime.combine(day, _MIDNIGHT)
            for start_offset, end_offset in self.offsets[day.weekday()]:
                start = _first_instant(self.zone, midnight + start_offset)
                end = _first_instant(self.zone, midnight + end_offset)
                if start < end:
                    found.append((start, end))
        if len(self.days) >= self.MAX_DAYS:
            self.days.clear()
        self.days[day] = result = tuple(found)
        return result


@lru_cache(maxsize=128)
def _day_table(calendar: BusinessCalendar) -> _DayTable:
    return _DayTable(calendar)


def _merged(intervals: Iterable[Interval], argument: str) -> list[Interval]:
    """``intervals`` in UTC, sorted and merged; each must be aware with ``start <= end``."""
    spans: list[Interval] = []
    for i, (start, end) in enumerate(intervals):
        s, e = as_utc(start, f"{argument}[{i}].start"), as_utc(end, f"{argument}[{i}].end")
        if e < s:
            raise InvalidInput.one(
                "INVALID_INTERVAL",
                f"{argument}[{i}] ends ({end.isoformat()}) before it starts ({start.isoformat()})",
                field=f"{argument}[{i}]",
            )
        if s < e:
            spans.append((s, e))
    spans.sort()
    merged: list[Interval] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def _subtract(intervals: Iterable[Interval], holes: Sequence[Interval]) -> Iterator[Interval]:
    """Sorted disjoint ``intervals`` minus sorted merged ``holes``, in order."""
    first = 0
    for start, end in intervals:
        while first < len(holes) and holes[first][1] <= start:
            first += 1
        cursor = start
        for hole_start, hole_end in holes[first:]:
            if hole_start >= end:
                break
            if hole_start > cursor:
                yield cursor, hole_start
            cursor = max(cursor, hole_end)
            if cursor >= end:
                break
        if cursor < end:
            yield cursor, end


def business_intervals(
    calendar: BusinessCalendar,
    start: datetime,
    end: datetime | None = None,
    *,
    excluding: Iterable[Interval] = (),
) -> Iterator[Interval]:
    """The business intervals (UTC, half-open, sorted, non-empty) within ``[start, end)``.

    Without ``end`` the iterator is endless. Intervals of consecutive days (or ``excluding``
    holes) may touch but never overlap. ``excluding`` intervals are removed.
    """
    start_utc = as_utc(start, "start")
    end_utc = None if end is None else as_utc(end, "end")
    holes = _merged(excluding, "excluding")
    table = _day_table(calendar)
    zone = table.zone
    # One day of slack on each side: a clock that goes back across midnight can make an instant
    # read as the previous local date.
    day = start_utc.astimezone(zone).date() - _DAY
    last_day = None if end_utc is None else end_utc.astimezone(zone).date() + _DAY

    def clipped() -> Iterator[Interval]:
        current = day
        while last_day is None or current <= last_day:
            for s, e in table.intervals(current):
                s = max(s, start_utc)
                if end_utc is not None:
                    e = min(e, end_utc)
                if s < e:
                    yield s, e
            current += _DAY

    return _subtract(clipped(), holes)


def _duration(value: timedelta) -> timedelta:
    if value < timedelta(0):
        raise InvalidInput.one(
            "NEGATIVE_DURATION", f"duration must not be negative, got {value}", field="duration"
        )
    return value


def add_business_time(
    calendar: BusinessCalendar,
    start: datetime,
    duration: timedelta,
    *,
    excluding: Iterable[Interval] = (),
) -> datetime:
    """The earliest instant (UTC) at which ``duration`` of business time has elapsed since ``start``.

    A zero ``duration`` gives ``start`` itself; otherwise the result lies inside a working
    interval or at its end (a target consumed exactly at 17:00 is due at 17:00, not at the next
    day's opening). ``business_time_between(calendar, start, result) == duration`` and the
    result never decreases as ``duration`` grows. ``excluding`` intervals do not count.
    A negative ``duration`` raises ``InvalidInput`` (``NEGATIVE_DURATION``).
    """
    start_utc = as_utc(start, "start")
    remaining = _duration(duration)
    if not remaining:
        return start_utc
    for s, e in business_intervals(calendar, start_utc, excluding=excluding):
        if remaining <= e - s:
            return s + remaining
        remaining -= e - s
    raise AssertionError("unreachable: business intervals never run out")  # pragma: no cover


def business_time_between(
    calendar: BusinessCalendar,
    a: datetime,
    b: datetime,
    *,
    excluding: Iterable[Interval] = (),
) -> timedelta:
    """Business time in ``[a, b)``, minus ``excluding``; negative (``-between(b, a)``) if ``b < a``.

    Additive: ``between(a, b) + between(b, c) == between(a, c)``.
    """
    a_utc, b_utc = as_utc(a, "a"), as_utc(b, "b")
    if b_utc < a_utc:
        return -business_time_between(calendar, b_utc, a_utc, excluding=excluding)
    total = timedelta(0)
    for s, e in business_intervals(calendar, a_utc, b_utc, excluding=excluding):
        total += e - s
    return total


def next_business_instant(
    calendar: BusinessCalendar, t: datetime, *, excluding: Iterable[Interval] = ()
) -> datetime:
    """The earliest business instant (UTC) at or after ``t``: ``t`` itself when it is in a
    working interval (intervals are half-open, so 17:00 of a 09:00-17:00 day is not)."""
    for s, _ in business_intervals(calendar, as_utc(t, "t"), excluding=excluding):
        return s
    raise AssertionError("unreachable: business intervals never run out")  # pragma: no cover
