"""The outbox and the at-most-once send: through qa.services and publishing.services."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from publishing import sending, services
from publishing.channels.base import FindResult, PublishError, Remote
from publishing.models import ChannelState, Delivery, TipChannelSetting
from qa import services as qa_services
from tests.publishing.test_pipeline_fakes import scripted_fixture  # noqa: F401  (the `scripted` fixture)

Status = Delivery.Status

pytestmark = pytest.mark.usefixtures("scripted")


@pytest.fixture
def draft(make_tip):
    return make_tip(title="返品の送料は誰が払いますか？", publish=False)


def publish(tip, capture, *, execute=True):
    with capture(execute=execute):
        return qa_services.tip_publish(tip=tip)


def deliveries(tip):
    return {d.channel: d for d in Delivery.objects.filter(tip=tip)}


# --- The outbox -------------------------------------------------------------------------------------


def test_publishing_creates_one_delivery_per_channel_and_sends_after_commit(
    draft, scripted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        qa_services.tip_publish(tip=draft)
        # Created in the publishing transaction, nothing sent before commit.
        assert {d.status for d in deliveries(draft).values()} == {Status.PENDING}
        assert scripted.sent == []
    assert callbacks
    for callback in callbacks:
        callback()
    rows = deliveries(draft)
    assert set(rows) == {"alpha", "beta"}
    assert {row.status for row in rows.values()} == {Status.SENT}
    assert rows["alpha"].remote_id and rows["alpha"].remote_url.startswith("https://social.example/alpha/")
    assert rows["alpha"].attempts == 1 and rows["alpha"].sent_at and rows["alpha"].claimed_at
    assert "返品の送料" in rows["alpha"].post_text
    assert [kind for kind, _post in scripted.sent] == ["alpha", "beta"]
    assert ChannelState.objects.get(kind="alpha").last_success_at is not None


def test_announce_false_and_a_rolled_back_publish_create_nothing(draft, make_tip):
    qa_services.tip_publish(tip=make_tip(title="Imported", publish=False), announce=False)
    assert not Delivery.objects.exists()
    with pytest.raises(RuntimeError):
        from django.db import transaction

        with transaction.atomic():
            qa_services.tip_publish(tip=draft)
            raise RuntimeError("rollback")
    assert not Delivery.objects.exists()


def test_unticked_channel_gets_no_delivery(draft, django_capture_on_commit_callbacks):
    TipChannelSetting.objects.create(tip=draft, channel="beta", enabled=False)
    publish(draft, django_capture_on_commit_callbacks)
    assert set(deliveries(draft)) == {"alpha"}


def test_broker_down_does_not_lose_the_publish(
    draft, scripted, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from publishing import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker at 127.0.0.1:1 refused")

    monkeypatch.setattr(tasks.send_delivery, "apply_async", broker_down)
    tip = publish(draft, django_capture_on_commit_callbacks)
    assert tip.is_published
    assert {d.status for d in deliveries(draft).values()} == {Status.PENDING}
    assert "the sweeper will do it" in caplog.text
    monkeypatch.undo()
    # The broker is back: the periodic sweep finds the rows in the database.
    report = services.deliveries_sweep()
    assert sorted(report.sends) == sorted(d.pk for d in deliveries(draft).values())
    assert {d.status for d in deliveries(draft).values()} == {Status.SENT}
    assert len(scripted.sent) == 2


def test_send_is_claimed_once_even_when_the_task_runs_twice(draft, scripted, django_capture_on_commit_callbacks):
    publish(draft, django_capture_on_commit_callbacks, execute=False)
    alpha = deliveries(draft)["alpha"]
    assert services.delivery_send(delivery_id=alpha.pk).status == Status.SENT
    assert services.delivery_send(delivery_id=alpha.pk) is None
    assert len([k for k, _ in scripted.sent if k == "alpha"]) == 1


def test_edit_never_reposts_and_republish_does_not_repost(draft, scripted, django_capture_on_commit_callbacks):
    tip = publish(draft, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        qa_services.tip_update(tip=tip, title="返品の送料（改訂）")
    assert len(scripted.sent) == 2
    with django_capture_on_commit_callbacks(execute=True):
        qa_services.tip_unpublish(tip=tip)
        qa_services.tip_publish(tip=tip)
    assert len(scripted.sent) == 2
    assert services.deliveries_sweep().sends == []


def test_unpublish_cancels_pending_and_deletes_sent_posts(draft, scripted, django_capture_on_commit_callbacks):
    publish(draft, django_capture_on_commit_callbacks, execute=False)
    services.delivery_send(delivery_id=deliveries(draft)["alpha"].pk)
    with django_capture_on_commit_callbacks(execute=True):
        qa_services.tip_unpublish(tip=draft)
    rows = deliveries(draft)
    assert rows["beta"].status == Status.CANCELLED
    assert rows["alpha"].status == Status.SENT and rows["alpha"].deleted_at is not None
    assert scripted.deleted == [rows["alpha"].remote_id]
    # Republishing a tip whose post was never sent queues that post again.
    with django_capture_on_commit_callbacks(execute=True):
        qa_services.tip_publish(tip=draft)
    rows = deliveries(draft)
    assert rows["beta"].status == Status.SENT
    assert rows["alpha"].status == Status.SENT and rows["alpha"].deleted_at is not None
    assert len(scripted.sent) == 2


def test_a_failed_remote_delete_is_recorded(draft, scripted, django_capture_on_commit_callbacks):
    publish(draft, django_capture_on_commit_callbacks)
    scripted.delete_error = PublishError("Facebook said: (#100) try later", code="1")
    with django_capture_on_commit_callbacks(execute=True):
        qa_services.tip_unpublish(tip=draft)
    alpha = deliveries(draft)["alpha"]
    assert alpha.deleted_at is None and "try later" in alpha.delete_error


def test_text_override_is_what_gets_posted(draft, scripted, django_capture_on_commit_callbacks):
    TipChannelSetting.objects.create(tip=draft, channel="alpha", text_override="送料は当社負担です")
    publish(draft, django_capture_on_commit_callbacks)
    texts = {kind: post.text for kind, post in scripted.sent}
    assert texts["alpha"].startswith("送料は当社負担です")
    assert texts["beta"].startswith("返品の送料は誰が払いますか？")


# --- Errors ------------------------------------------------------------------------------------------


def _publish_without_sending(tip, capture):
    publish(tip, capture, execute=False)
    return deliveries(tip)["alpha"]


def _make_due(delivery):
    Delivery.objects.filter(pk=delivery.pk).update(scheduled_for=timezone.now())


def test_transient_errors_back_off_then_succeed(draft, scripted, django_capture_on_commit_callbacks):
    alpha = _publish_without_sending(draft, django_capture_on_commit_callbacks)
    scripted.send_results = [PublishError("X is over capacity (503)", code="503")] * 2
    before = timezone.now()
    first = services.delivery_send(delivery_id=alpha.pk)
    assert first.status == Status.PENDING and 15 <= first.retry_in <= 30
    alpha.refresh_from_db()
    assert alpha.error_kind == "transient" and "503" in alpha.last_error
    assert alpha.scheduled_for >= before + dt.timedelta(seconds=15)
    # Not due yet: a duplicate task message finds nothing to do.
    assert services.delivery_send(delivery_id=alpha.pk) is None
    _make_due(alpha)
    second = services.delivery_send(delivery_id=alpha.pk)
    assert 30 <= second.retry_in <= 60  # the wait doubles
    _make_due(alpha)
    assert services.delivery_send(delivery_id=alpha.pk).status == Status.SENT
    alpha.refresh_from_db()
    assert alpha.attempts == 3 and alpha.error_kind == "" and len(scripted.sent) == 1


def test_backoff_is_capped_and_attempts_run_out(draft, scripted, settings, django_capture_on_commit_callbacks):
    settings.PUBLISHING_RETRY_MAX_SECONDS = 40
    alpha = _publish_without_sending(draft, django_capture_on_commit_callbacks)
    scripted.send_results = [PublishError("Bad gateway", code="502")] * 10
    waits = []
    for _ in range(4):
        outcome = services.delivery_send(delivery_id=alpha.pk)
        waits.append(outcome.retry_in)
        _make_due(alpha)
    assert all(w is None or w <= 40 for w in waits)
    assert waits[-1] is None
    alpha.refresh_from_db()
    assert alpha.status == Status.FAILED and alpha.attempts == 4
    assert alpha.last_error.startswith("Gave up after 4 attempts")


def test_rate_limit_waits_until_the_reset(draft, scripted, django_capture_on_commit_callbacks):
    alpha = _publish_without_sending(draft, django_capture_on_commit_callbacks)
    scripted.send_results = [PublishError("Too many requests", retry_after=900, code="429")]
    outcome = services.delivery_send(delivery_id=alpha.pk)
    assert outcome.retry_in == 900  # longer than a countdown: left to the sweeper
    alpha.refresh_from_db()
    assert alpha.error_kind == "rate_limited" and alpha.status == Status.PENDING
    assert alpha.pk not in services.deliveries_sweep().sends


def test_permanent_error_fails_in_plain_language(draft, scripted, django_capture_on_commit_callbacks):
    alpha = _publish_without_sending(draft, django_capture_on_commit_callbacks)
    scripted.send_results = [
        PublishError("The Page token lacks the pages_manage_posts permission.", permanent=True, code="200")
    ]
    assert services.delivery_send(delivery_id=alpha.pk).status == Status.FAILED
    alpha.refresh_from_db()
    assert alpha.error_kind == "permanent" and alpha.error_code == "200"
    assert "pages_manage_posts" in alpha.last_error
    assert ChannelState.objects.get(kind="alpha").last_error_at is not None


def test_needs_reauth_fails_flags_channel_holds_others_and_mails_staff_once(
    make_tip, scripted, django_capture_on_commit_callbacks
):
    tips = [make_tip(title=f"ヒント {n}", publish=False) for n in range(3)]
    for tip in tips:
        publish(tip, django_capture_on_commit_callbacks, execute=False)
    scripted.send_results = [PublishError("Unauthorized: invalid or expired token", needs_reauth=True, code="401")]
    first = deliveries(tips[0])["alpha"]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.delivery_send(delivery_id=first.pk).status == Status.FAILED
    first.refresh_from_db()
    assert first.error_kind == "needs_reauth"
    assert ChannelState.objects.get(kind="alpha").needs_reauth
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ops@example.com"]
    assert "re-authorisation" in mail.outbox[0].subject and "invalid or expired token" in mail.outbox[0].body
    # The other channel carries on; this one's waiting posts are held.
    sent = services.deliveries_sweep().sends
    assert {Delivery.objects.get(pk=pk).channel for pk in sent} == {"beta"}
    assert Delivery.objects.filter(channel="alpha", status=Status.PENDING).count() == 2
    services.channel_clear_reauth(kind="alpha")
    assert len(services.deliveries_sweep().sends) == 2
    assert len(mail.outbox) == 1


def test_duplicate_is_never_retried(draft, scripted, django_capture_on_commit_callbacks):
    alpha = _publish_without_sending(draft, django_capture_on_commit_callbacks)
    scripted.send_results = [
        PublishError("You are not allowed to create a Tweet with duplicate content.", duplicate=True, code="403")
    ]
    assert services.delivery_send(delivery_id=alpha.pk).status == Status.FAILED
    alpha.refresh_from_db()
    assert alpha.error_kind == "duplicate" and alpha.scheduled_for <= timezone.now()
    assert alpha.pk not in services.deliveries_sweep().sends


def test_duplicate_of_our_own_post_is_recorded_as_sent(draft, scripted, django_capture_on_commit_callbacks):
    alpha = _publish_without_sending(draft, django_capture_on_commit_callbacks)
    scripted.send_results = [PublishError("duplicate", duplicate=True, code="506")]
    scripted.find_result = Remote(id="fb_123", url="https://facebook.example/fb_123")
    assert services.delivery_send(delivery_id=alpha.pk).status == Status.SENT
    alpha.refresh_from_db()
    assert alpha.remote_id == "fb_123" and "already had this post" in alpha.last_error


def test_unexpected_error_is_looked_up_before_retrying(draft, scripted, django_capture_on_commit_callbacks):
    alpha = _publish_without_sending(draft, django_capture_on_commit_callbacks)
    scripted.send_results = [TimeoutError("read timed out")]
    scripted.find_result = Remote(id="x-99", url="https://x.example/99")
    assert services.delivery_send(delivery_id=alpha.pk).status == Status.SENT
    assert scripted.finds == 1 and scripted.sent == []


# --- Reconciliation of rows stuck in `sending` ------------------------------------------------------


def _stuck(tip, capture, settings):
    alpha = _publish_without_sending(tip, capture)
    # What a worker killed after its network call leaves: a claim whose lease ran out.
    claimed = timezone.now() - dt.timedelta(seconds=settings.PUBLISHING_CLAIM_LEASE_SECONDS + 5)
    Delivery.objects.filter(pk=alpha.pk).update(
        status=Status.SENDING,
        claimed_at=claimed,
        first_claimed_at=claimed,
        claimed_by="celery@elsewhere|0ldb00t|4242",
        lease_expires_at=claimed + dt.timedelta(seconds=settings.PUBLISHING_CLAIM_LEASE_SECONDS),
        attempts=1,
    )
    return alpha


def test_reconcile_found_records_sent_without_sending(draft, scripted, settings, django_capture_on_commit_callbacks):
    alpha = _stuck(draft, django_capture_on_commit_callbacks, settings)
    scripted.find_result = Remote(id="x-1", url="https://x.example/1")
    services.deliveries_sweep()
    alpha.refresh_from_db()
    assert alpha.status == Status.SENT and alpha.remote_id == "x-1"
    assert alpha.reconciliation == Delivery.Reconciliation.FOUND
    assert [kind for kind, _ in scripted.sent] == ["beta"]
    # Searched back to the first claim (less a margin for clock differences), not "the recent posts".
    [since] = scripted.find_since
    assert since < alpha.first_claimed_at and alpha.first_claimed_at - since <= dt.timedelta(minutes=5)


def test_reconcile_not_found_sends_again(draft, scripted, settings, django_capture_on_commit_callbacks):
    alpha = _stuck(draft, django_capture_on_commit_callbacks, settings)
    services.deliveries_sweep()
    alpha.refresh_from_db()
    assert alpha.status == Status.SENT and alpha.attempts == 2
    assert alpha.reconciliation == Delivery.Reconciliation.RESENT
    assert sorted(kind for kind, _ in scripted.sent) == ["alpha", "beta"]


def test_reconcile_that_cannot_prove_absence_is_unknown_never_resent(
    draft, scripted, settings, django_capture_on_commit_callbacks
):
    alpha = _stuck(draft, django_capture_on_commit_callbacks, settings)
    scripted.find_result = FindResult.cannot_tell(
        "searched 10 pages of the account's posts without reaching the claim", pages=10, limit_reached=True
    )
    services.deliveries_sweep()
    services.deliveries_sweep()
    alpha.refresh_from_db()
    assert alpha.status == Status.UNKNOWN and alpha.error_kind == "search_limit"
    assert alpha.reconciliation == Delivery.Reconciliation.UNKNOWN
    assert "searched 10 pages" in alpha.last_error and "send anyway" in alpha.last_error
    assert [kind for kind, _ in scripted.sent] == ["beta"]


def test_two_sweepers_meeting_reconcile_a_row_once(draft, scripted, settings, django_capture_on_commit_callbacks):
    alpha = _stuck(draft, django_capture_on_commit_callbacks, settings)
    scripted.find_result = Remote(id="x-1", url="https://x.example/1")
    assert services.delivery_reconcile(delivery_id=alpha.pk) == Status.SENT
    assert services.delivery_reconcile(delivery_id=alpha.pk) is None
    assert scripted.finds == 1


def test_a_live_holders_claim_is_reconciled_only_when_its_lease_runs_out(
    draft, scripted, settings, django_capture_on_commit_callbacks
):
    alpha = _stuck(draft, django_capture_on_commit_callbacks, settings)
    Delivery.objects.filter(pk=alpha.pk).update(lease_expires_at=timezone.now() + dt.timedelta(seconds=10))
    assert services.delivery_reconcile(delivery_id=alpha.pk) is None
    services.deliveries_sweep()
    assert scripted.finds == 0
    Delivery.objects.filter(pk=alpha.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    services.deliveries_sweep()
    assert scripted.finds == 1


def test_reconcile_lookup_failure_is_unknown_until_staff_send_anyway(
    draft, scripted, settings, django_capture_on_commit_callbacks
):
    alpha = _stuck(draft, django_capture_on_commit_callbacks, settings)
    scripted.find_result = PublishError("search is down", code="503")
    services.deliveries_sweep()
    alpha.refresh_from_db()
    assert alpha.status == Status.UNKNOWN and alpha.error_kind == "lookup_failed"
    assert "send anyway" in alpha.last_error
    services.deliveries_sweep()
    assert [kind for kind, _ in scripted.sent] == ["beta"]  # never re-sent blindly
    with django_capture_on_commit_callbacks(execute=True):
        assert services.delivery_send_anyway(delivery=alpha)
    alpha.refresh_from_db()
    assert alpha.status == Status.SENT


def test_a_fresh_sending_row_is_left_alone(draft, scripted, settings, django_capture_on_commit_callbacks):
    alpha = _publish_without_sending(draft, django_capture_on_commit_callbacks)
    Delivery.objects.filter(pk=alpha.pk).update(
        status=Status.SENDING,
        claimed_at=timezone.now(),
        lease_expires_at=timezone.now() + dt.timedelta(seconds=settings.PUBLISHING_CLAIM_LEASE_SECONDS),
    )
    services.deliveries_sweep()
    alpha.refresh_from_db()
    assert alpha.status == Status.SENDING and scripted.finds == 0


def test_a_late_outcome_from_a_reconciled_worker_is_discarded(
    draft, scripted, settings, django_capture_on_commit_callbacks
):
    alpha = _publish_without_sending(draft, django_capture_on_commit_callbacks)
    claimed = sending._delivery_claim(delivery_id=alpha.pk, now=timezone.now())
    # Meanwhile the worker's lease runs out, and a sweeper reconciles the row.
    Delivery.objects.filter(pk=alpha.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    scripted.find_result = Remote(id="found", url="https://x.example/found")
    assert services.delivery_reconcile(delivery_id=alpha.pk) == Status.SENT
    assert not sending._finish(claimed, status=Status.FAILED)
    alpha.refresh_from_db()
    assert alpha.status == Status.SENT and alpha.remote_id == "found"


# --- Staff actions -----------------------------------------------------------------------------------


def test_retry_now_post_now_cancel_and_post_again(draft, scripted, settings, django_capture_on_commit_callbacks):
    settings.PUBLISHING_CHANNEL_OVERRIDES["alpha"]["drip_interval_minutes"] = 600
    publish(draft, django_capture_on_commit_callbacks, execute=False)
    alpha, beta = deliveries(draft)["alpha"], deliveries(draft)["beta"]
    scripted.send_results = [PublishError("nope", permanent=True)]
    services.delivery_send(delivery_id=alpha.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.delivery_retry_now(delivery=alpha)
    alpha.refresh_from_db()
    assert alpha.status == Status.SENT and alpha.attempts == 1
    assert not services.delivery_retry_now(delivery=alpha)  # sent rows are not retried

    assert services.delivery_cancel(delivery=beta)
    assert deliveries(draft)["beta"].status == Status.CANCELLED

    with django_capture_on_commit_callbacks(execute=True):
        assert services.tip_post_again(tip=draft) == 2
    rows = deliveries(draft)
    # alpha's drip interval pushes the repost ten hours out; beta goes now.
    assert rows["alpha"].status == Status.PENDING and rows["alpha"].scheduled_for > timezone.now() + dt.timedelta(
        hours=9
    )
    assert rows["beta"].status == Status.SENT
    with django_capture_on_commit_callbacks(execute=True):
        assert services.tip_post_now(tip=draft) == 1
    assert deliveries(draft)["alpha"].status == Status.SENT
    assert len(scripted.sent) == 3


def test_post_now_creates_missing_deliveries(make_tip, scripted, django_capture_on_commit_callbacks):
    tip = make_tip(title="Imported quietly")  # published with announce=False
    with django_capture_on_commit_callbacks(execute=True):
        assert services.tip_post_now(tip=tip) == 2
    assert {d.status for d in deliveries(tip).values()} == {Status.SENT}


def test_disabled_after_publish_is_cancelled_at_send_time(draft, scripted, django_capture_on_commit_callbacks):
    alpha = _publish_without_sending(draft, django_capture_on_commit_callbacks)
    TipChannelSetting.objects.create(tip=draft, channel="alpha", enabled=False)
    assert services.delivery_send(delivery_id=alpha.pk).status == Status.CANCELLED
    assert scripted.sent == []


def test_ambiguous_error_not_found_retries_and_lookup_failure_is_unknown(
    make_tip, scripted, django_capture_on_commit_callbacks
):
    first, second = (make_tip(title=t, publish=False) for t in ("接続切れ", "検索不可"))
    for tip in (first, second):
        publish(tip, django_capture_on_commit_callbacks, execute=False)
    scripted.send_results = [PublishError("Connection dropped while posting", ambiguous=True, code="ReadTimeout")]
    outcome = services.delivery_send(delivery_id=deliveries(first)["alpha"].pk)
    assert outcome.status == Status.PENDING and scripted.finds == 1
    scripted.send_results = [PublishError("X server error 503", ambiguous=True, code="503")]
    scripted.find_result = PublishError("timeline unavailable")
    assert services.delivery_send(delivery_id=deliveries(second)["alpha"].pk).status == Status.UNKNOWN
    unknown = deliveries(second)["alpha"]
    assert unknown.error_kind == "lookup_failed" and "X server error 503" in unknown.last_error
