"""End to end, with a real Celery worker and beat on a real Redis broker and
the fake X server on loopback: a mention becomes a conversation in the inbox,
staff answer it once, the customer's answer reopens it, and silence expires it.

Every step runs in its own process (tests.publishing.e2e_stack), as the web
process and the worker share one database in production.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

import pytest
import requests

from tests.conftest import REDIS_URL, require_service
from tests.publishing.e2e_stack import Stack, own_database, pipeline_environment
from tests.publishing.fake_social import FakeSocialServer
from tests.support.databases import redis_database_emptied
from tests.support.processes import port_open, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.redis]

BROKER_DB = int(os.environ.get("E2E_BROKER_DB", "11"))
CUSTOMER = {"id": "2000000042", "username": "hanako", "name": "山田花子"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    parsed = urlparse(REDIS_URL)
    require_service("Redis", port_open(parsed.hostname or "127.0.0.1", parsed.port or 6379), REDIS_URL)
    broker = redis_database_emptied(url=REDIS_URL, db=BROKER_DB)
    tmp = tmp_path_factory.mktemp("conversations")
    database_url, drop_database = own_database(tmp, purpose="conv_e2e")
    fake = FakeSocialServer(port=0).start()
    env = {
        **pipeline_environment(tmp, database_url=database_url, broker_url=broker, fake_url=fake.url),
        "PUBLISHING_SWEEP_INTERVAL_SECONDS": "1",
        "PUBLISHING_CLAIM_LEASE_SECONDS": "4",
        "PUBLISHING_RETRY_BASE_SECONDS": "1",
        "PUBLISHING_RETRY_MAX_SECONDS": "2",
        # Beat polls every source every 10 s (the shortest the settings allow).
        "CONVERSATION_X_MENTIONS_POLL_SECONDS": "10",
        "CONVERSATION_FACEBOOK_POLL_SECONDS": "10",
        "CONVERSATION_FEED_POLL_SECONDS": "10",
        "CONVERSATION_FOLLOW_UP_DAYS": "1",
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
    running.stop_worker()
    fake.stop()
    drop_database()


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
