"""The Facebook Page webhook: Meta's verification, the X-Hub-Signature-256
check on the raw body, the size bound, and comment events turned into Incoming
items handed to ingestion."""

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import time

import pytest
from django.test import Client
from django.urls import reverse

from conversations import facebook_webhook
from conversations.sources.facebook_comments import HIDDEN_AUTHOR_PREFIX
from tests.conversations.facebook_graph import PAGE, comment, graph, page, page_post  # noqa: F401 - fixtures

SECRET = "app-secret"
TOKEN = "verify-me"


@pytest.fixture
def configured(settings):
    settings.FACEBOOK_PAGE_ID = PAGE
    settings.FACEBOOK_APP_SECRET = SECRET
    settings.FACEBOOK_WEBHOOK_VERIFY_TOKEN = TOKEN
    settings.FACEBOOK_WEBHOOK_MAX_BYTES = 64 * 1024


@pytest.fixture
def ingested(monkeypatch):
    items = []
    monkeypatch.setattr(facebook_webhook, "item_ingest", items.append)
    return items


@pytest.fixture
def client():
    # Meta sends no CSRF token: the view must be exempt, and only by its own decorator.
    return Client(enforce_csrf_checks=True)


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def change(verb="add", item="comment", **value):
    return {
        "field": "feed",
        "value": {
            "item": item,
            "verb": verb,
            "post_id": f"{PAGE}_1",
            "comment_id": "1_100",
            "parent_id": f"{PAGE}_1",
            "message": "Do you ship to Okinawa?",
            "created_time": 1795000000,
            "from": {"id": "990001", "name": "A customer"},
            **value,
        },
    }


def delivery(*changes, page_id=PAGE) -> bytes:
    payload = {"object": "page", "entry": [{"id": page_id, "time": 1795000001, "changes": list(changes)}]}
    return json.dumps(payload).encode()


def post(client, body: bytes, signature: str | None = "auto"):
    headers = (
        {} if signature is None else {"HTTP_X_HUB_SIGNATURE_256": sign(body) if signature == "auto" else signature}
    )
    return client.post(reverse("facebook_webhook"), data=body, content_type="application/json", **headers)


def verify(client, **params):
    return client.get(reverse("facebook_webhook"), params)


def test_verification_echoes_the_challenge_for_the_right_token(configured, client):
    response = verify(client, **{"hub.mode": "subscribe", "hub.verify_token": TOKEN, "hub.challenge": "1158201444"})
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": TOKEN, "hub.challenge": "1"},
        {"hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": TOKEN, "hub.challenge": "9" * 300},
    ],
)
def test_verification_is_refused_otherwise(configured, client, params):
    response = verify(client, **params)
    assert response.status_code == 403
    assert b"1" not in response.content


def test_unconfigured_webhook_is_not_found(settings, client, ingested):
    settings.FACEBOOK_APP_SECRET = ""
    settings.FACEBOOK_WEBHOOK_VERIFY_TOKEN = ""
    assert verify(client, **{"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}).status_code == 404
    assert post(client, delivery(change())).status_code == 404
    assert ingested == []


def test_a_signed_comment_becomes_an_incoming_item(configured, client, ingested):
    response = post(client, delivery(change()))

    assert response.status_code == 200 and response.json() == {"received": 1}
    [item] = ingested
    assert item.remote_id == "1_100"
    assert item.text == "Do you ship to Okinawa?"
    assert item.created_at == dt.datetime.fromtimestamp(1795000000, dt.UTC)
    assert (item.author.network, item.author.remote_id, item.author.name) == ("facebook", "990001", "A customer")
    # A top-level comment answers the post; the thread is the post.
    assert (item.in_reply_to, item.thread_id) == (f"{PAGE}_1", f"{PAGE}_1")
    assert item.url == "https://www.facebook.com/1_100"
    assert not item.is_own


def test_replies_own_comments_and_hidden_authors(configured, client, ingested):
    body = delivery(
        change(comment_id="1_101", parent_id="1_100", message="Me too"),
        change(comment_id="1_102", parent_id="1_100", **{"from": {"id": PAGE, "name": "Tipcast"}}),
        change(comment_id="1_103", **{"from": None}),
    )
    assert post(client, body).json() == {"received": 3}
    reply, own, hidden = ingested
    assert (reply.in_reply_to, reply.thread_id) == ("1_100", f"{PAGE}_1")
    assert own.is_own
    assert hidden.author.remote_id == f"{HIDDEN_AUTHOR_PREFIX}1_103" and hidden.author.name == ""


def test_other_events_and_other_pages_are_acknowledged_and_left_out(configured, client, ingested):
    body = delivery(
        change(verb="edited"),
        change(verb="remove"),
        change(item="reaction"),
        change(item="status"),
        {"field": "mention", "value": {"item": "comment"}},
        change(comment_id=""),
        change(created_time="not a time"),
        "not a change",
    )
    assert post(client, body).json() == {"received": 0}
    assert post(client, delivery(change(), page_id="999")).json() == {"received": 0}
    assert ingested == []


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "sha256=",
        "sha256=" + "0" * 64,
        sign(b"another body"),
        sign(delivery(change()), secret="other-secret"),
        sign(delivery(change())).replace("sha256=", "sha1="),
    ],
)
def test_a_missing_or_bad_signature_is_refused(configured, client, ingested, signature):
    response = post(client, delivery(change()), signature=signature)
    assert response.status_code == 403
    assert ingested == []


def test_the_signature_is_of_the_raw_bytes(configured, client, ingested):
    body = delivery(change(message="絵文字 👍 and spaces"))
    reformatted = json.dumps(json.loads(body), indent=2).encode()
    assert post(client, reformatted, signature=sign(body)).status_code == 403
    assert post(client, body).status_code == 200
    assert [item.text for item in ingested] == ["絵文字 👍 and spaces"]


def test_an_oversized_body_is_refused_before_it_is_read(configured, client, ingested, settings):
    settings.FACEBOOK_WEBHOOK_MAX_BYTES = 1024
    body = delivery(change(message="x" * 2000))
    assert post(client, body).status_code == 413
    assert ingested == []


def test_signed_garbage_is_a_bad_request(configured, client, ingested):
    assert post(client, b"{not json").status_code == 400
    assert post(client, b"\xff\xfe").status_code == 400
    assert post(client, json.dumps({"object": "user", "entry": []}).encode()).json() == {"received": 0}
    assert ingested == []


def test_other_methods_are_not_allowed(configured, client):
    assert client.put(reverse("facebook_webhook")).status_code == 405


def test_the_webhook_and_the_poller_say_the_same_about_one_comment(configured, client, ingested, graph, page):  # noqa: F811
    from conversations.sources.facebook_comments import FacebookCommentsSource

    post_id = page_post(page, "Tip")
    at = int(time.time())
    first = comment(graph, post_id, "Question", at=at)
    answer = comment(graph, post_id, "Follow-up", at=at + 1, parent=first)
    polled = FacebookCommentsSource().poll(cursor="").items
    # What Meta sends for those two comments (its parent_id is the post for a top-level one).
    changes = [
        change(
            comment_id=stored["id"],
            post_id=post_id,
            parent_id=stored["parent"] or post_id,
            message=stored["message"],
            created_time=int(stored["created_at"]),
            **{"from": stored["from"]},
        )
        for stored in graph.state.facebook_comments
    ]
    body = json.dumps({"object": "page", "entry": [{"id": PAGE, "changes": changes}]}).encode()
    assert post(client, body).json() == {"received": 2}

    def comparable(item):
        return dataclasses.replace(item, url="")  # the webhook carries no permalink

    assert [item.remote_id for item in ingested] == [first, answer]
    assert [comparable(item) for item in ingested] == [comparable(item) for item in polled]
