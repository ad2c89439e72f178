"""Monthly budgets per channel: the cap, "held: budget", releases, the e-mail,
the spend estimate on the channel health page, and the race for the last post.

Through the services (qa.services.tip_publish, publishing.services) with the
scripted in-process channels; the race runs two threads on PostgreSQL.
"""

import datetime as dt
import threading
import time
import zoneinfo
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from publishing import budget, services
from publishing.models import ChannelBudgetMonth, Delivery, TipChannelSetting
from qa import services as qa_services
from tests.publishing.test_pipeline_fakes import scripted_fixture  # noqa: F401  (the `scripted` fixture)

Status = Delivery.Status
Kind = Delivery.ErrorKind


@pytest.fixture
def capped(scripted, settings):
    """alpha may post twice a month; beta has no cap and is unticked below."""
    settings.PUBLISHING_MONTHLY_POST_CAPS = {"alpha": 2}
    settings.PUBLISHING_POST_PRICES = {
        "alpha": {"with_link": "0.20", "without_link": "0.015"},
        "beta": {"with_link": "0", "without_link": "0"},
    }
    return scripted


def publish_tips(make_tip, capture, titles):
    tips = []
    for title in titles:
        tip = make_tip(title=title, publish=False)
        TipChannelSetting.objects.create(tip=tip, channel="beta", enabled=False)
        with capture(execute=True):
            qa_services.tip_publish(tip=tip)
        tips.append(tip)
    return tips


def alpha_rows():
    return list(Delivery.objects.filter(channel="alpha").order_by("tip_id"))


def test_at_the_cap_due_posts_are_held_never_sent_and_staff_are_emailed_once(
    capped, make_tip, django_capture_on_commit_callbacks
):
    tips = publish_tips(make_tip, django_capture_on_commit_callbacks, ["一つ目", "二つ目", "三つ目", "四つ目"])
    rows = alpha_rows()
    assert [row.status for row in rows] == [Status.SENT, Status.SENT, Status.HELD_BUDGET, Status.HELD_BUDGET]
    assert [post.text.split("\n")[0] for _kind, post in capped.sent] == ["一つ目", "二つ目"]
    held = rows[2]
    assert held.error_kind == Kind.BUDGET_CAP and "monthly cap of 2" in held.last_error
    assert held.claimed_at is None and held.attempts == 0
    # A sweep does not send them either.
    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_sweep()
    assert len(capped.sent) == 2
    budget_mails = [m for m in mail.outbox if "budget" in m.subject]
    assert len(budget_mails) == 1 and budget_mails[0].to == ["ops@example.com"]
    assert "held: budget" in budget_mails[0].body
    assert Delivery.objects.filter(tip__in=tips, status=Status.HELD_BUDGET).count() == 2


def test_raising_the_cap_releases_held_posts_oldest_first_through_the_sweeper_exactly_once(
    capped, make_tip, django_capture_on_commit_callbacks
):
    publish_tips(make_tip, django_capture_on_commit_callbacks, ["A", "B", "C", "D"])
    with django_capture_on_commit_callbacks(execute=True):
        released = services.channel_set_monthly_cap(kind="alpha", cap=3)
    rows = alpha_rows()
    assert released == [rows[2].pk]
    assert rows[2].status == Status.PENDING and rows[3].status == Status.HELD_BUDGET
    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_sweep()
    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_sweep()
    assert [post.text.split("\n")[0] for _kind, post in capped.sent] == ["A", "B", "C"]
    assert [row.status for row in alpha_rows()] == [Status.SENT, Status.SENT, Status.SENT, Status.HELD_BUDGET]
    # Clearing staff's cap falls back to the setting (2): nothing more goes.
    assert services.channel_set_monthly_cap(kind="alpha", cap=None) == []
    # No cap at all: the last one goes, once.
    capped_settings_caps = {"alpha": None}
    from django.conf import settings

    settings.PUBLISHING_MONTHLY_POST_CAPS = capped_settings_caps
    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_sweep()
    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_sweep()
    assert [post.text.split("\n")[0] for _kind, post in capped.sent] == ["A", "B", "C", "D"]
    assert {row.status for row in alpha_rows()} == {Status.SENT}


def test_a_new_month_releases_held_posts_in_order_and_counts_from_zero(
    capped, make_tip, django_capture_on_commit_callbacks
):
    publish_tips(make_tip, django_capture_on_commit_callbacks, ["A", "B", "C", "D", "E"])
    # Move everything one month back: last month's posts, held last month.
    this_month = budget.month_of(timezone.now())
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    Delivery.objects.update(budget_month=last_month)
    ChannelBudgetMonth.objects.update(month=last_month)
    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_sweep()
    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_sweep()
    # Room for two this month: C and D go, E waits; staff are told once for this month too.
    assert [post.text.split("\n")[0] for _kind, post in capped.sent] == ["A", "B", "C", "D"]
    assert [row.status for row in alpha_rows()][2:] == [Status.SENT, Status.SENT, Status.HELD_BUDGET]
    assert Delivery.objects.counted_in_month(kind="alpha", month=this_month).count() == 2
    assert len([m for m in mail.outbox if "budget" in m.subject]) == 2


def test_released_posts_take_drip_slots_in_order(capped, make_tip, settings, django_capture_on_commit_callbacks):
    settings.PUBLISHING_CHANNEL_OVERRIDES = {
        "alpha": {"drip_interval_minutes": 30, "posting_hours": "00:00-24:00"},
        "beta": {"drip_interval_minutes": 0, "posting_hours": "00:00-24:00"},
    }
    settings.PUBLISHING_MONTHLY_POST_CAPS = {"alpha": 0}
    publish_tips(make_tip, django_capture_on_commit_callbacks, ["A", "B", "C"])
    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_sweep()
    assert {row.status for row in alpha_rows()} == {Status.PENDING, Status.HELD_BUDGET}
    Delivery.objects.filter(channel="alpha").update(status=Status.HELD_BUDGET, error_kind=Kind.BUDGET_CAP)
    released = services.channel_set_monthly_cap(kind="alpha", cap=10)
    rows = {row.pk: row for row in alpha_rows()}
    slots = [rows[pk].scheduled_for for pk in released]
    assert released == sorted(released, key=lambda pk: (rows[pk].scheduled_for, pk))
    assert all(later - earlier >= dt.timedelta(minutes=30) for earlier, later in zip(slots, slots[1:], strict=False))


def test_unpublishing_cancels_held_posts_and_staff_can_cancel_one(capped, make_tip, django_capture_on_commit_callbacks):
    tips = publish_tips(make_tip, django_capture_on_commit_callbacks, ["A", "B", "C", "D"])
    with django_capture_on_commit_callbacks(execute=True):
        qa_services.tip_unpublish(tip=tips[2])
    assert Delivery.objects.get(tip=tips[2], channel="alpha").status == Status.CANCELLED
    assert services.delivery_cancel(delivery=Delivery.objects.get(tip=tips[3], channel="alpha"))
    assert Delivery.objects.get(tip=tips[3], channel="alpha").status == Status.CANCELLED


def test_failures_and_retries_cost_nothing(capped, make_tip, django_capture_on_commit_callbacks):
    from publishing.channels.base import PublishError

    capped.send_results = [PublishError("refused", permanent=True)]
    publish_tips(make_tip, django_capture_on_commit_callbacks, ["A", "B", "C"])
    assert [row.status for row in alpha_rows()] == [Status.FAILED, Status.SENT, Status.SENT]
    assert Delivery.objects.counted_in_month(kind="alpha", month=budget.month_of(timezone.now())).count() == 2


def test_months_follow_the_site_time_zone(settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    with timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")):
        # 15:30 UTC on 30 November is 00:30 on 1 December in Tokyo.
        assert budget.month_of(dt.datetime(2026, 11, 30, 15, 30, tzinfo=dt.UTC)) == dt.date(2026, 12, 1)
        assert budget.month_of(dt.datetime(2026, 11, 30, 14, 59, tzinfo=dt.UTC)) == dt.date(2026, 11, 1)


def test_health_page_shows_posts_spend_cap_and_held(
    capped, make_tip, admin_client, settings, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    publish_tips(make_tip, django_capture_on_commit_callbacks, ["A", "B", "C"])
    Delivery.objects.filter(channel="alpha", status=Status.SENT).order_by("id").filter(
        pk=Delivery.objects.filter(channel="alpha", status=Status.SENT).order_by("id").values("pk")[:1]
    ).update(post_has_link=False)
    usage = budget.channel_month_usage(["alpha"], states={})["alpha"]
    assert (usage.posts, usage.posts_with_link, usage.held, usage.cap) == (2, 1, 1, 2)
    assert usage.estimated_spend == Decimal("0.215") and usage.remaining == 0
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("admin:publishing_channelstate_changelist"))
    page = response.content.decode()
    assert "2 posts" in page and "about 0.22 USD" in page
    assert "Cap: 2 (0 left)" in page and "1 post held: budget" in page
    assert "status__exact=held_budget" in page
    assert f"time zone ({settings.TIME_ZONE})" in page


def test_staff_set_the_cap_on_the_health_page_and_bad_input_loses_nothing(
    capped, make_tip, admin_client, django_capture_on_commit_callbacks
):
    publish_tips(make_tip, django_capture_on_commit_callbacks, ["A", "B", "C"])
    url = reverse("admin:publishing_channelstate_monthly_cap", args=["alpha"])
    for bad in ["-1", "abc", "1e9", "9" * 40, "1\x00"]:
        response = admin_client.post(url, {"cap": bad}, follow=True)
        assert response.status_code == 200
        assert Delivery.objects.filter(status=Status.HELD_BUDGET).count() == 1, bad
        assert "The monthly cap is saved" not in response.content.decode(), bad
    assert "whole number of posts" in admin_client.post(url, {"cap": "abc"}, follow=True).content.decode()
    response = admin_client.post(url, {"cap": "5"}, follow=True)
    assert "1 held post goes back in the queue" in response.content.decode()
    assert Delivery.objects.get(channel="alpha", status=Status.PENDING)
    assert admin_client.post(reverse("admin:publishing_channelstate_monthly_cap", args=["nope"])).status_code == 404


def test_staff_try_held_posts_again_from_the_health_page(
    capped, make_tip, admin_client, django_capture_on_commit_callbacks
):
    publish_tips(make_tip, django_capture_on_commit_callbacks, ["A", "B", "C"])
    url = reverse("admin:publishing_channelstate_release_held", args=["alpha"])
    response = admin_client.post(url, follow=True)
    assert "the monthly cap is reached" in response.content.decode()
    assert Delivery.objects.filter(status=Status.HELD_BUDGET).count() == 1
    Delivery.objects.filter(status=Status.HELD_BUDGET).update(error_kind=Kind.NETWORK_QUOTA)
    Delivery.objects.filter(channel="alpha", status=Status.SENT).update(status=Status.CANCELLED)
    response = admin_client.post(url, follow=True)
    assert "1 held post goes back in the queue" in response.content.decode()
    assert not Delivery.objects.filter(status=Status.HELD_BUDGET).exists()


def test_staff_without_change_permission_cannot_set_the_cap(client, django_user_model, capped):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", "v@example.com", "pw-long-enough-1", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_channelstate"))
    client.force_login(viewer)
    response = client.post(reverse("admin:publishing_channelstate_monthly_cap", args=["alpha"]), {"cap": "9"})
    assert response.status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_workers_cannot_both_send_the_last_post_under_the_cap(capped, make_tip, monkeypatch, settings):
    if connection.vendor != "postgresql":
        pytest.skip("Two threads racing for a row lock need PostgreSQL (SQLite serialises every writer).")
    settings.PUBLISHING_MONTHLY_POST_CAPS = {"alpha": 1}
    tips = []
    for title in ["A", "B"]:
        tip = make_tip(title=title, publish=False)
        TipChannelSetting.objects.create(tip=tip, channel="beta", enabled=False)
        qa_services.tip_publish(tip=tip, announce=False)
        tips.append(tip)
    now = timezone.now()
    rows = [Delivery.objects.create(tip=tip, channel="alpha", scheduled_for=now) for tip in tips]
    # The month's budget row exists already (the usual case after the first
    # post), so only its row lock, not the insert, can keep the workers apart.
    ChannelBudgetMonth.objects.create(kind="alpha", month=budget.month_of(now))

    # Widen the window between reading the count and claiming: without the
    # budget row's lock both workers would read 0 and both send.
    counted = Delivery.objects.counted_in_month
    inside = threading.Barrier(2, timeout=5)

    def slow_count(**kwargs):
        queryset = counted(**kwargs)
        try:
            inside.wait(timeout=0.5)
        except threading.BrokenBarrierError:
            pass
        time.sleep(0.2)
        return queryset

    monkeypatch.setattr(Delivery.objects, "counted_in_month", slow_count)
    start = threading.Barrier(2)
    outcomes = {}

    def worker(row):
        try:
            start.wait()
            outcomes[row.pk] = services.delivery_send(delivery_id=row.pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(row,)) for row in rows]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    statuses = sorted(Delivery.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", flat=True))
    assert statuses == sorted([Status.SENT, Status.HELD_BUDGET])
    assert len(capped.sent) == 1
