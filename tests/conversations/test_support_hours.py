"""Support hours: on duty, the next opening, and support time between two instants.

Hand-computed fixtures. November 2026 in Tokyo: Fri 20, Sat 21, Sun 22,
Mon 23 (勤労感謝の日, a holiday), Tue 24. New York leaves daylight saving time
on Sun 1 November 2026 (that day has 25 hours) and enters it on Sun 8 March
2026 (23 hours).
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from conversations.models import SupportHoliday, SupportHours
from conversations.support_hours import next_opening, on_duty, support_status, support_time_between

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
pytestmark = pytest.mark.django_db


def tokyo(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=TOKYO)


@pytest.fixture
def office_hours(settings):
    """Weekdays 09:00–12:00 and 13:00–18:00 in Tokyo (8 hours a day), closed at weekends."""
    settings.SUPPORT_TIME_ZONE = "Asia/Tokyo"
    for weekday in range(5):
        SupportHours.objects.create(weekday=weekday, opens=time(9), closes=time(12))
        SupportHours.objects.create(weekday=weekday, opens=time(13), closes=time(18))


@pytest.fixture
def labour_day(office_hours):
    return SupportHoliday.objects.create(date=datetime(2026, 11, 23).date(), name="勤労感謝の日")


def test_on_duty_inside_periods_only(office_hours):
    assert on_duty(tokyo(20, 11))
    assert on_duty(tokyo(20, 9))  # opening minute included
    assert not on_duty(tokyo(20, 12))  # closing minute excluded: lunch
    assert not on_duty(tokyo(20, 12, 30))
    assert not on_duty(tokyo(20, 18))
    assert not on_duty(tokyo(21, 11))  # Saturday
    # The same instant given in UTC.
    assert on_duty(tokyo(20, 11).astimezone(UTC))


def test_a_holiday_is_off_whatever_the_weekday(labour_day):
    assert not on_duty(tokyo(23, 10))
    assert on_duty(tokyo(24, 10))


def test_support_time_across_a_weekend_and_a_holiday(labour_day):
    # Fri 17:00–18:00 (1 h), Sat and Sun nothing, Mon a holiday, Tue 09:00–10:30 (1.5 h).
    assert support_time_between(tokyo(20, 17), tokyo(24, 10, 30)) == timedelta(hours=2, minutes=30)


def test_support_time_across_a_weekend_without_the_holiday(office_hours):
    # As above plus Monday's 8 hours.
    assert support_time_between(tokyo(20, 17), tokyo(24, 10, 30)) == timedelta(hours=10, minutes=30)


def test_support_time_skips_lunch_and_counts_partial_periods(office_hours):
    assert support_time_between(tokyo(24, 11, 15), tokyo(24, 13, 45)) == timedelta(minutes=90)
    assert support_time_between(tokyo(24, 0), tokyo(25, 0)) == timedelta(hours=8)


def test_empty_and_reversed_periods_count_nothing(office_hours):
    assert support_time_between(tokyo(24, 10), tokyo(24, 10)) == timedelta(0)
    assert support_time_between(tokyo(24, 11), tokyo(24, 10)) == timedelta(0)
    assert support_time_between(tokyo(21, 8), tokyo(22, 23)) == timedelta(0)  # a weekend


def test_next_opening(labour_day):
    assert next_opening(tokyo(20, 10)) == tokyo(20, 10)  # on duty: now
    assert next_opening(tokyo(20, 12, 5)) == tokyo(20, 13)
    # Friday evening: Monday is a holiday, so Tuesday 09:00 Tokyo (00:00 UTC).
    assert next_opening(tokyo(20, 18)) == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)


def test_the_zone_setting_decides_which_instants_are_inside(office_hours, settings):
    instant = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 11:00 in Tokyo, 02:00 in UTC
    assert on_duty(instant)
    settings.SUPPORT_TIME_ZONE = "UTC"
    assert not on_duty(instant)
    assert next_opening(instant) == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_a_period_across_the_autumn_clock_change_lasts_an_hour_longer(settings):
    settings.SUPPORT_TIME_ZONE = "America/New_York"
    SupportHours.objects.create(weekday=6, opens=time(0), closes=time(12))  # Sundays
    start = datetime(2026, 10, 31, 12, tzinfo=NEW_YORK)
    end = datetime(2026, 11, 2, 12, tzinfo=NEW_YORK)
    assert support_time_between(start, end) == timedelta(hours=13)  # 01:00–02:00 happens twice
    spring = datetime(2026, 3, 7, 12, tzinfo=NEW_YORK), datetime(2026, 3, 9, 12, tzinfo=NEW_YORK)
    assert support_time_between(*spring) == timedelta(hours=11)  # 02:00–03:00 never happens


def test_no_schedule_means_around_the_clock_except_holidays(settings):
    settings.SUPPORT_TIME_ZONE = "America/New_York"
    start = datetime(2026, 10, 31, 0, tzinfo=NEW_YORK)
    end = datetime(2026, 11, 2, 0, tzinfo=NEW_YORK)
    assert support_time_between(start, end) == timedelta(hours=49)  # Sunday has 25 hours
    assert on_duty(start)
    SupportHoliday.objects.create(date=datetime(2026, 11, 1).date(), name="Closed")
    assert support_time_between(start, end) == timedelta(hours=24)
    assert next_opening(datetime(2026, 11, 1, 9, tzinfo=NEW_YORK)) == datetime(2026, 11, 2, 0, tzinfo=NEW_YORK)


def test_closing_at_midnight_means_the_end_of_the_day(settings):
    settings.SUPPORT_TIME_ZONE = "Asia/Tokyo"
    SupportHours.objects.create(weekday=4, opens=time(20), closes=time(0))  # Friday evenings
    assert on_duty(tokyo(20, 23, 59))
    assert not on_duty(tokyo(21, 0))
    assert support_time_between(tokyo(20, 0), tokyo(22, 0)) == timedelta(hours=4)


def test_a_year_is_two_queries(office_hours, django_assert_num_queries):
    with django_assert_num_queries(2):
        total = support_time_between(datetime(2026, 1, 1, tzinfo=TOKYO), datetime(2027, 1, 1, tzinfo=TOKYO))
    assert total == timedelta(hours=8 * 261)  # 2026 has 261 weekdays


def test_support_status_for_the_inbox(labour_day):
    assert support_status(tokyo(20, 10)).on_duty
    assert str(support_status(tokyo(20, 10)).label) == "On duty"
    status = support_status(tokyo(20, 18))
    assert not status.on_duty and status.back_at == tokyo(24, 9)
    assert status.label == "Off duty, back Tue 24 Nov 09:00 (JST)"
    with translation.override("ja"):
        assert status.label == "対応時間外（再開：11月24日(火) 09:00 JST）"


def test_schedule_rows_must_close_after_they_open(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        SupportHours(weekday=0, opens=time(18), closes=time(9)).full_clean()
    SupportHours(weekday=0, opens=time(18), closes=time(0)).full_clean()
