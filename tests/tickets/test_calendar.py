"""Business-time arithmetic: weekends, holidays, lunch breaks, midnight, DST, validation, properties.

Expected instants are hand-computed in the comments. 2024 dates used: Fri 8 Mar, Mon 11 Mar;
Mon 23 Dec; Europe/Berlin goes CET -> CEST on Sun 31 Mar (02:00 -> 03:00, at 01:00 UTC) and back
on Sun 27 Oct (03:00 -> 02:00, at 01:00 UTC); America/New_York goes EST -> EDT on Sun 10 Mar
(02:00 -> 03:00, at 07:00 UTC) and back on Sun 3 Nov (02:00 -> 01:00, at 06:00 UTC).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from cmdbgraph.schema.errors import InvalidInput
from cmdbgraph.tickets.calendar import (
    TWENTY_FOUR_SEVEN,
    WEEKDAYS,
    BusinessCalendar,
    WorkInterval,
    add_business_time,
    business_intervals,
    business_time_between,
    next_business_instant,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
H = timedelta(hours=1)
M = timedelta(minutes=1)

OFFICE = BusinessCalendar.weekdays("Europe/Berlin", "09:00-17:00", name="office")
LUNCH = BusinessCalendar.weekdays("Europe/Berlin", "09:00-12:00", "13:00-17:00")
XMAS = BusinessCalendar.weekdays(
    "Europe/Berlin", "09:00-17:00", holidays=[date(2024, 12, 24), date(2024, 12, 25), date(2024, 12, 26)]
)
ALL_DAY_BERLIN = BusinessCalendar(time_zone="Europe/Berlin", week={d: ["00:00-24:00"] for d in WEEKDAYS})
NIGHTS_BERLIN = BusinessCalendar(time_zone="Europe/Berlin", week={d: ["00:00-06:00"] for d in WEEKDAYS})
NIGHTS_NEW_YORK = BusinessCalendar(time_zone="America/New_York", week={d: ["01:00-04:00"] for d in WEEKDAYS})
WEEKEND_SHIFT = BusinessCalendar(
    time_zone="Europe/Berlin", week={"sat": ["22:00-24:00"], "sun": ["00:00-06:00"]}
)


def berlin(day: date, hour: int = 0, minute: int = 0, *, fold: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN).replace(fold=fold)


def new_york(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NEW_YORK)


FRI_8_MAR = date(2024, 3, 8)
MON_11_MAR = date(2024, 3, 11)


# ---------------------------------------------------------------- add_business_time


def test_friday_afternoon_plus_four_hours_is_monday_midday() -> None:
    # Fri 16:30-17:00 = 0.5 h, weekend off, Mon 09:00 + 3.5 h = 12:30.
    due = add_business_time(OFFICE, berlin(FRI_8_MAR, 16, 30), 4 * H)
    assert due == berlin(MON_11_MAR, 12, 30)
    assert due.tzinfo is UTC
    assert due == datetime(2024, 3, 11, 11, 30, tzinfo=UTC)


def test_target_consumed_exactly_at_closing_is_due_at_closing() -> None:
    # Fri 16:30 + 0.5 h = Fri 17:00 (the earliest such instant), not Mon 09:00.
    assert add_business_time(OFFICE, berlin(FRI_8_MAR, 16, 30), 30 * M) == berlin(FRI_8_MAR, 17)


def test_zero_duration_is_the_start_even_outside_business_hours() -> None:
    saturday = berlin(date(2024, 3, 9), 10)
    assert add_business_time(OFFICE, saturday, timedelta(0)) == saturday


def test_start_on_a_weekend_counts_from_monday_opening() -> None:
    # Sat 10:00: nothing until Mon 09:00, + 1 h = Mon 10:00.
    assert add_business_time(OFFICE, berlin(date(2024, 3, 9), 10), H) == berlin(MON_11_MAR, 10)


def test_start_before_opening_counts_from_opening() -> None:
    assert add_business_time(OFFICE, berlin(MON_11_MAR, 7), 2 * H) == berlin(MON_11_MAR, 11)


def test_lunch_break_is_skipped() -> None:
    # Mon 11:30-12:00 = 0.5 h, lunch, 13:00 + 0.5 h = 13:30.
    assert add_business_time(LUNCH, berlin(MON_11_MAR, 11, 30), H) == berlin(MON_11_MAR, 13, 30)
    assert business_time_between(LUNCH, berlin(MON_11_MAR, 11), berlin(MON_11_MAR, 14)) == 2 * H


def test_holidays_are_skipped() -> None:
    # Mon 23 Dec 16:00-17:00 = 1 h; 24, 25, 26 Dec (Tue-Thu) are holidays; Fri 27 Dec 09:00 + 1 h.
    assert add_business_time(XMAS, berlin(date(2024, 12, 23), 16), 2 * H) == berlin(date(2024, 12, 27), 10)
    assert business_time_between(XMAS, berlin(date(2024, 12, 23)), berlin(date(2024, 12, 28))) == 16 * H


def test_a_shift_across_midnight_is_continuous() -> None:
    # Sat 16 Mar 23:00-24:00 = 1 h, Sun 17 Mar 00:00 + 1 h = 01:00.
    sat = date(2024, 3, 16)
    assert add_business_time(WEEKEND_SHIFT, berlin(sat, 23), 2 * H) == berlin(date(2024, 3, 17), 1)
    # Sat 22:00-24:00 + Sun 00:00-06:00 = 8 h.
    assert business_time_between(WEEKEND_SHIFT, berlin(sat, 21), berlin(date(2024, 3, 17), 7)) == 8 * H


def test_weeks_of_business_time() -> None:
    # 400 h = 50 days of 8 h = 10 working weeks from Mon 8 Jan 09:00: the 50th working day is
    # Fri 15 Mar (8 Jan + 9 weeks + 4 days), consumed exactly at 17:00 (no DST before 31 Mar).
    start = berlin(date(2024, 1, 8), 9)
    assert add_business_time(OFFICE, start, 400 * H) == berlin(date(2024, 3, 15), 17)
    assert business_time_between(OFFICE, start, berlin(date(2024, 3, 15), 17)) == 400 * H
    # Years: 2000 working days; the round trip holds and nothing loops per minute.
    due = add_business_time(OFFICE, start, 16_000 * H)
    assert business_time_between(OFFICE, start, due) == 16_000 * H


def test_excluding_intervals_do_not_count() -> None:
    # Mon 09:00 + 4 h with 10:00-11:30 excluded: 09:00-10:00 (1 h), 11:30 + 3 h = 14:30.
    hole = [(berlin(MON_11_MAR, 10), berlin(MON_11_MAR, 11, 30))]
    assert add_business_time(OFFICE, berlin(MON_11_MAR, 9), 4 * H, excluding=hole) == berlin(
        MON_11_MAR, 14, 30
    )
    assert business_time_between(OFFICE, berlin(MON_11_MAR, 9), berlin(MON_11_MAR, 12), excluding=hole) == (
        90 * M
    )


# ---------------------------------------------------------------- business_time_between


def test_between_is_signed() -> None:
    a, b = berlin(FRI_8_MAR, 16, 30), berlin(MON_11_MAR, 12, 30)
    assert business_time_between(OFFICE, a, b) == 4 * H
    assert business_time_between(OFFICE, b, a) == -4 * H
    assert business_time_between(OFFICE, a, a) == timedelta(0)


def test_between_inside_the_weekend_is_zero() -> None:
    assert business_time_between(OFFICE, berlin(date(2024, 3, 9), 9), berlin(date(2024, 3, 10), 18)) == (
        timedelta(0)
    )


def test_twenty_four_seven_is_real_elapsed_time() -> None:
    a, b = new_york(date(2024, 3, 9), 12), new_york(date(2024, 3, 11), 12)
    # Subtracting two datetimes of the same zone gives wall-clock time (48 h); real time is 47 h.
    assert b - a == 48 * H
    assert business_time_between(TWENTY_FOUR_SEVEN, a, b) == b.astimezone(UTC) - a.astimezone(UTC) == 47 * H
    assert add_business_time(TWENTY_FOUR_SEVEN, a, 47 * H) == b


# ---------------------------------------------------------------- DST


def test_dst_spring_forward_day_has_23_hours() -> None:
    sun = date(2024, 3, 31)
    assert business_time_between(ALL_DAY_BERLIN, berlin(sun), berlin(date(2024, 4, 1))) == 23 * H
    # Sat 30 Mar 12:00 CET + 24 h of real time = Sun 13:00 CEST (the clocks jumped an hour).
    assert add_business_time(ALL_DAY_BERLIN, berlin(date(2024, 3, 30), 12), 24 * H) == berlin(sun, 13)


def test_dst_fall_back_day_has_25_hours() -> None:
    assert (
        business_time_between(ALL_DAY_BERLIN, berlin(date(2024, 10, 27)), berlin(date(2024, 10, 28)))
        == 25 * H
    )


def test_dst_night_shift_spring_forward() -> None:
    # 00:00-06:00 on Sun 31 Mar: 00:00 CET = 23:00 UTC, 06:00 CEST = 04:00 UTC -> 5 h.
    sun = date(2024, 3, 31)
    assert business_time_between(NIGHTS_BERLIN, berlin(sun), berlin(sun, 12)) == 5 * H
    # 00:00 CET + 3 h = 02:00 UTC = 04:00 CEST.
    assert add_business_time(NIGHTS_BERLIN, berlin(sun), 3 * H) == berlin(sun, 4)


def test_dst_night_shift_fall_back() -> None:
    # 00:00-06:00 on Sun 27 Oct: 00:00 CEST = 22:00 UTC (Sat), 06:00 CET = 05:00 UTC -> 7 h.
    sun = date(2024, 10, 27)
    assert business_time_between(NIGHTS_BERLIN, berlin(sun), berlin(sun, 12)) == 7 * H
    # 00:00 CEST + 3 h = 01:00 UTC = the *second* 02:00 (CET, fold=1).
    due = add_business_time(NIGHTS_BERLIN, berlin(sun), 3 * H)
    assert due == datetime(2024, 10, 27, 1, tzinfo=UTC)
    # (An ambiguous wall time never compares equal across zones, so compare in UTC.)
    assert due == berlin(sun, 2, fold=1).astimezone(UTC)
    assert due != berlin(sun, 2, fold=0).astimezone(UTC)


def test_office_hours_across_dst_follow_the_wall_clock() -> None:
    # Fri 29 Mar 16:00 CET + 2 h: Fri 16:00-17:00, Mon 1 Apr 09:00 CEST + 1 h = 10:00 CEST (08:00 UTC).
    due = add_business_time(OFFICE, berlin(date(2024, 3, 29), 16), 2 * H)
    assert due == berlin(date(2024, 4, 1), 10) == datetime(2024, 4, 1, 8, tzinfo=UTC)


def test_new_york_dst_days() -> None:
    # 01:00-04:00 every day: on Sun 10 Mar 01:00 EST (06:00 UTC) to 04:00 EDT (08:00 UTC) = 2 h;
    # on Sun 3 Nov 01:00 EDT (05:00 UTC, the first 01:00) to 04:00 EST (09:00 UTC) = 4 h.
    spring, fall = date(2024, 3, 10), date(2024, 11, 3)
    assert business_time_between(NIGHTS_NEW_YORK, new_york(spring), new_york(spring, 12)) == 2 * H
    assert business_time_between(NIGHTS_NEW_YORK, new_york(fall), new_york(fall, 12)) == 4 * H
    # Sat 9 Mar 03:30 EST + 1 h: 03:30-04:00 (0.5 h), Sun 01:00 EST + 0.5 h = 01:30 EST (06:30 UTC).
    assert add_business_time(NIGHTS_NEW_YORK, new_york(date(2024, 3, 9), 3, 30), H) == datetime(
        2024, 3, 10, 6, 30, tzinfo=UTC
    )


def test_interval_bound_in_the_spring_gap_starts_at_the_jump() -> None:
    # Sundays 02:30-05:00 in New York. On 10 Mar 02:30 does not exist: the interval starts when
    # the clocks jump (03:00 EDT = 07:00 UTC) and ends 05:00 EDT (09:00 UTC): 2 h, not 2.5 h.
    cal = BusinessCalendar(time_zone="America/New_York", week={"sun": ["02:30-05:00"]})
    spring = date(2024, 3, 10)
    assert next_business_instant(cal, new_york(spring)) == datetime(2024, 3, 10, 7, tzinfo=UTC)
    assert business_time_between(cal, new_york(spring), new_york(spring, 12)) == 2 * H
    assert business_time_between(cal, new_york(date(2024, 3, 17)), new_york(date(2024, 3, 17), 12)) == 150 * M


def test_interval_entirely_in_the_spring_gap_is_empty_that_day() -> None:
    # Sundays 02:00-02:45: nothing on 10 Mar; the next one is 17 Mar 02:00 EDT.
    cal = BusinessCalendar(time_zone="America/New_York", week={"sun": ["02:00-02:45"]})
    assert next_business_instant(cal, new_york(date(2024, 3, 10))) == new_york(date(2024, 3, 17), 2)


def test_dst_change_at_midnight() -> None:
    # America/Santiago changes at midnight. Sat 22:00-24:00 and Sun 00:00-02:00:
    # - Sun 8 Sep 2024: 00:00 -04 jumps to 01:00 -03 (04:00 UTC), so Sunday starts at the jump; Sat
    #   22:00 -04 (02:00 UTC) to 24:00 (the jump) = 2 h, then Sun to 02:00 -03 (05:00 UTC) = 1 h.
    # - Sun 7 Apr 2024: Sat 24:00 -03 goes back to 23:00 -04; Sat 22:00 -03 (01:00 UTC) to Sun 00:00
    #   -04 (04:00 UTC) = 3 h, then Sun 00:00-02:00 -04 = 2 h.
    cal = BusinessCalendar(
        time_zone="America/Santiago", week={"sat": ["22:00-24:00"], "sun": ["00:00-02:00"]}
    )
    sep = [
        (datetime(2024, 9, 8, 2, tzinfo=UTC), datetime(2024, 9, 8, 4, tzinfo=UTC)),
        (datetime(2024, 9, 8, 4, tzinfo=UTC), datetime(2024, 9, 8, 5, tzinfo=UTC)),
    ]
    assert (
        list(business_intervals(cal, datetime(2024, 9, 7, tzinfo=UTC), datetime(2024, 9, 9, tzinfo=UTC)))
        == sep
    )
    apr = [
        (datetime(2024, 4, 7, 1, tzinfo=UTC), datetime(2024, 4, 7, 4, tzinfo=UTC)),
        (datetime(2024, 4, 7, 4, tzinfo=UTC), datetime(2024, 4, 7, 6, tzinfo=UTC)),
    ]
    assert (
        list(business_intervals(cal, datetime(2024, 4, 6, tzinfo=UTC), datetime(2024, 4, 8, tzinfo=UTC)))
        == apr
    )
    all_day = BusinessCalendar(time_zone="America/Santiago", week={d: ["00:00-24:00"] for d in WEEKDAYS})
    # Sat 7 Sep 12:00 -04 (16:00 UTC) to Sun 12:00 -03 (15:00 UTC) = 23 h.
    assert (
        business_time_between(
            all_day, datetime(2024, 9, 7, 16, tzinfo=UTC), datetime(2024, 9, 8, 15, tzinfo=UTC)
        )
        == 23 * H
    )


# ---------------------------------------------------------------- next_business_instant


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (berlin(MON_11_MAR, 10), berlin(MON_11_MAR, 10)),  # inside: itself
        (berlin(MON_11_MAR, 9), berlin(MON_11_MAR, 9)),  # opening: itself
        (berlin(MON_11_MAR, 12), berlin(MON_11_MAR, 13)),  # lunch (half-open: 12:00 is out)
        (berlin(MON_11_MAR, 17), berlin(date(2024, 3, 12), 9)),  # closing: next morning
        (berlin(FRI_8_MAR, 18), berlin(MON_11_MAR, 9)),  # Friday evening: Monday
    ],
)
def test_next_business_instant(at: datetime, expected: datetime) -> None:
    assert next_business_instant(LUNCH, at) == expected


def test_next_business_instant_skips_holidays() -> None:
    assert next_business_instant(XMAS, berlin(date(2024, 12, 23), 17)) == berlin(date(2024, 12, 27), 9)


def test_business_intervals_are_in_utc_and_clipped() -> None:
    got = list(business_intervals(LUNCH, berlin(MON_11_MAR, 10), berlin(MON_11_MAR, 14)))
    assert got == [
        (datetime(2024, 3, 11, 9, tzinfo=UTC), datetime(2024, 3, 11, 11, tzinfo=UTC)),
        (datetime(2024, 3, 11, 12, tzinfo=UTC), datetime(2024, 3, 11, 13, tzinfo=UTC)),
    ]


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda naive: add_business_time(OFFICE, naive, H), "start"),
        (lambda naive: business_time_between(OFFICE, berlin(MON_11_MAR), naive), "b"),
        (lambda naive: next_business_instant(OFFICE, naive), "t"),
        (
            lambda naive: business_time_between(
                OFFICE, berlin(MON_11_MAR), berlin(MON_11_MAR, 12), excluding=[(naive, naive)]
            ),
            "excluding[0].start",
        ),
    ],
)
def test_naive_datetimes_are_rejected(call: Callable[[datetime], object], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        call(datetime(2024, 3, 11, 9))
    (problem,) = info.value.problems
    assert (problem.code, problem.field) == ("NAIVE_DATETIME", field)
    assert "time-zone aware" in problem.message


def test_negative_duration_is_rejected() -> None:
    with pytest.raises(InvalidInput) as info:
        add_business_time(OFFICE, berlin(MON_11_MAR, 9), -H)
    assert [p.code for p in info.value.problems] == ["NEGATIVE_DURATION"]


def test_excluding_interval_ending_before_it_starts_is_rejected() -> None:
    with pytest.raises(InvalidInput) as info:
        business_time_between(
            OFFICE,
            berlin(MON_11_MAR),
            berlin(MON_11_MAR, 12),
            excluding=[(berlin(MON_11_MAR, 11), berlin(MON_11_MAR, 10))],
        )
    assert [(p.code, p.field) for p in info.value.problems] == [("INVALID_INTERVAL", "excluding[0]")]


# ---------------------------------------------------------------- calendar model


def test_work_interval_forms() -> None:
    assert WorkInterval.model_validate("09:00-17:00") == WorkInterval(start=time(9), end=time(17))
    whole = WorkInterval.model_validate("00:00-24:00")
    assert whole.end == time(0)
    assert whole.end_offset == timedelta(days=1)
    assert str(whole) == "00:00-24:00"


def test_calendar_round_trips_through_json() -> None:
    assert BusinessCalendar.model_validate_json(XMAS.model_dump_json()) == XMAS
    assert BusinessCalendar.model_validate(LUNCH.model_dump()) == LUNCH


def test_calendar_from_mapping_week() -> None:
    cal = BusinessCalendar.from_data(
        {
            "time_zone": "Europe/Berlin",
            "week": {"mon": ["09:00-12:00", "13:00-17:00"], "sat": ["10:00-14:00"]},
        }
    )
    assert len(cal.week[0]) == 2
    assert cal.week[1] == ()
    assert cal.week[5] == (WorkInterval(start=time(10), end=time(14)),)


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        (
            {"time_zone": "Mars/Olympus", "week": {"mon": ["09:00-17:00"]}},
            "time_zone",
            "unknown IANA time zone",
        ),
        ({"time_zone": "UTC", "week": {"mon": ["09:00-13:00", "12:00-17:00"]}}, "week", "not overlap"),
        ({"time_zone": "UTC", "week": {"mon": ["13:00-17:00", "09:00-12:00"]}}, "week", "sorted"),
        ({"time_zone": "UTC", "week": {"mon": ["17:00-09:00"]}}, "week.0.0", "start before it ends"),
        ({"time_zone": "UTC", "week": {"mon": ["9 to 5"]}}, "week.0.0", "must look like"),
        ({"time_zone": "UTC", "week": {}}, "week", "at least one weekday"),
        ({"time_zone": "UTC", "week": {"monday": ["09:00-17:00"]}}, "week", "unknown weekday"),
        ({"time_zone": "UTC", "week": [[]] * 6}, "week", "7 days"),
    ],
)
def test_invalid_calendars(data: dict[str, object], field: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as info:
        BusinessCalendar.from_data(data, where="sla.yaml: calendars[0]")
    problem = info.value.problems[0]
    assert problem.code == "INVALID_CALENDAR"
    assert problem.where == "sla.yaml: calendars[0]"
    assert problem.field == field
    assert fragment in problem.message


def test_calendar_is_frozen() -> None:
    with pytest.raises(ValidationError):
        OFFICE.time_zone = "UTC"  # type: ignore[misc]


# ---------------------------------------------------------------- properties

CALENDARS = st.sampled_from(
    [OFFICE, LUNCH, XMAS, ALL_DAY_BERLIN, NIGHTS_BERLIN, NIGHTS_NEW_YORK, WEEKEND_SHIFT]
)
INSTANTS = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2025, 12, 31), timezones=st.just(UTC)
)  # covers four DST changes in each zone and the Christmas holidays
DURATIONS = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40))
PROPERTY = settings(max_examples=150, deadline=None)


@PROPERTY
@given(CALENDARS, INSTANTS, DURATIONS)
def test_between_inverts_add(cal: BusinessCalendar, start: datetime, duration: timedelta) -> None:
    due = add_business_time(cal, start, duration)
    assert due >= start
    assert business_time_between(cal, start, due) == duration


@PROPERTY
@given(CALENDARS, INSTANTS, DURATIONS, DURATIONS)
def test_add_is_monotonic(cal: BusinessCalendar, start: datetime, d1: timedelta, d2: timedelta) -> None:
    d1, d2 = sorted((d1, d2))
    assert add_business_time(cal, start, d1) <= add_business_time(cal, start, d2)


@PROPERTY
@given(CALENDARS, st.lists(INSTANTS, min_size=3, max_size=3).map(sorted))
def test_between_is_additive_and_monotonic(cal: BusinessCalendar, abc: list[datetime]) -> None:
    a, b, c = abc
    ab, bc = business_time_between(cal, a, b), business_time_between(cal, b, c)
    assert timedelta(0) <= ab <= ab + bc == business_time_between(cal, a, c)
    assert ab <= b - a


@PROPERTY
@given(CALENDARS, INSTANTS)
def test_next_business_instant_is_the_first_working_instant(cal: BusinessCalendar, t: datetime) -> None:
    n = next_business_instant(cal, t)
    assert n >= t
    assert business_time_between(cal, t, n) == timedelta(0)
    tiny = timedelta(microseconds=1)
    assert business_time_between(cal, n, n + tiny) == tiny


def _is_working(cal: BusinessCalendar, instant: datetime) -> bool:
    """Oracle: read the local wall clock and look it up (valid when no interval bound falls in a
    DST gap or fold, as in the calendars it is used with)."""
    wall = instant.astimezone(cal.zone)
    if wall.date() in cal.holidays:
        return False
    offset = timedelta(hours=wall.hour, minutes=wall.minute, seconds=wall.second)
    return any(i.start_offset <= offset < i.end_offset for i in cal.week[wall.weekday()])


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from([OFFICE, XMAS, NIGHTS_BERLIN, NIGHTS_NEW_YORK, WEEKEND_SHIFT, ALL_DAY_BERLIN]),
    st.sampled_from(
        [
            datetime(2024, 3, 30, tzinfo=UTC),  # Berlin spring forward
            datetime(2024, 10, 26, tzinfo=UTC),  # Berlin fall back
            datetime(2024, 3, 9, tzinfo=UTC),  # New York spring forward
            datetime(2024, 11, 2, tzinfo=UTC),  # New York fall back
            datetime(2024, 12, 22, tzinfo=UTC),  # holidays
        ]
    ),
    st.integers(min_value=0, max_value=24 * 60),
    st.integers(min_value=0, max_value=2 * 24 * 60),
)
def test_between_matches_a_minute_by_minute_oracle(
    cal: BusinessCalendar, base: datetime, start_minute: int, length: int
) -> None:
    start = base + start_minute * M
    expected = sum(_is_working(cal, start + i * M) for i in range(length)) * M
    assert business_time_between(cal, start, start + length * M) == expected
