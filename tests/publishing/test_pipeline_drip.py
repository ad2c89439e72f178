"""The drip: spacing posts per channel and keeping them within posting hours."""

import datetime as dt
import itertools
import zoneinfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from publishing.models import Delivery
from publishing.scheduling import next_slot, retry_delay
from qa import services as qa_services
from tests.publishing.test_pipeline_fakes import scripted_fixture  # noqa: F401  (the `scripted` fixture)

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


@pytest.fixture
def tokyo(settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    with timezone.override(TOKYO):
        yield


def at(day, hour, minute=0):
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=TOKYO)


@pytest.mark.usefixtures("tokyo")
def test_next_slot_spaces_posts_and_respects_posting_hours(settings):
    settings.PUBLISHING_CHANNEL_OVERRIDES = {"x": {"drip_interval_minutes": 30, "posting_hours": "09:00-21:00"}}
    assert next_slot(kind="x", now=at(23, 10), last_post=None) == at(23, 10)
    assert next_slot(kind="x", now=at(23, 10), last_post=at(23, 9, 50)) == at(23, 10, 20)
    # 20:45 + 30 minutes is after hours: the next morning at 09:00.
    assert next_slot(kind="x", now=at(23, 20), last_post=at(23, 20, 45)) == at(24, 9)
    # Before the window opens: today at 09:00.
    assert next_slot(kind="x", now=at(23, 3), last_post=None) == at(23, 9)


@pytest.mark.usefixtures("tokyo")
def test_posting_hours_across_midnight_and_all_day(settings):
    settings.PUBLISHING_CHANNEL_OVERRIDES = {
        "night": {"drip_interval_minutes": 0, "posting_hours": "22:00-02:00"},
        "always": {"drip_interval_minutes": 0, "posting_hours": "00:00-24:00"},
    }
    assert next_slot(kind="night", now=at(23, 23), last_post=None) == at(23, 23)
    assert next_slot(kind="night", now=at(23, 1), last_post=None) == at(23, 1)
    assert next_slot(kind="night", now=at(23, 12), last_post=None) == at(23, 22)
    assert next_slot(kind="always", now=at(23, 4), last_post=None) == at(23, 4)


def test_bad_posting_hours_name_the_setting(settings):
    settings.PUBLISHING_CHANNEL_OVERRIDES = {"x": {"drip_interval_minutes": 30, "posting_hours": "9-21"}}
    with pytest.raises(ImproperlyConfigured, match="PUBLISHING_POSTING_HOURS"):
        next_slot(kind="x", now=timezone.now(), last_post=None)


def test_retry_delay_grows_with_jitter_and_is_capped(settings):
    settings.PUBLISHING_RETRY_BASE_SECONDS = 10
    settings.PUBLISHING_RETRY_MAX_SECONDS = 100
    assert 5 <= retry_delay(attempts=1) <= 10
    assert 20 <= retry_delay(attempts=3) <= 40
    assert 50 <= retry_delay(attempts=12) <= 100
    assert len({retry_delay(attempts=5) for _ in range(20)}) > 1


def test_tips_published_together_are_spread_in_publishing_order(
    make_tip, settings, scripted, django_capture_on_commit_callbacks
):
    settings.PUBLISHING_CHANNEL_OVERRIDES = {
        "alpha": {"drip_interval_minutes": 30, "posting_hours": "00:00-24:00"},
        "beta": {"drip_interval_minutes": 0, "posting_hours": "00:00-24:00"},
    }
    tips = [make_tip(title=f"まとめて公開 {n}", publish=False) for n in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        for tip in tips:
            qa_services.tip_publish(tip=tip)
    alpha = list(Delivery.objects.filter(channel="alpha").order_by("tip_id"))
    gaps = [(b.scheduled_for - a.scheduled_for) for a, b in itertools.pairwise(alpha)]
    assert all(dt.timedelta(minutes=30) <= gap < dt.timedelta(minutes=31) for gap in gaps)
    # Only the first alpha post went out at once; beta has no drip.
    assert [d.status for d in alpha] == ["sent", "pending", "pending", "pending", "pending"]
    assert set(Delivery.objects.filter(channel="beta").values_list("status", flat=True)) == {"sent"}


def test_outside_posting_hours_waits_for_the_window(make_tip, settings, scripted, django_capture_on_commit_callbacks):
    local_now = timezone.localtime()
    opens = (local_now + dt.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    closes = opens + dt.timedelta(hours=1)
    settings.PUBLISHING_CHANNEL_OVERRIDES["alpha"]["posting_hours"] = f"{opens:%H:%M}-{closes:%H:%M}"
    tip = make_tip(title="営業時間外", publish=False)
    with django_capture_on_commit_callbacks(execute=True):
        qa_services.tip_publish(tip=tip)
    alpha = Delivery.objects.get(channel="alpha")
    assert alpha.status == "pending" and timezone.localtime(alpha.scheduled_for) == opens
    assert [kind for kind, _ in scripted.sent] == ["beta"]


def test_import_faq_announce_drips(tmp_path, settings, db, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    settings.CONSOLE_CHANNEL = "on"
    settings.PUBLISHING_CHANNEL_OVERRIDES["console"] = {"drip_interval_minutes": 45, "posting_hours": "00:00-24:00"}
    csv = tmp_path / "faq.csv"
    csv.write_text(
        "question,answer\n送料はいくらですか？,500円です。\n返品できますか？,はい。\n支払い方法は？,カードです。\n",
        encoding="utf-8",
    )
    with django_capture_on_commit_callbacks(execute=False):
        call_command("import_faq", str(csv), "--announce", verbosity=0)
    times = sorted(Delivery.objects.filter(channel="console").values_list("scheduled_for", flat=True))
    assert len(times) == 3
    assert [b - a for a, b in itertools.pairwise(times)] == [dt.timedelta(minutes=45)] * 2


def test_console_channel_posts_at_once_at_any_hour_by_default(settings):
    """`make run` uses the console channel: a tip published at 03:00, right
    after another one, must still show up within seconds."""
    # The settings module as shipped (fixtures in this file override the live settings).
    import supportsite.settings as shipped

    settings.PUBLISHING_CHANNEL_OVERRIDES = shipped.PUBLISHING_CHANNEL_OVERRIDES
    assert shipped.PUBLISHING_CHANNEL_OVERRIDES["console"] == {
        "drip_interval_minutes": 0,
        "posting_hours": "00:00-24:00",
    }
    night = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)
    assert next_slot(kind="console", now=night, last_post=night) == night
    # The real networks keep the drip.
    assert next_slot(kind="x", now=night, last_post=None) > night
