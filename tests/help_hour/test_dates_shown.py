"""Preferred dates are shown as people read them, not as stored (``YYYY-MM-DD``)."""

from __future__ import annotations

from django.utils import translation

from consultations.templatetags.help_hour import iso_day


def test_a_stored_date_reads_with_its_weekday_in_the_active_language() -> None:
    with translation.override("ru"):
        assert iso_day("2026-12-02") == "Ср, 02.12.2026"
    with translation.override("en"):
        assert iso_day("2026-12-02") == "Wed, 02.12.2026"


def test_something_that_is_not_a_date_is_shown_as_it_is() -> None:
    assert iso_day("не дата") == "не дата"
    assert iso_day("") == ""
