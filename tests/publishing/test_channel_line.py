"""The LINE channel at the HTTP edge: the real line-bot-sdk client against the
fake LINE Messaging API on loopback (tests/publishing/fake_social_line.py),
then through the pipeline (opt-in per tip, the quota share, exactly once with
the retry key)."""

import datetime as dt
import json
import socket
import uuid

import pytest
from django.core import mail
from django.utils import timezone

from publishing import budget, services
from publishing.channels.base import Post, PublishError
from publishing.channels.line import LineChannel
from publishing.channels.registry import get_channel
from publishing.models import Delivery, TipChannelSetting
from qa import services as qa_services
from tests.publishing.fake_social import FakeSocialServer
from tests.publishing.fake_social_line import LINE_TOKEN

Status = Delivery.Status


@pytest.fixture
def fake():
    with FakeSocialServer() as server:
        yield server


@pytest.fixture
def line(fake, settings):
    settings.LINE_CHANNEL_ACCESS_TOKEN = LINE_TOKEN
    settings.LINE_API_BASE_URL = fake.url
    settings.LINE_QUOTA_SHARE = 0.9
    settings.PUBLISHING_HTTP_TIMEOUT = 2
    return get_channel("line")


def script(fake, *entries):
    fake.state.scripts["line"].extend(entries)


def broadcasts(fake):
    return [post for post in fake.state.posts if post["network"] == "line"]


def a_post(line, tip, key=None):
    return Post(**{**line.compose(tip).__dict__, "idempotency_key": key or str(uuid.uuid4())})


# --- compose ------------------------------------------------------------------------------------


def test_compose_is_a_flex_card_with_the_share_image_title_and_a_button(line, make_tip, settings, monkeypatch):
    settings.SITE_URL = "https://support.example.com"
    settings.LANGUAGE_CODE = "ja"
    tip = make_tip(title="返品の送料は誰が払いますか？🎁")
    monkeypatch.setattr(
        "qa.share_image_store.tip_share_image_url", lambda tip: "https://support.example.com/media/share/tips/a.png"
    )
    post = line.compose(tip)
    card = post.details["flex"]
    assert post.text == "返品の送料は誰が払いますか？🎁"
    assert post.link.startswith(f"https://support.example.com{tip.get_absolute_url()}?utm_source=line")
    assert card["hero"]["url"] == "https://support.example.com/media/share/tips/a.png"
    assert card["hero"]["aspectRatio"] == "40:21"
    assert card["body"]["contents"][0]["text"] == tip.title
    button = card["footer"]["contents"][0]["action"]
    assert button == {"type": "uri", "label": "Tipを読む", "uri": post.link}


def test_compose_without_an_https_image_leaves_the_hero_out_and_cuts_long_alt_text(line, make_tip):
    tip = make_tip(title="How do I return an item?")
    post = line.compose(tip, text_override="長い" * 300)
    assert "hero" not in post.details["flex"]  # SITE_URL is http:// in tests: LINE wants HTTPS images
    assert post.details["length"] == 400 and post.text.endswith("…")


# --- send ---------------------------------------------------------------------------------------


def test_send_broadcasts_the_card_with_the_token_and_the_retry_key(line, fake, make_tip):
    tip = make_tip(title="送料はいくらですか？")
    key = str(uuid.uuid4())
    remote = line.send(a_post(line, tip, key))
    [sent] = broadcasts(fake)
    assert sent["auth"] == f"Bearer {LINE_TOKEN}" and sent["retry_key"] == key
    assert sent["message"]["type"] == "flex" and sent["message"]["altText"] == "送料はいくらですか？"
    assert sent["message"]["contents"]["body"]["contents"][0]["text"] == "送料はいくらですか？"
    assert sent["link"].endswith("utm_source=line&utm_medium=social&utm_campaign=tip")
    assert remote.id == sent["id"] and remote.url == "" and not remote.existing


def test_a_retry_with_the_same_key_is_answered_409_and_never_broadcasts_twice(line, fake, make_tip):
    tip = make_tip()
    post = a_post(line, tip)
    first = line.send(post)
    again = line.send(post)
    assert len(broadcasts(fake)) == 1
    assert again.existing and again.id == first.id


@pytest.mark.parametrize(
    ("entry", "flags"),
    [
        (401, {"needs_reauth": True, "permanent": True, "code": "401"}),
        (403, {"permanent": True, "needs_reauth": False, "code": "403"}),
        (400, {"permanent": True, "code": "400"}),
        (429, {"permanent": False, "over_budget": False, "retry_after": 60.0, "code": "429"}),
        ({"status": 429, "monthly": True}, {"over_budget": True, "permanent": False, "code": "429-monthly-limit"}),
        (500, {"permanent": False, "ambiguous": True, "code": "500"}),
        ({"status": "drop"}, {"permanent": False, "ambiguous": True}),
    ],
)
def test_every_error_maps_to_what_the_pipeline_acts_on(line, fake, make_tip, entry, flags):
    tip = make_tip()
    script(fake, {"method": "POST", **entry} if isinstance(entry, dict) else {"method": "POST", "status": entry})
    with pytest.raises(PublishError) as raised:
        line.send(a_post(line, tip))
    for name, value in flags.items():
        assert getattr(raised.value, name) == value, name


def test_a_hang_times_out_as_ambiguous(line, fake, make_tip, settings):
    settings.PUBLISHING_HTTP_TIMEOUT = 0.5
    script(fake, {"method": "POST", "status": "hang", "delay": 2})
    with pytest.raises(PublishError) as raised:
        line.send(a_post(line, make_tip()))
    assert raised.value.ambiguous and not raised.value.permanent


def test_a_refused_connection_is_not_ambiguous(line, make_tip, settings):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    settings.LINE_API_BASE_URL = f"http://127.0.0.1:{port}"
    with pytest.raises(PublishError) as raised:
        get_channel("line").send(a_post(line, make_tip()))
    assert not raised.value.ambiguous and not raised.value.permanent


def test_past_the_quota_share_nothing_is_broadcast(line, fake, make_tip):
    fake.state.line_quota, fake.state.line_usage = 1000, 900
    with pytest.raises(PublishError) as raised:
        line.send(a_post(line, make_tip()))
    assert raised.value.over_budget and "900 of this month's 1000" in raised.value.message
    assert broadcasts(fake) == []
    quota = line.quota()
    assert (quota.limit, quota.used, quota.allowed, quota.exhausted) == (1000, 900, 900, True)


def test_a_broadcast_that_would_pass_the_share_is_refused_before_it_is_made(line, fake, make_tip):
    fake.state.line_quota, fake.state.line_usage, fake.state.line_friends = 1000, 850, 100
    with pytest.raises(PublishError) as raised:
        line.send(a_post(line, make_tip()))
    assert raised.value.over_budget and "reaches about 100 friends" in raised.value.message
    assert broadcasts(fake) == []
    fake.state.line_friends = 40
    line.send(a_post(line, make_tip()))
    assert len(broadcasts(fake)) == 1 and fake.state.line_usage == 890


def test_without_statistics_yet_only_the_usage_counts(line, fake, make_tip):
    fake.state.line_quota, fake.state.line_usage, fake.state.line_friends = 1000, 850, None
    assert line.broadcast_reach() is None
    line.send(a_post(line, make_tip()))
    assert len(broadcasts(fake)) == 1


def test_quota_without_a_limit(line, fake):
    fake.state.line_usage = 12
    quota = line.quota()
    assert quota.limit is None and quota.used == 12 and not quota.exhausted


def test_find_trusts_the_retry_key_for_its_window_then_cannot_tell(line, make_tip):
    tip = make_tip()
    recent = line.find(tip, since=timezone.now() - dt.timedelta(hours=1))
    assert recent.absent and "X-Line-Retry-Key" in recent.reason
    old = line.find(tip, since=timezone.now() - dt.timedelta(hours=23, minutes=30))
    assert not old.absent and old.remote is None and "24 hours" in old.reason


def test_delete_says_line_cannot(line):
    with pytest.raises(PublishError) as raised:
        line.delete(remote=None)
    assert raised.value.permanent and raised.value.code == "unsupported"


# --- through the pipeline ------------------------------------------------------------------------------


@pytest.fixture
def pipeline(line, settings):
    from supportsite.celery import app as celery_app

    settings.PUBLISHING_CHANNEL_CLASSES = {"line": "publishing.channels.line.LineChannel"}
    settings.PUBLISHING_CHANNEL_OVERRIDES = {"line": {"drip_interval_minutes": 0, "posting_hours": "00:00-24:00"}}
    settings.PUBLISHING_MONTHLY_POST_CAPS = {"line": None}
    settings.PUBLISHING_POST_PRICES = {"line": {"with_link": "0", "without_link": "0"}}
    settings.STAFF_NOTIFY_EMAILS = ["ops@example.com"]
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield line
    celery_app.conf.task_always_eager = eager


def publish(make_tip, capture, *, ticked):
    tip = make_tip(title="LINEで届くTip", publish=False)
    if ticked is not None:
        TipChannelSetting.objects.create(tip=tip, channel="line", enabled=ticked)
    with capture(execute=True):
        qa_services.tip_publish(tip=tip)
    return tip


def test_line_is_off_per_tip_unless_staff_tick_it(pipeline, fake, make_tip, django_capture_on_commit_callbacks):
    assert LineChannel.opt_in
    untouched = publish(make_tip, django_capture_on_commit_callbacks, ticked=None)
    unticked = publish(make_tip, django_capture_on_commit_callbacks, ticked=False)
    assert not Delivery.objects.filter(tip__in=[untouched, unticked]).exists()
    ticked = publish(make_tip, django_capture_on_commit_callbacks, ticked=True)
    delivery = Delivery.objects.get(tip=ticked)
    assert delivery.status == Status.SENT and delivery.remote_id == broadcasts(fake)[0]["id"]


def test_a_broadcast_whose_answer_was_lost_is_retried_with_the_same_key_and_recorded_once(
    pipeline, fake, make_tip, django_capture_on_commit_callbacks
):
    # LINE accepts the broadcast, then the connection drops before the answer.
    script(fake, {"method": "POST", "status": "drop"})
    tip = publish(make_tip, django_capture_on_commit_callbacks, ticked=True)
    delivery = Delivery.objects.get(tip=tip)
    assert delivery.status == Status.PENDING and delivery.reconciliation == Delivery.Reconciliation.RESENT
    Delivery.objects.filter(pk=delivery.pk).update(scheduled_for=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    [sent] = broadcasts(fake)
    assert delivery.status == Status.SENT and delivery.remote_id == sent["id"]
    assert delivery.reconciliation == Delivery.Reconciliation.FOUND and delivery.attempts == 2


def test_a_worker_that_died_mid_send_is_reconciled_by_retrying_with_its_key(
    pipeline, fake, make_tip, django_capture_on_commit_callbacks
):
    tip = make_tip(title="途中で止まった", publish=False)
    TipChannelSetting.objects.create(tip=tip, channel="line", enabled=True)
    qa_services.tip_publish(tip=tip, announce=False)
    now = timezone.now()
    delivery = Delivery.objects.create(tip=tip, channel="line", scheduled_for=now)
    # The dead worker's claim, and the broadcast it made with the delivery's key.
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Status.SENDING,
        claimed_at=now,
        first_claimed_at=now,
        claimed_by="gone|boot|1",
        lease_expires_at=now - dt.timedelta(seconds=1),
        attempts=1,
        budget_month=budget.month_of(now),
    )
    delivery.refresh_from_db()
    from publishing.sending import delivery_idempotency_key

    pipeline.send(a_post(pipeline, tip, delivery_idempotency_key(delivery)))
    with django_capture_on_commit_callbacks(execute=True):
        status = services.delivery_reconcile(delivery_id=delivery.pk)
    assert status == Status.SENT and len(broadcasts(fake)) == 1
    delivery.refresh_from_db()
    assert delivery.reconciliation == Delivery.Reconciliation.FOUND


def test_an_expired_retry_key_after_an_unknown_outcome_becomes_unknown_not_a_second_broadcast(
    pipeline, fake, make_tip, django_capture_on_commit_callbacks
):
    tip = publish(make_tip, django_capture_on_commit_callbacks, ticked=True)
    delivery = Delivery.objects.get(tip=tip)
    long_ago = timezone.now() - dt.timedelta(days=3)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Status.PENDING,
        first_claimed_at=long_ago,
        reconciliation=Delivery.Reconciliation.RESENT,
        scheduled_for=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == Status.UNKNOWN and "retry key" in delivery.last_error
    assert len(broadcasts(fake)) == 1


def test_past_the_quota_share_deliveries_are_held_and_staff_emailed_once(
    pipeline, fake, make_tip, django_capture_on_commit_callbacks
):
    fake.state.line_quota, fake.state.line_usage = 100, 95
    tips = [publish(make_tip, django_capture_on_commit_callbacks, ticked=True) for _ in range(2)]
    rows = list(Delivery.objects.filter(tip__in=tips).order_by("id"))
    assert {row.status for row in rows} == {Status.HELD_BUDGET}
    assert {row.error_kind for row in rows} == {Delivery.ErrorKind.NETWORK_QUOTA}
    assert broadcasts(fake) == []
    assert len([m for m in mail.outbox if "budget" in m.subject]) == 1
    # The sweeper does not retry them this month...
    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_sweep()
    assert broadcasts(fake) == []
    # ...staff who upgraded the plan try them again, oldest first, once each.
    fake.state.line_quota = 10_000
    assert services.deliveries_release_held(kind="line", retry_network_quota=True) == [row.pk for row in rows]
    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_sweep()
    assert [post["text"] for post in broadcasts(fake)] == ["LINEで届くTip", "LINEで届くTip"]
    assert {row.status for row in Delivery.objects.filter(tip__in=tips)} == {Status.SENT}


def test_unpublishing_records_that_line_cannot_delete(pipeline, fake, make_tip, django_capture_on_commit_callbacks):
    tip = publish(make_tip, django_capture_on_commit_callbacks, ticked=True)
    with django_capture_on_commit_callbacks(execute=True):
        qa_services.tip_unpublish(tip=tip)
    delivery = Delivery.objects.get(tip=tip)
    assert delivery.deleted_at is None and "cannot delete" in delivery.delete_error


def test_health_page_shows_the_quota_read_from_line(pipeline, fake, admin_client):
    from django.core.cache import cache
    from django.urls import reverse

    cache.clear()
    fake.state.line_quota, fake.state.line_usage = 5000, 1234
    page = admin_client.get(reverse("admin:publishing_channelstate_changelist")).content.decode()
    assert "Network quota: 1234 of 5000 messages used; Tipcast stops at 4500" in page
    assert json.dumps("LINE")[1:-1] in page
