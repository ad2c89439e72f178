"""End to end, with a real Celery worker and beat on a real Redis broker, the
fake X/Facebook server and a feed server on loopback: what a customer says on
a network becomes a conversation in the inbox, staff answer it once, the
customer's answer reopens it, and silence expires it.

Every step runs in its own process (tests.publishing.e2e_stack), as the web
process and the worker share one database in production. The stack's broker
keys are its own (e2e_stack.own_broker): no other stack's worker can take its
tasks, nor another stack empty its queues.
"""

from __future__ import annotations

import pytest
import requests

from tests.conversations.feed_server import RSS_ITEM, FeedServer
from tests.publishing.e2e_stack import Stack, all_sent, own_broker, own_database, pipeline_environment
from tests.publishing.fake_social import FakeSocialServer
from tests.support.processes import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.redis]

CUSTOMER = {"id": "2000000042", "username": "hanako", "name": "山田花子"}


@pytest.fixture(scope="module")
def feeds():
    server = FeedServer(ports=(0,))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    broker, broker_prefix, delete_broker = own_broker(purpose="conv_e2e")
    tmp = tmp_path_factory.mktemp("conversations")
    database_url, drop_database = own_database(tmp, purpose="conv_e2e")
    fake = FakeSocialServer(port=0).start()
    env = {
        **pipeline_environment(
            tmp, database_url=database_url, broker_url=broker, broker_prefix=broker_prefix, fake_url=fake.url
        ),
        "PUBLISHING_SWEEP_INTERVAL_SECONDS": "1",
        "PUBLISHING_CLAIM_LEASE_SECONDS": "4",
        "PUBLISHING_RETRY_BASE_SECONDS": "1",
        "PUBLISHING_RETRY_MAX_SECONDS": "2",
        # Beat polls every source every 10 s (the shortest the settings allow).
        "CONVERSATION_X_MENTIONS_POLL_SECONDS": "10",
        "CONVERSATION_FACEBOOK_POLL_SECONDS": "10",
        "CONVERSATION_FEED_POLL_SECONDS": "10",
        "CONVERSATION_FOLLOW_UP_DAYS": "1",
        # The feed server is on loopback.
        "CONVERSATION_FEED_ALLOW_PRIVATE_ADDRESSES": "true",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    running = Stack(tmp, env, fake)
    running.migrate()
    running.shell("""
        import json
        from django.contrib.auth import get_user_model
        get_user_model().objects.create_user(username="staff", email="staff@example.com", is_staff=True)
        print(json.dumps(True))
    """)
    running.start_worker()
    yield running
    running.stop()
    fake.stop()
    drop_database()
    delete_broker()


def _conversation(stack, source: str) -> dict | None:
    return stack.shell(f"""
        import json
        from qa.models import Question
        question = Question.objects.filter(source={source!r}).order_by("-pk").first()
        print(json.dumps(None if question is None else {{
            "id": question.pk, "status": question.status, "close_reason": question.close_reason,
            "person": str(question.person), "title": question.title,
            "messages": list(question.messages.order_by("created_at", "pk").values(
                "kind", "channel", "remote_id", "body", "body_html", "mentions_account")),
        }}))
    """)


def _wait_for_conversation(stack, source: str, done, what: str, timeout: float = 90) -> dict:
    seen = {}

    def check():
        seen["value"] = _conversation(stack, source)
        return seen["value"] is not None and done(seen["value"])

    wait_for(
        check,
        timeout=timeout,
        interval=1,
        what=lambda: f"{what}; now {seen.get('value')}\n{stack.worker_log()[-4000:]}",
    )
    return seen["value"]


def _reply(stack, question_id: int, body: str) -> None:
    stack.shell(f"""
        import json
        from django.contrib.auth import get_user_model
        from conversations import services
        from qa.models import Question
        staff = get_user_model().objects.get(username="staff")
        message = services.conversation_reply(question=Question.objects.get(pk={question_id}), author=staff, body={body!r})
        print(json.dumps(message.pk))
    """)


def _expire_now(stack, question_id: int) -> None:
    """Two days of silence (CONVERSATION_FOLLOW_UP_DAYS is 1), then the beat task runs on the worker."""
    stack.shell(f"""
        import datetime as dt, json
        from django.utils import timezone
        from conversations.tasks import expire_conversations
        from qa.models import Question
        Question.objects.filter(pk={question_id}).update(waiting_since=timezone.now() - dt.timedelta(days=2))
        expire_conversations.delay()
        print(json.dumps(True))
    """)


def _replies_to(stack, network: str, remote_id: str) -> list[dict]:
    posts = requests.get(f"{stack.fake.url}/_fake/posts", timeout=5).json()["posts"]
    return [post for post in posts if post["network"] == network and post.get("in_reply_to") == remote_id]


def test_a_mention_on_x_is_answered_once_reopened_by_the_customer_and_expires(stack):
    [mention] = requests.post(
        f"{stack.fake.url}/_fake/x/posts",
        json={"posts": [{"text": "@tipcast 注文した商品が届きません 📦 \u202eabc", "author": CUSTOMER}]},
        timeout=5,
    ).json()["ids"]

    conversation = _wait_for_conversation(stack, "x", lambda c: len(c["messages"]) == 1, "the mention in the inbox")
    [opening] = conversation["messages"]
    assert (opening["kind"], opening["remote_id"], opening["mentions_account"]) == ("customer", mention, True)
    assert conversation["status"] == "new" and conversation["person"] == "@hanako"
    assert "📦" in opening["body"]

    _reply(stack, conversation["id"], "ご不便をおかけしております。お調べします。")
    wait_for(lambda: _replies_to(stack, "x", mention), timeout=60, interval=1, what=lambda: stack.worker_log()[-4000:])
    conversation = _wait_for_conversation(
        stack, "x", lambda c: c["messages"][-1]["remote_id"], "the reply's post id on its message"
    )
    [reply] = _replies_to(stack, "x", mention)
    assert conversation["status"] == "waiting_customer"
    assert conversation["messages"][-1]["remote_id"] == reply["id"] and reply["text"].startswith("@hanako")

    # The customer answers our reply; beat's next poll reopens the conversation.
    requests.post(
        f"{stack.fake.url}/_fake/x/posts",
        json={
            "posts": [
                {
                    "text": "@tipcast ありがとうございます、まだ届いていません",
                    "author": CUSTOMER,
                    "in_reply_to": reply["id"],
                }
            ]
        },
        timeout=5,
    ).raise_for_status()
    conversation = _wait_for_conversation(
        stack, "x", lambda c: c["status"] == "waiting_us", "the conversation reopened"
    )
    assert [m["kind"] for m in conversation["messages"]] == ["customer", "reply", "customer"]

    _reply(stack, conversation["id"], "本日発送いたしました。")
    _wait_for_conversation(stack, "x", lambda c: c["status"] == "waiting_customer", "the second reply sent")
    _expire_now(stack, conversation["id"])
    conversation = _wait_for_conversation(stack, "x", lambda c: c["status"] == "closed", "expired by silence")
    assert conversation["close_reason"] == "expired"
    # Exactly one reply to each customer post, however many polls and sweeps ran.
    assert len(_replies_to(stack, "x", mention)) == 1


def test_a_comment_on_the_pages_post_is_answered_under_it(stack):
    [tip_id] = stack.publish(
        ["コメントが付くヒント"],
        env={"X_API_KEY": "", "X_API_SECRET": "", "X_ACCESS_TOKEN": "", "X_ACCESS_TOKEN_SECRET": ""},
    )
    [row] = stack.wait_for_deliveries([tip_id], all_sent)
    post_id = row["remote_id"]
    comment = requests.post(
        f"{stack.fake.url}/_fake/facebook/comments",
        json={"post": post_id, "message": "送料はいくらですか？", "from": {"id": "990042", "name": "Suzuki"}},
        timeout=5,
    ).json()["id"]

    conversation = _wait_for_conversation(
        stack, "facebook", lambda c: len(c["messages"]) == 1, "the comment in the inbox"
    )
    assert conversation["messages"][0]["remote_id"] == comment and conversation["person"] == "Suzuki"

    _reply(stack, conversation["id"], "全国一律500円です。")
    wait_for(
        lambda: _replies_to(stack, "facebook", comment) or _comments_under(stack, comment),
        timeout=60,
        interval=1,
        what=lambda: stack.worker_log()[-4000:],
    )
    conversation = _wait_for_conversation(
        stack, "facebook", lambda c: c["status"] == "waiting_customer", "the reply sent"
    )
    assert len(_comments_under(stack, comment)) == 1

    # The customer answers in the same thread; beat's next poll reopens the conversation.
    requests.post(
        f"{stack.fake.url}/_fake/facebook/comments",
        json={
            "post": post_id,
            "parent": comment,
            "message": "北海道も同じですか？",
            "from": {"id": "990042", "name": "Suzuki"},
        },
        timeout=5,
    ).raise_for_status()
    conversation = _wait_for_conversation(
        stack, "facebook", lambda c: c["status"] == "waiting_us", "the conversation reopened"
    )
    assert [m["kind"] for m in conversation["messages"]] == ["customer", "reply", "customer"]

    _reply(stack, conversation["id"], "はい、北海道も500円です。")
    _wait_for_conversation(stack, "facebook", lambda c: c["status"] == "waiting_customer", "the second reply sent")
    _expire_now(stack, conversation["id"])
    conversation = _wait_for_conversation(stack, "facebook", lambda c: c["status"] == "closed", "expired by silence")
    assert conversation["close_reason"] == "expired"
    # One Page comment per reply in the thread, however many polls and sweeps ran.
    wait_for(lambda: len(_comments_under(stack, comment)) == 2, timeout=30, interval=1, what="the second reply")
    assert len(_comments_under(stack, comment)) == 2


def _comments_under(stack, comment_id: str) -> list[dict]:
    """The Page's own comments answering `comment_id`, as the fake Graph API lists them."""
    response = requests.get(
        f"{stack.fake.url}/v21.0/{comment_id}/comments",
        params={"access_token": "page-token", "fields": "id,message,from", "limit": 100},
        headers={"Host": "graph.facebook.com"},
        timeout=5,
    )
    return [c for c in response.json().get("data", []) if (c.get("from") or {}).get("id") == "424242"]


def test_a_feed_item_becomes_a_conversation_without_its_scripts(stack, feeds):
    feeds.rss_items = [
        RSS_ITEM.format(
            title="Tipcast の返品方法がわからない",
            slug="entry-1",
            guid="https://blogs.example/entry-1",
            date="Wed, 25 Nov 2026 09:00:00 +0900",
            html="<p>返品の<b>手順</b>が見つかりません。<script>alert(1)</script></p>",
        )
    ]
    stack.shell(f"""
        import json
        from conversations.models import FeedSubscription
        FeedSubscription.objects.create(url={feeds.url("/rss")!r}, title="ブログ検索")
        print(json.dumps(True))
    """)
    # Beat polls "feeds"; that task hands the subscription to a task of its own (sent by the worker).
    conversation = _wait_for_conversation(
        stack, "feed", lambda c: len(c["messages"]) == 1, "the feed item in the inbox"
    )
    [item] = conversation["messages"]
    assert conversation["title"] == "Tipcast の返品方法がわからない"
    assert "<script" not in item["body_html"] and "手順" in item["body_html"]

    # Staff answer on the blog by hand and record it; Tipcast then follows up like any
    # conversation: polling the same feed again adds nothing, and silence expires it.
    stack.shell(f"""
        import json
        from django.contrib.auth import get_user_model
        from conversations.ingest import conversation_record_external_reply
        from qa.models import Question
        conversation_record_external_reply(
            question=Question.objects.get(pk={conversation["id"]}),
            author=get_user_model().objects.get(username="staff"),
            url="https://blogs.example/entry-1#comment-7",
        )
        print(json.dumps(True))
    """)
    conversation = _wait_for_conversation(
        stack, "feed", lambda c: c["status"] == "waiting_customer", "the blog answer recorded"
    )
    _expire_now(stack, conversation["id"])
    conversation = _wait_for_conversation(stack, "feed", lambda c: c["status"] == "closed", "expired by silence")
    assert conversation["close_reason"] == "expired"
    assert [m["kind"] for m in conversation["messages"]] == ["customer", "reply"]
