"""Replies and likes in the outbox: the same claim, lease, reconcile, retries and
budget as tip posts (publishing.purposes says what differs).

The channel here keeps what it "posted" in memory and lists it as its timeline,
so the base class's find_reply (find_post over timeline(), matching
in_reply_to and the text) is what reconciles: a real search, not a scripted answer.
"""

import datetime as dt

import pytest
from django.utils import timezone

from publishing import sending, services
from publishing.channels.base import Channel, FindResult, Post, PublishError, Remote, TimelineItem, TimelinePage
from publishing.models import Delivery
from supportsite.celery import app as celery_app

Status = Delivery.Status
Purpose = Delivery.Purpose

pytestmark = pytest.mark.django_db


class Network:
    """The fake network's memory, reset for every test."""

    def __init__(self):
        self.posts = []  # TimelineItem, oldest first
        self.likes = []  # remote ids, every call (a like is idempotent: a set on the network)
        self.send_failures = []  # (exception, posted_anyway) to apply in order
        self.like_failures = []
        self.timeline_error = None


NETWORK = Network()


class ReplyingChannel(Channel):
    label = "Replying"
    enabled = True
    supports_replies = True
    supports_likes = True

    def compose(self, tip, *, text_override: str = "") -> Post:
        return Post(text=f"{tip.title} {tip.get_canonical_url()}", link=tip.get_canonical_url())

    def send(self, post: Post) -> Remote:
        failure = NETWORK.send_failures.pop(0) if NETWORK.send_failures else None
        if failure is None or failure[1]:
            number = len(NETWORK.posts) + 1
            remote = Remote(id=f"r-{number}", url=f"https://social.example/r/{number}")
            # The network rewrites links (X: t.co) and escapes &: find_reply must see through both.
            shown = post.text.replace("https://tips.example/a?utm=1", "https://t.co/abc").replace("&", "&amp;")
            NETWORK.posts.append(
                TimelineItem(remote=remote, created_at=timezone.now(), text=shown, in_reply_to=post.in_reply_to)
            )
        if failure is not None:
            raise failure[0]
        return remote

    def like(self, remote_id: str) -> None:
        NETWORK.likes.append(remote_id)
        if NETWORK.like_failures:
            raise NETWORK.like_failures.pop(0)

    def timeline(self, *, since):
        if NETWORK.timeline_error is not None:
            raise NETWORK.timeline_error
        newest_first = [item for item in reversed(NETWORK.posts) if item.created_at >= since]
        yield TimelinePage(items=newest_first, more=False)


class PostsOnlyChannel(ReplyingChannel):
    supports_replies = False
    supports_likes = False


@pytest.fixture(autouse=True)
def network(settings):
    path = "tests.publishing.test_reply_deliveries."
    settings.PUBLISHING_CHANNEL_CLASSES = {"alpha": path + "ReplyingChannel", "plain": path + "PostsOnlyChannel"}
    settings.PUBLISHING_CHANNEL_OVERRIDES = {"alpha": {"drip_interval_minutes": 0, "posting_hours": "00:00-24:00"}}
    settings.PUBLISHING_MAX_ATTEMPTS = 4
    settings.PUBLISHING_MONTHLY_POST_CAPS = {}
    settings.STAFF_NOTIFY_EMAILS = ["ops@example.com"]
    NETWORK.__dict__.update(Network().__dict__)
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield NETWORK
    celery_app.conf.task_always_eager = eager


def thread_rows(first):
    return [first, *Delivery.objects.filter(thread_root=first).order_by("part")]


def refreshed(rows):
    return [Delivery.objects.get(pk=row.pk) for row in rows]


def lapse_lease(row):
    Delivery.objects.filter(pk=row.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))


# --- Creating, claiming, threading -------------------------------------------------------------------


def test_a_thread_of_three_is_sent_in_order_each_part_answering_the_one_before(
    network, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = services.reply_enqueue(channel="alpha", in_reply_to="m-1", parts=["one (1/3)", "two (2/3)", "three"])
    rows = thread_rows(first)
    assert [(r.purpose, r.part, r.in_reply_to, r.post_text) for r in rows] == [
        (Purpose.REPLY, 1, "m-1", "one (1/3)"),
        (Purpose.REPLY, 2, "", "two (2/3)"),
        (Purpose.REPLY, 3, "", "three"),
    ]
    assert network.posts == []  # nothing before commit
    # Parts 2 and 3 are not due: claim skips a reply row that does not yet know what it answers.
    assert set(Delivery.objects.due(now=timezone.now())) == {first}
    assert services.delivery_send(delivery_id=rows[1].pk) is None
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    rows = refreshed(rows)
    assert [r.status for r in rows] == [Status.SENT] * 3
    assert [(item.in_reply_to, item.text) for item in network.posts] == [
        ("m-1", "one (1/3)"),
        (rows[0].remote_id, "two (2/3)"),
        (rows[1].remote_id, "three"),
    ]
    assert [r.in_reply_to for r in rows] == ["m-1", rows[0].remote_id, rows[1].remote_id]
    assert all(r.tip is None and r.budget_month is not None for r in rows)


def test_part_two_waits_while_part_one_fails_and_is_cancelled_with_it(network, django_capture_on_commit_callbacks):
    network.send_failures = [(PublishError("refused", permanent=True, code="403"), False)]
    with django_capture_on_commit_callbacks(execute=True):
        first = services.reply_enqueue(channel="alpha", in_reply_to="m-1", parts=["one", "two"])
    first, second = refreshed(thread_rows(first))
    assert first.status == Status.FAILED and second.status == Status.PENDING and second.in_reply_to == ""
    services.deliveries_sweep()
    assert refreshed([second])[0].status == Status.PENDING and network.posts == []
    assert services.delivery_cancel(delivery=first)
    assert refreshed([second])[0].status == Status.CANCELLED


def test_replies_are_refused_by_a_channel_that_cannot_send_them():
    with pytest.raises(ValueError, match="cannot send replies"):
        services.reply_enqueue(channel="plain", in_reply_to="m-1", parts=["hi"])
    with pytest.raises(ValueError, match="cannot send likes"):
        services.like_enqueue(channel="plain", remote_id="m-1")
    with pytest.raises(ValueError, match="1 to 3 posts, not 4"):
        services.reply_enqueue(channel="alpha", in_reply_to="m-1", parts=["a", "b", "c", "d"])
    with pytest.raises(ValueError, match="remote id"):
        services.reply_enqueue(channel="alpha", in_reply_to="", parts=["a"])
    assert not Delivery.objects.exists()


# --- A worker killed between the network call and the record -------------------------------------------


def _killed_after_sending(first):
    """Claim the row and make the network call as the worker would, then
    "die" before recording anything: the row is left sending, lease lapsed."""
    claimed = sending._delivery_claim(delivery_id=first.pk, now=timezone.now())
    assert claimed is not None and claimed.status == Status.SENDING
    ReplyingChannel().send(Post(text=claimed.post_text, link="", in_reply_to=claimed.in_reply_to))
    lapse_lease(claimed)
    return claimed


def test_killed_between_claim_and_record_the_reconcile_finds_the_reply_and_never_posts_twice(
    network, django_capture_on_commit_callbacks
):
    text = "Here is the guide: https://tips.example/a?utm=1 & more (1/2)"
    with django_capture_on_commit_callbacks(execute=False):
        first = services.reply_enqueue(channel="alpha", in_reply_to="m-9", parts=[text, "and the end"])
    _killed_after_sending(first)
    assert len(network.posts) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_sweep()
    first, second = refreshed(thread_rows(first))
    assert first.status == Status.SENT and first.reconciliation == Delivery.Reconciliation.FOUND
    assert first.remote_id == network.posts[0].remote.id
    assert first.post_text == text  # what we sent, not the network's rewrite
    # The reconcile released part 2, which answers the reply it found.
    assert second.status == Status.SENT and second.in_reply_to == first.remote_id
    assert [item.in_reply_to for item in network.posts] == ["m-9", first.remote_id]
    services.deliveries_sweep()
    assert len(network.posts) == 2


def test_killed_before_the_network_call_the_reconcile_proves_absence_and_sends_once(
    network, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        first = services.reply_enqueue(channel="alpha", in_reply_to="m-9", parts=["only"])
    lapse_lease(sending._delivery_claim(delivery_id=first.pk, now=timezone.now()))
    services.deliveries_sweep()
    first = refreshed([first])[0]
    assert first.status == Status.SENT and first.reconciliation == Delivery.Reconciliation.RESENT
    assert [item.text for item in network.posts] == ["only"]


def test_another_reply_to_the_same_post_is_not_mistaken_for_ours(network, django_capture_on_commit_callbacks):
    """find_reply matches the text too: an earlier, different answer in the
    same thread does not make ours "found"."""
    ReplyingChannel().send(Post(text="an older answer", link="", in_reply_to="m-9"))
    with django_capture_on_commit_callbacks(execute=False):
        first = services.reply_enqueue(channel="alpha", in_reply_to="m-9", parts=["the new answer"])
    lapse_lease(sending._delivery_claim(delivery_id=first.pk, now=timezone.now()))
    services.deliveries_sweep()
    assert [item.text for item in network.posts] == ["an older answer", "the new answer"]


def test_a_reply_whose_lookup_fails_is_unknown_until_staff_send_anyway(network, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first = services.reply_enqueue(channel="alpha", in_reply_to="m-9", parts=["hello"])
    lapse_lease(sending._delivery_claim(delivery_id=first.pk, now=timezone.now()))
    network.timeline_error = PublishError("search is down", code="503")
    services.deliveries_sweep()
    first = refreshed([first])[0]
    assert first.status == Status.UNKNOWN and "search is down" in first.last_error and network.posts == []
    network.timeline_error = None
    with django_capture_on_commit_callbacks(execute=True):
        assert services.delivery_send_anyway(delivery=first)
    assert refreshed([first])[0].status == Status.SENT and len(network.posts) == 1


# --- Ambiguous failures --------------------------------------------------------------------------------


def test_an_ambiguous_failure_after_posting_is_found_not_retried(network, django_capture_on_commit_callbacks):
    network.send_failures = [(PublishError("timed out", ambiguous=True), True)]
    with django_capture_on_commit_callbacks(execute=True):
        first = services.reply_enqueue(channel="alpha", in_reply_to="m-2", parts=["hello"])
    first = refreshed([first])[0]
    assert first.status == Status.SENT and first.reconciliation == Delivery.Reconciliation.FOUND
    assert len(network.posts) == 1 and first.remote_id == network.posts[0].remote.id


def test_an_ambiguous_failure_that_posted_nothing_is_retried(network, django_capture_on_commit_callbacks):
    network.send_failures = [(PublishError("connection reset", ambiguous=True), False)]
    with django_capture_on_commit_callbacks(execute=True):
        first = services.reply_enqueue(channel="alpha", in_reply_to="m-2", parts=["hello"])
    first = refreshed([first])[0]
    assert first.status == Status.PENDING and first.reconciliation == Delivery.Reconciliation.RESENT
    assert first.attempts == 1 and network.posts == []
    Delivery.objects.filter(pk=first.pk).update(scheduled_for=timezone.now())
    services.delivery_send(delivery_id=first.pk)
    first = refreshed([first])[0]
    assert first.status == Status.SENT and first.attempts == 2 and len(network.posts) == 1


# --- Budget ---------------------------------------------------------------------------------------------


def test_replies_count_against_the_monthly_cap_and_likes_do_not(network, settings, django_capture_on_commit_callbacks):
    settings.PUBLISHING_MONTHLY_POST_CAPS = {"alpha": 2}
    with django_capture_on_commit_callbacks(execute=True):
        first = services.reply_enqueue(
            channel="alpha", in_reply_to="m-1", parts=["see https://tips.example/a?utm=1", "two", "three"]
        )
        like = services.like_enqueue(channel="alpha", remote_id="m-1")
    rows = refreshed(thread_rows(first))
    assert [r.status for r in rows] == [Status.SENT, Status.SENT, Status.HELD_BUDGET]
    assert [r.post_has_link for r in rows] == [True, False, False]
    like = refreshed([like])[0]
    assert like.status == Status.SENT and like.budget_month is None
    from publishing import budget

    usage = budget.channel_month_usage(["alpha"], states={})["alpha"]
    assert (usage.posts, usage.posts_with_link, usage.held) == (2, 1, 1)
    # Raising the cap releases the held part at once (a customer is waiting; no drip slot).
    with django_capture_on_commit_callbacks(execute=True):
        assert services.channel_set_monthly_cap(kind="alpha", cap=3) == [rows[2].pk]
    services.deliveries_sweep()
    assert refreshed(rows)[2].status == Status.SENT
    assert [item.in_reply_to for item in network.posts] == ["m-1", rows[0].remote_id, rows[1].remote_id]


# --- Likes ----------------------------------------------------------------------------------------------


def test_a_like_whose_outcome_is_unknown_is_sent_again_safely(network, django_capture_on_commit_callbacks):
    network.like_failures = [PublishError("timed out", ambiguous=True)]
    with django_capture_on_commit_callbacks(execute=True):
        like = services.like_enqueue(channel="alpha", remote_id="m-5")
    like = refreshed([like])[0]
    # Not "unknown": liking again cannot like twice, so the pipeline goes ahead.
    assert like.status == Status.PENDING and like.reconciliation == Delivery.Reconciliation.RESENT
    Delivery.objects.filter(pk=like.pk).update(scheduled_for=timezone.now())
    services.delivery_send(delivery_id=like.pk)
    like = refreshed([like])[0]
    assert like.status == Status.SENT and like.remote_id == "m-5" and network.likes == ["m-5", "m-5"]
    assert like.tip_label == "Like of m-5"


def test_a_like_left_sending_by_a_dead_worker_is_sent_again(network, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        like = services.like_enqueue(channel="alpha", remote_id="m-5")
    lapse_lease(sending._delivery_claim(delivery_id=like.pk, now=timezone.now()))
    services.deliveries_sweep()
    assert refreshed([like])[0].status == Status.SENT and network.likes == ["m-5"]


def test_the_base_find_like_says_a_resend_is_safe():
    result = Channel().find_like("m-1", since=timezone.now())
    assert result.absent and result.remote is None and "idempotent" in result.reason
    assert result == FindResult.resend_is_safe(result.reason)


# --- Tip-only rules never touch replies -----------------------------------------------------------------


def test_a_sent_reply_is_never_taken_down_as_if_its_tip_were_unpublished(network, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.reply_enqueue(channel="alpha", in_reply_to="m-1", parts=["hello"])
    report = services.deliveries_sweep()
    assert first.pk not in report.deletes
    services.delivery_delete_remote(delivery_id=first.pk)
    first = refreshed([first])[0]
    assert first.status == Status.SENT and first.deleted_at is None and first.delete_error == ""
    assert first.tip_label == "Reply to m-1"


# --- What staff see ---------------------------------------------------------------------------------------


def test_the_delivery_list_names_replies_filters_by_purpose_and_the_tip_page_shows_only_its_posts(
    client, staff, make_tip, network, settings, django_capture_on_commit_callbacks
):
    from qa import services as qa_services

    tip = make_tip(title="配送の追跡", publish=False)
    with django_capture_on_commit_callbacks(execute=True):
        qa_services.tip_publish(tip=tip)
        services.reply_enqueue(channel="alpha", in_reply_to="target-77", parts=["hello (1/2)", "bye"])
        services.like_enqueue(channel="alpha", remote_id="target-78")
    client.force_login(staff)
    url = "/admin/publishing/delivery/"
    page = client.get(url).content.decode()
    assert "Reply to target-77" in page and "Like of target-78" in page and "配送の追跡" in page
    with django_capture_on_commit_callbacks(execute=False):
        waiting = services.reply_enqueue(channel="alpha", in_reply_to="target-79", parts=["a", "b"])
    replies = client.get(url, {"purpose": "reply"}).content.decode()
    assert "waits until the part before it is sent" in replies and waiting.pk
    assert "Reply to target-77" in replies and "配送の追跡" not in replies and "Like of target-78" not in replies
    second = Delivery.objects.get(part=2, status=Status.SENT)
    detail = client.get(f"{url}{second.pk}/change/").content.decode()
    assert f"Reply to {second.in_reply_to} (part 2)" in detail and second.in_reply_to.startswith("r-")
    tip_page = client.get(f"/admin/qa/tip/{tip.pk}/change/").content.decode()
    assert "配送の追跡" in tip_page and "target-77" not in tip_page and "Reply to" not in tip_page
