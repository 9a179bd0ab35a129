"""The ETA model with hand-made numbers and a fixed `now` (scfm.calls.eta, no database)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scfm.calls.eta import DEFAULT_CALL_SECONDS, EtaInputs, OtherCallout, estimate_finish, shares
from scfm.core.calling_windows import parse_window

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday, 10:00 UTC
TEN_SECOND_CALLS = (10.0, 10.0, 10.0)


def seconds_until_done(**fields) -> float | None:
    fields.setdefault("call_seconds", TEN_SECOND_CALLS)
    finish = estimate_finish(EtaInputs(now=NOW, **fields))
    return None if finish is None else (finish - NOW).total_seconds()


def test_open_calls_at_the_accounts_rate_then_one_call_length():
    assert seconds_until_done(calls_per_minute=600, open_calls=2000) == pytest.approx(200 + 10)


def test_before_any_call_ended_a_call_is_taken_to_last_the_default():
    assert seconds_until_done(calls_per_minute=600, open_calls=2000, call_seconds=()) == pytest.approx(
        200 + DEFAULT_CALL_SECONDS
    )


def test_the_last_calls_end_with_the_longest_of_them():
    lengths = tuple(float(seconds) for seconds in range(10, 61))  # 10 s to 60 s, evenly
    # The last of 600 calls is handed over at 60 s; of the calls handed over in the minute before,
    # one almost surely lasts nearly 60 s.
    many = seconds_until_done(calls_per_minute=600, open_calls=600, call_seconds=lengths)
    assert 117 < many <= 120
    # A single call lasts 35 s on average.
    assert seconds_until_done(calls_per_minute=600, open_calls=1, call_seconds=lengths) == pytest.approx(
        0.1 + 35, abs=0.5
    )


def test_a_call_stuck_for_an_hour_does_not_make_the_last_calls_an_hour_long():
    observed = (10.0, 10.0, 10.0, 12.0, 3600.0)
    assert seconds_until_done(calls_per_minute=600, open_calls=600, call_seconds=observed) == pytest.approx(
        60 + 12, abs=0.2
    )


def test_nothing_left_to_do_is_done_now():
    assert seconds_until_done(calls_per_minute=600) == 0


def test_calls_in_flight_finish_one_call_length_after_the_newest_hand_over():
    assert seconds_until_done(
        calls_per_minute=600, in_flight=5, last_hand_over_at=NOW - timedelta(seconds=4)
    ) == pytest.approx(6)


def test_a_rate_of_zero_cannot_be_estimated():
    assert seconds_until_done(calls_per_minute=0, open_calls=10) is None


# Sharing the account's rate


def test_shares_by_weight_and_emergencies_take_everything():
    ours, theirs = shares("normal", ["high", "low"])
    assert ours == pytest.approx(2 / 7)
    assert theirs == pytest.approx([4 / 7, 1 / 7])
    assert shares("normal", ["emergency", "high"]) == (0.0, [1.0, 0.0])
    assert shares("emergency", ["emergency", "low"]) == (0.5, [0.5, 0.0])
    assert shares("low", []) == (1.0, [])


def test_an_emergency_elsewhere_on_the_account_delays_a_normal_callout():
    alone = seconds_until_done(calls_per_minute=600, open_calls=600)
    behind = seconds_until_done(
        calls_per_minute=600, open_calls=600, other_callouts=(OtherCallout("emergency", 1200),)
    )
    # The emergency's 1,200 calls take the whole rate for 120 s; then ours go at full rate.
    assert alone == pytest.approx(70)
    assert behind == pytest.approx(120 + 60 + 10)


def test_an_emergency_callout_takes_the_whole_rate_whatever_else_runs():
    assert seconds_until_done(
        calls_per_minute=600,
        priority="emergency",
        open_calls=600,
        other_callouts=(OtherCallout("high", 50_000), OtherCallout("normal", 50_000)),
    ) == pytest.approx(70)


def test_two_emergencies_share_the_rate_equally():
    assert seconds_until_done(
        calls_per_minute=600,
        priority="emergency",
        open_calls=600,
        other_callouts=(OtherCallout("emergency", 50_000),),
    ) == pytest.approx(120 + 10)


def test_a_normal_callout_gets_its_weight_until_the_others_run_out():
    # high 4 : normal 2 : low 1. The low callout's 100 calls last 100 / (10 × 1/7) = 70 s, in
    # which ours makes 200; then 4 : 2 while the high one has calls (it has plenty).
    finish = seconds_until_done(
        calls_per_minute=600,
        open_calls=600,
        other_callouts=(OtherCallout("high", 100_000), OtherCallout("low", 100)),
    )
    assert finish == pytest.approx(70 + 400 / (10 * 2 / 6) + 10)


def test_callouts_without_open_calls_take_no_share():
    assert seconds_until_done(
        calls_per_minute=600, open_calls=600, other_callouts=(OtherCallout("high", 0),)
    ) == pytest.approx(70)


def test_the_concurrency_cap_limits_the_rate_by_the_call_length():
    # 5 calls at once lasting 10 s each: half a call a second, whatever the queue limit says.
    assert seconds_until_done(
        calls_per_minute=600, open_calls=100, max_concurrent_calls=5, call_seconds=(10.0,)
    ) == pytest.approx(200 + 10)


def test_the_observed_rate_is_blended_in():
    # The provider lets 300 a minute through although the account may dial 600: half of each.
    assert seconds_until_done(
        calls_per_minute=600, open_calls=900, observed_calls_per_minute=300
    ) == pytest.approx(900 / 7.5 + 10)


# Windows, start_at and stop_at


def test_calls_waiting_for_their_window_go_when_it_opens():
    opens = NOW + timedelta(hours=1)
    assert seconds_until_done(
        calls_per_minute=600, open_calls=1000, window_openings=((opens, 1000),)
    ) == pytest.approx(3600 + 100 + 10)


def test_a_window_that_closes_holds_the_rest_until_it_opens_again():
    window = parse_window({"from": "08:00", "to": "10:01"})
    # Open until 10:01 UTC: 600 calls in that minute, the other 600 from 08:00 the next day.
    finish = estimate_finish(
        EtaInputs(
            now=NOW,
            calls_per_minute=600,
            open_calls=1200,
            call_seconds=TEN_SECOND_CALLS,
            window=window,
            window_zones=(UTC,),
        )
    )
    assert finish == datetime(2026, 3, 3, 8, 1, 10, tzinfo=UTC)


def test_the_window_is_read_on_the_calendar_clock():
    window = parse_window({"from": "08:00", "to": "10:01"})
    # The calendar is a day and 3 h ahead: it reads Tuesday 13:00, so the window opens on
    # Wednesday 08:00 calendar time, which is Tuesday 05:00 real time.
    finish = estimate_finish(
        EtaInputs(
            now=NOW,
            calls_per_minute=600,
            open_calls=600,
            call_seconds=TEN_SECOND_CALLS,
            window=window,
            window_zones=(UTC,),
            calendar_offset=timedelta(days=1, hours=3),
        )
    )
    assert finish == datetime(2026, 3, 3, 5, 1, 10, tzinfo=UTC)


def test_the_window_is_read_in_the_contacts_zone():
    window = parse_window({"from": "08:00", "to": "20:00"})
    # 10:00 UTC is 17:00 in Phnom Penh: open for three more hours.
    assert seconds_until_done(
        calls_per_minute=600, open_calls=600, window=window, window_zones=(ZoneInfo("Asia/Phnom_Penh"),)
    ) == pytest.approx(70)


def test_zones_whose_windows_never_meet_cannot_be_estimated():
    window = parse_window({"from": "08:00", "to": "09:00"})
    assert (
        seconds_until_done(
            calls_per_minute=600,
            open_calls=10,
            window=window,
            window_zones=(UTC, ZoneInfo("Pacific/Kiritimati")),
        )
        is None
    )


def test_a_callout_starts_dialing_at_start_at():
    assert seconds_until_done(
        calls_per_minute=600, open_calls=600, start_at=NOW + timedelta(minutes=30)
    ) == pytest.approx(1800 + 70)


def test_at_stop_at_only_the_calls_under_way_finish():
    assert seconds_until_done(
        calls_per_minute=600, open_calls=6000, stop_at=NOW + timedelta(seconds=60)
    ) == pytest.approx(60 + 10)


# Retries


def half_busy(**fields):
    """A callout whose calls so far were half answered and half busy."""
    return {"answered_calls": 99, "unsuccessful_calls": {"busy": 100}, **fields}


def test_expected_retries_come_back_after_their_ladders_delay():
    # 1,000 calls in 100 s; about half come back 10 s (a call) + 600 s after being dialed, the
    # last of them about 97.5 + 10 + 600 s from now, dialed within 2.5 s and over 10 s later.
    finish = seconds_until_done(
        calls_per_minute=600,
        open_calls=1000,
        max_attempts=2,
        retry_ladders={"busy": (600,)},
        **half_busy(),
    )
    assert finish == pytest.approx(97.5 + 10 + 600 + 2.5 + 10, abs=1)


def test_an_empty_ladder_means_no_retry():
    assert seconds_until_done(
        calls_per_minute=600, open_calls=1000, max_attempts=3, retry_ladders={"busy": ()}, **half_busy()
    ) == pytest.approx(110)


def test_past_the_end_of_its_ladder_an_outcome_is_not_retried():
    one_step = seconds_until_done(
        calls_per_minute=600, open_calls=1000, max_attempts=5, retry_ladders={"busy": (600,)}, **half_busy()
    )
    two_steps = seconds_until_done(
        calls_per_minute=600,
        open_calls=1000,
        max_attempts=5,
        retry_ladders={"busy": (600, 1200)},
        **half_busy(),
    )
    assert one_step == pytest.approx(720, abs=1)
    # The second round (about 250 calls) comes back 1,200 s after the first retries.
    assert two_steps == pytest.approx(720 + 10 + 1200, abs=3)


def test_an_outcome_without_a_ladder_waits_the_default_delay():
    assert seconds_until_done(
        calls_per_minute=600, open_calls=1000, max_attempts=2, default_retry_delay=300, **half_busy()
    ) == pytest.approx(97.5 + 10 + 300 + 2.5 + 10, abs=1)


def test_participations_out_of_attempts_are_not_retried():
    assert seconds_until_done(
        calls_per_minute=600,
        open_calls=1000,
        open_retries={3: 1000},
        max_attempts=3,
        retry_ladders={"busy": (600, 600, 600)},
        **half_busy(),
    ) == pytest.approx(110)


def test_no_retries_are_expected_before_any_call_failed():
    assert seconds_until_done(
        calls_per_minute=600, open_calls=1000, answered_calls=20, max_attempts=3
    ) == pytest.approx(110)


def test_a_rare_failure_expects_no_retry_on_a_small_callout():
    # One call in 200 fails: of the 20 calls left, 0.1 is expected to need a retry.
    assert seconds_until_done(
        calls_per_minute=600, open_calls=20, answered_calls=199, unsuccessful_calls={"busy": 1}
    ) == pytest.approx(2 + 10)


def test_pending_retries_are_dialed_when_due():
    # 600 retries due evenly over the next 60–120 s: the last one is dialed when due.
    finish = seconds_until_done(
        calls_per_minute=600,
        pending_retries=600,
        retries_from=NOW + timedelta(seconds=60),
        retries_until=NOW + timedelta(seconds=120),
    )
    assert 120 <= finish <= 120 + 10 + 10


def test_retries_of_calls_in_flight_come_back():
    finish = seconds_until_done(
        calls_per_minute=600,
        in_flight=100,
        last_hand_over_at=NOW,
        max_attempts=2,
        retry_ladders={"busy": (600,)},
        **half_busy(),
    )
    # Half a call from now they end; half come back 600 s later: 50 calls in 5 s, plus a call.
    assert finish == pytest.approx(5 + 600 + 5 + 10, abs=1)


def test_open_retries_are_dialed_last_and_have_fewer_attempts_left():
    # 800 first attempts (80 s, in chunks of 4 s), then 200 second attempts that are the last.
    # Only the first attempts come back: the last chunk's, dialed around 78 s, at 78 + 10 + 600.
    finish = seconds_until_done(
        calls_per_minute=600,
        open_calls=1000,
        open_retries={2: 200},
        max_attempts=2,
        retry_ladders={"busy": (600,)},
        **half_busy(),
    )
    assert finish == pytest.approx(78 + 10 + 600 + 2 + 10, abs=1)


def test_pending_retries_making_the_last_attempt_expect_no_more():
    common = {
        "calls_per_minute": 600,
        "pending_retries": 100,
        "retries_from": NOW,
        "retries_until": NOW,
        "max_attempts": 3,
        "retry_ladders": {"busy": (600, 600)},
        **half_busy(),
    }
    assert seconds_until_done(**common, pending_retry_attempts={3: 100}) == pytest.approx(20)
    # Making their second attempt, half of them come back for a third: the last 5 calls, dialed
    # around 9.75 s, come back 10 + 600 s later and take 0.25 s.
    assert seconds_until_done(**common) == pytest.approx(9.75 + 10 + 600 + 0.25 + 10)


def test_calls_in_flight_on_their_last_attempt_expect_no_retry():
    assert seconds_until_done(
        calls_per_minute=600,
        in_flight=100,
        in_flight_retries={2: 100},
        last_hand_over_at=NOW,
        max_attempts=2,
        retry_ladders={"busy": (600,)},
        **half_busy(),
    ) == pytest.approx(10)


def test_the_last_retries_come_back_after_the_longest_calls():
    lengths = tuple(float(seconds) for seconds in range(10, 61))  # 10 s to 60 s, 35 s on average
    common = {
        "calls_per_minute": 600,
        "open_calls": 1000,
        "max_attempts": 2,
        "retry_ladders": {"busy": (600,)},
        **half_busy(),
    }
    # With every call 35 s long: the last retries are handed over 100 + 35 + 600 s from now.
    assert seconds_until_done(**common, call_seconds=(35.0,)) == pytest.approx(100 + 35 + 600 + 35)
    # Lasting 10 to 60 s, the 25 last calls' retries come back until the longest of them is over
    # (about 58 s), and the last of those retries lasts up to 60 s too.
    spread = seconds_until_done(**common, call_seconds=lengths)
    assert 100 + 55 + 600 + 45 < spread < 100 + 60 + 600 + 60
