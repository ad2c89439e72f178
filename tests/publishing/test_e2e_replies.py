"""End to end: replies through a real Celery worker (with beat) on a real Redis
broker, killed with SIGKILL while it is replying, restarted: every reply is on
the network exactly once, a thread's parts answer each other in order, a like
is done, and a staff reply in a conversation (conversations.services) answers
the mention once and its message records where it was posted. The network is a file every process shares (e2e_reply_network),
so the reconcile's find_reply searches what the dead worker really posted.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from tests.publishing.e2e_reply_network import network_entries
from tests.publishing.e2e_stack import Stack, own_broker, own_database, pipeline_environment
from tests.support.processes import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.redis]


@pytest.fixture
def stack(tmp_path, monkeypatch):
    broker, broker_prefix, delete_broker = own_broker(purpose="reply_e2e")
    database_url, drop_database = own_database(tmp_path, purpose="reply_e2e")
    network = tmp_path / "network.jsonl"
    # This process reads the network file too (network_entries).
    monkeypatch.setenv("E2E_REPLY_NETWORK", str(network))
    env = {
        # No social fake server: the one channel is the shared file.
        **pipeline_environment(
            tmp_path,
            database_url=database_url,
            broker_url=broker,
            broker_prefix=broker_prefix,
            fake_url="http://127.0.0.1:9",
        ),
        "DJANGO_SETTINGS_MODULE": "tests.publishing.e2e_reply_settings",
        "E2E_REPLY_NETWORK": str(network),
        # Long enough that on a loaded machine the kill below still finds sends in flight.
        "E2E_REPLY_SEND_DELAY": "3",
        "PUBLISHING_SWEEP_INTERVAL_SECONDS": "1",
        "PUBLISHING_CLAIM_LEASE_SECONDS": "4",
        "PUBLISHING_RETRY_BASE_SECONDS": "1",
        "PUBLISHING_RETRY_MAX_SECONDS": "2",
    }
    running = Stack(tmp_path, env, fake=None)
    running.migrate()
    yield running
    running.stop()
    drop_database()
    delete_broker()


ENQUEUE = """
import json
from django.contrib.auth import get_user_model
from django.utils import timezone
from conversations import services as conversations
from conversations.models import Person
from publishing import services
from qa.models import Message, Question
for n in range(3):
    services.reply_enqueue(channel="x", in_reply_to=f"mention-{n}", parts=[f"返信 {n} 🙏"])
services.reply_enqueue(channel="x", in_reply_to="mention-t", parts=["one (1/3)", "two (2/3)", "three (3/3)"])
services.like_enqueue(channel="x", remote_id="mention-0")
staff = get_user_model().objects.create_user(username="staff", email="staff@example.com", is_staff=True)
person = Person.objects.create(network="x", remote_id="u-1", handle="hanako")
question = Question.objects.create(title="Parcel", body="@tipcast where is my parcel?", source="x", person=person,
    language="en", status=Question.Status.WAITING_US, waiting_since=timezone.now())
Message.objects.create(question=question, kind=Message.Kind.CUSTOMER, person=person, body=question.body,
    channel="x", remote_id="mention-c", mentions_account=True)
message = conversations.conversation_reply(question=question, author=staff, body="It leaves today, sorry!")
print(json.dumps(message.pk))
"""

MESSAGE = """
import json
from qa.models import Message
print(json.dumps(Message.objects.filter(pk={pk}).values("remote_id", "body", "question__status").get()))
"""

ROWS = """
import json
from publishing.models import Delivery
print(json.dumps(list(Delivery.objects.order_by("pk").values(
    "pk", "purpose", "part", "status", "remote_id", "in_reply_to", "post_text", "reconciliation"))))
"""


def test_a_worker_killed_mid_reply_never_replies_twice(stack):
    stack.start_worker()
    # Not waiting for the enqueuing process to exit (seconds on a loaded
    # machine, while the worker sends): SIGKILL as soon as the first reply is
    # on the network (its answer is slow, so it is unrecorded).
    stack.start_shell("enqueue", ENQUEUE)
    wait_for(lambda: any("id" in entry for entry in network_entries()), timeout=60, what="the first reply")
    stack.kill_worker()
    message_id = stack.finish_shell("enqueue")
    in_flight = [row for row in stack.shell(ROWS) if row["status"] == "sending"]
    assert in_flight, "the kill came after every send was recorded; nothing was tested"
    stack.start_worker()
    rows = []

    def all_sent():
        rows[:] = stack.shell(ROWS)
        return all(row["status"] == "sent" for row in rows)

    wait_for(all_sent, timeout=120, interval=1, what=lambda: f"every row sent: {rows}\n{stack.worker_log()[-4000:]}")
    posts = [entry for entry in network_entries() if "id" in entry]
    replies = [row for row in rows if row["purpose"] == "reply"]
    # Exactly once: one post per reply row, none twice.
    assert Counter((post["in_reply_to"], post["text"]) for post in posts) == Counter(
        (row["in_reply_to"], row["post_text"]) for row in replies
    )
    assert len(posts) == len(replies) == 7
    # The staff reply answered the mention once, and its message knows where it is.
    [answer] = [post for post in posts if post["in_reply_to"] == "mention-c"]
    message = stack.shell(MESSAGE.format(pk=message_id))
    assert answer["text"] == message["body"] and answer["text"].startswith("@hanako It leaves today")
    assert message["remote_id"] == answer["id"] and message["question__status"] == "waiting_customer"
    assert {row["remote_id"] for row in replies} == {post["id"] for post in posts}
    # The thread answers itself in order.
    thread = sorted((row for row in replies if row["post_text"].endswith("/3)")), key=lambda row: row["part"])
    assert [row["in_reply_to"] for row in thread] == ["mention-t", thread[0]["remote_id"], thread[1]["remote_id"]]
    # The rows the dead worker held were looked up on the network, never re-sent blindly.
    held = {row["pk"] for row in in_flight}
    settled = {row["reconciliation"] for row in rows if row["pk"] in held and row["purpose"] == "reply"}
    assert "found" in settled and settled <= {"found", "resent"}, in_flight
    assert [entry["like"] for entry in network_entries() if "like" in entry].count("mention-0") >= 1
    time.sleep(3)  # a few more sweeps change nothing
    assert len([entry for entry in network_entries() if "id" in entry]) == 7
