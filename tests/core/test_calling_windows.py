"""The calling window rules (scfm.core.calling_windows), pure."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from scfm.core.calling_windows import (
    InvalidWindow,
    is_time_zone,
    opening,
    parse_window,
    window_errors,
    zone,
)

PHNOM_PENH = ZoneInfo("Asia/Phnom_Penh")  # UTC+7, no DST
NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_a_window_is_open_between_from_and_to_in_the_zone():
    window = parse_window({"from": "08:00", "to": "20:00"})
    # 2026-12-02 is a Wednesday. 01:00 UTC is 08:00 in Phnom Penh.
    assert window.open_interval(utc(2026, 12, 2, 0, 59), PHNOM_PENH) is None
    assert window.open_interval(utc(2026, 12, 2, 1, 0), PHNOM_PENH) == (
        utc(2026, 12, 2, 1),
        utc(2026, 12, 2, 13),
    )
    assert window.open_interval(utc(2026, 12, 2, 12, 59), PHNOM_PENH) is not None
    assert window.open_interval(utc(2026, 12, 2, 13, 0), PHNOM_PENH) is None  # `to` is excluded


def test_next_opening_is_now_when_open_else_the_next_start():
    window = parse_window({"from": "08:00", "to": "20:00"})
    at_three_am = utc(2026, 12, 1, 20)  # 03:00 on Wednesday in Phnom Penh
    assert window.next_opening(at_three_am, PHNOM_PENH) == utc(2026, 12, 2, 1)
    at_noon = utc(2026, 12, 2, 5)
    assert window.next_opening(at_noon, PHNOM_PENH) == at_noon
    at_ten_pm = utc(2026, 12, 2, 15)  # 22:00 Wednesday → Thursday 08:00
    assert window.next_opening(at_ten_pm, PHNOM_PENH) == utc(2026, 12, 3, 1)


def test_days_name_the_days_a_window_opens():
    window = parse_window({"from": "09:00", "to": "17:00", "days": ["mon", "tue", "wed", "thu", "fri"]})
    friday_evening = utc(2026, 12, 4, 12)  # Friday 19:00 in Phnom Penh
    assert window.next_opening(friday_evening, PHNOM_PENH) == utc(2026, 12, 7, 2)  # Monday 09:00
    assert window.open_interval(utc(2026, 12, 5, 4), PHNOM_PENH) is None  # Saturday 11:00


def test_an_overnight_window_runs_past_midnight():
    window = parse_window({"from": "20:00", "to": "06:00", "overnight": True, "days": ["wed"]})
    # Wednesday 23:00 and Thursday 05:59 in Phnom Penh are inside; Thursday 06:00 is not.
    assert window.open_interval(utc(2026, 12, 2, 16), PHNOM_PENH) is not None
    assert window.open_interval(utc(2026, 12, 2, 22, 59), PHNOM_PENH) is not None
    assert window.open_interval(utc(2026, 12, 2, 23, 0), PHNOM_PENH) is None
    # Thursday 21:00: the window opens on Wednesdays only.
    assert window.next_opening(utc(2026, 12, 3, 14), PHNOM_PENH) == utc(2026, 12, 9, 13)


def test_to_24_00_means_the_end_of_the_day():
    window = parse_window({"from": "18:00", "to": "24:00"})
    assert window.open_interval(utc(2026, 12, 2, 16, 59), PHNOM_PENH) is not None  # 23:59
    assert window.open_interval(utc(2026, 12, 2, 17, 0), PHNOM_PENH) is None  # 00:00


def test_windows_follow_daylight_saving_time():
    window = parse_window({"from": "08:00", "to": "20:00"})
    # New York is UTC-4 in summer and UTC-5 in winter: 08:00 local moves in UTC.
    assert window.next_opening(utc(2026, 7, 1, 5), NEW_YORK) == utc(2026, 7, 1, 12)
    assert window.next_opening(utc(2026, 12, 1, 5), NEW_YORK) == utc(2026, 12, 1, 13)


def test_opening_in_several_zones_waits_until_open_in_all():
    window = parse_window({"from": "08:00", "to": "20:00"})
    # 13:00 UTC in December: 08:00 in New York, 05:00 in Los Angeles.
    now = utc(2026, 12, 2, 13)
    assert opening(window, [NEW_YORK], now) == now
    assert opening(window, [NEW_YORK, LOS_ANGELES], now) == utc(2026, 12, 2, 16)


def test_opening_is_none_when_the_zones_never_share_an_hour():
    window = parse_window({"from": "08:00", "to": "09:00"})
    assert opening(window, [PHNOM_PENH, NEW_YORK], utc(2026, 12, 2)) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("08:00-20:00", 'must be an object like {"from": "08:00", "to": "20:00"}'),
        ({"from": "8am", "to": "20:00"}, "from must be a time HH:MM between 00:00 and 24:00"),
        ({"from": "08:00", "to": "25:00"}, "to must be a time HH:MM between 00:00 and 24:00"),
        ({"from": "08:00"}, "to must be a time HH:MM between 00:00 and 24:00"),
        ({"from": "24:00", "to": "20:00"}, "from must be a time HH:MM before 24:00"),
        (
            {"from": "20:00", "to": "08:00"},
            'to must be after from; a window past midnight needs "overnight": true',
        ),
        (
            {"from": "08:00", "to": "08:00"},
            "from and to must differ (leave calling_window out to call at any hour)",
        ),
        (
            {"from": "08:00", "to": "20:00", "overnight": True},
            "an overnight window must end (to) before it starts (from) on the next day",
        ),
        ({"from": "08:00", "to": "20:00", "overnight": "yes"}, "overnight must be true or false"),
        (
            {"from": "08:00", "to": "20:00", "days": []},
            "days must be a non-empty list of mon, tue, wed, thu, fri, sat, sun",
        ),
        (
            {"from": "08:00", "to": "20:00", "days": ["monday"]},
            "days must be a non-empty list of mon, tue, wed, thu, fri, sat, sun",
        ),
        ({"from": "08:00", "to": "20:00", "zone": "UTC"}, "has unknown keys: zone"),
    ],
)
def test_bad_windows_are_refused_with_a_clear_message(value, message):
    with pytest.raises(InvalidWindow) as raised:
        parse_window(value)
    assert str(raised.value) == message
    assert window_errors(value) == [f"calling_window {message}"]


def test_a_window_reads_back_as_it_was_written():
    value = {"from": "20:00", "to": "06:30", "days": ["fri", "sat"], "overnight": True}
    assert parse_window(value).to_json() == value
    assert parse_window({"from": "08:00", "to": "24:00", "days": ["SUN"]}).to_json() == {
        "from": "08:00",
        "to": "24:00",
        "days": ["sun"],
    }
    assert window_errors(None) == []


def test_time_zone_names():
    assert is_time_zone("Asia/Phnom_Penh")
    assert is_time_zone("UTC")
    assert not is_time_zone("Mars/Olympus_Mons")
    assert not is_time_zone(7)
    assert zone("Nowhere/At_All") is UTC
