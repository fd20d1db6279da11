"""The rotating check-in code: the current and the previous window pass, anything else is refused clearly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from tutorials import checkin
from tutorials.errors import CheckinClosedError, CheckinNotOpenError, TutornetError, WrongCodeError

START = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
END = START + timedelta(hours=2)
SECRET = "a" * 40


@pytest.fixture(autouse=True)
def _english() -> object:
    with translation.override("en"):
        yield


def test_code_is_six_digits_and_stable_within_a_window() -> None:
    at = START + timedelta(minutes=5)
    code = checkin.code_now(SECRET, at)
    assert len(code) == checkin.DIGITS and code.isdigit()
    window_start = datetime.fromtimestamp(checkin.window_of(at) * checkin.WINDOW_SECONDS, UTC)
    assert checkin.code_now(SECRET, window_start) == code
    assert checkin.code_now(SECRET, window_start + timedelta(seconds=checkin.WINDOW_SECONDS - 1)) == code


def test_code_rotates_and_differs_between_sessions() -> None:
    at = START + timedelta(minutes=5)
    codes = {checkin.code_now(SECRET, at + timedelta(seconds=checkin.WINDOW_SECONDS * i)) for i in range(10)}
    assert len(codes) >= 9  # a 6-digit collision among 10 windows is possible but rare
    assert checkin.code_now(SECRET, at) != checkin.code_now("b" * 40, at)


def test_current_and_previous_window_are_accepted() -> None:
    at = START + timedelta(minutes=30)
    checkin.check_code(SECRET, checkin.code_now(SECRET, at), at, START, END)
    previous = checkin.code_now(SECRET, at - timedelta(seconds=checkin.WINDOW_SECONDS))
    checkin.check_code(SECRET, previous, at, START, END)
    # People type spaces; they are forgiven.
    code = checkin.code_now(SECRET, at)
    checkin.check_code(SECRET, f"{code[:3]} {code[3:]}", at, START, END)


def test_an_older_code_is_refused_as_expired() -> None:
    at = START + timedelta(minutes=30)
    old = checkin.code_now(SECRET, at - timedelta(seconds=checkin.WINDOW_SECONDS * 3))
    with pytest.raises(WrongCodeError, match="expired"):
        checkin.check_code(SECRET, old, at, START, END)


def test_a_wrong_code_is_refused_with_a_clear_message() -> None:
    at = START + timedelta(minutes=30)
    right = checkin.code_now(SECRET, at)
    wrong = str((int(right) + 1) % 10**6).zfill(6)
    with pytest.raises(WrongCodeError, match="Wrong code") as caught:
        checkin.check_code(SECRET, wrong, at, START, END)
    assert caught.value.field == "code" and caught.value.status == 400
    with pytest.raises(WrongCodeError, match="6 digits"):
        checkin.check_code(SECRET, "12", at, START, END)


def test_a_late_code_is_refused_after_the_session_and_its_margin() -> None:
    at = END + checkin.MARGIN + timedelta(seconds=1)
    with pytest.raises(CheckinClosedError, match="closed") as caught:
        checkin.check_code(SECRET, checkin.code_now(SECRET, at), at, START, END)
    assert isinstance(caught.value, TutornetError) and caught.value.status == 409
    # Within the margin after the end, the code still works.
    at = END + checkin.MARGIN - timedelta(seconds=1)
    checkin.check_code(SECRET, checkin.code_now(SECRET, at), at, START, END)


def test_check_in_before_the_session_opens_is_refused() -> None:
    at = START - checkin.MARGIN - timedelta(seconds=1)
    with pytest.raises(CheckinNotOpenError, match="opens at"):
        checkin.check_code(SECRET, checkin.code_now(SECRET, at), at, START, END)
    at = START - checkin.MARGIN + timedelta(seconds=1)
    checkin.check_code(SECRET, checkin.code_now(SECRET, at), at, START, END)


def test_seconds_left_counts_down_to_the_rotation() -> None:
    window_start = datetime.fromtimestamp(checkin.window_of(START) * checkin.WINDOW_SECONDS, UTC)
    assert checkin.seconds_left(window_start) == checkin.WINDOW_SECONDS
    assert checkin.seconds_left(window_start + timedelta(seconds=29)) == 1
