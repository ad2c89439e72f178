"""Issue 8: the Markdown preview is rate limited, request bodies are bounded per
endpoint (413, not a 500), and every Markdown field has a maximum length."""

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from qa import markup, services
from qa.markup import MARKDOWN_MAX_LENGTH
from qa.models import Question, Tip

pytestmark = pytest.mark.django_db

ASK_URL = reverse("qa:ask")
PREVIEW_URL = reverse("qa:markdown_preview")
SUGGEST_URL = reverse("qa:suggest")


@pytest.fixture
def customer_client(client, customer):
    client.force_login(customer)
    return client


@pytest.fixture
def renders(monkeypatch):
    calls = []
    convert = markup._parse
    monkeypatch.setattr(markup, "_parse", lambda source: calls.append(source) or convert(source))
    return calls


def preview_form(client, body="**x**", **extra):
    payload = {"title": "T", "body": body, "category": "", "website": "", "action": "preview", **extra}
    return client.post(ASK_URL, payload)


def assert_429_page(response):
    assert response.status_code == 429
    assert "429.html" in [template.name for template in response.templates]


# --- Rate limit ---------------------------------------------------------------------------


@override_settings(PREVIEW_RATE_PER_USER="3/m", PREVIEW_RATE_PER_IP="100/m")
def test_previews_past_the_per_user_limit_get_the_429_page(customer_client, renders):
    assert customer_client.post(PREVIEW_URL, {"body": "**a**"}).status_code == 200
    assert customer_client.post(PREVIEW_URL, {"body": "**b**"}).status_code == 200
    # The ask form's own Preview button (no JavaScript) shares the limit.
    assert preview_form(customer_client).status_code == 200
    rendered = len(renders)
    assert_429_page(customer_client.post(PREVIEW_URL, {"body": "**c**"}))
    assert_429_page(preview_form(customer_client))
    assert len(renders) == rendered  # nothing was rendered past the limit


@override_settings(PREVIEW_RATE_PER_USER="100/m", PREVIEW_RATE_PER_IP="2/m")
def test_the_per_ip_preview_limit_covers_several_accounts(client, customer, other_customer):
    client.force_login(customer)
    assert client.post(PREVIEW_URL, {"body": "a"}).status_code == 200
    assert client.post(PREVIEW_URL, {"body": "b"}).status_code == 200
    client.force_login(other_customer)
    assert_429_page(client.post(PREVIEW_URL, {"body": "c"}))


@override_settings(PREVIEW_RATE_PER_USER="1/m", ASK_RATE_PER_USER="5/h")
def test_the_preview_limit_does_not_stop_sending_a_question(customer_client):
    assert customer_client.post(PREVIEW_URL, {"body": "a"}).status_code == 200
    assert customer_client.post(PREVIEW_URL, {"body": "a"}).status_code == 429
    payload = {"title": "Parcel", "body": "Late", "category": "", "website": "", "action": "confirm"}
    assert customer_client.post(ASK_URL, payload).status_code == 302
    assert Question.objects.count() == 1


def test_the_issue_8_preview_at_the_maximum_length_is_answered(customer_client, settings):
    # 10,000 "[" took Python-Markdown 35 s in one request; tests/qa/test_markup_cost.py bounds the work.
    response = customer_client.post(PREVIEW_URL, {"body": "[" * settings.QUESTION_BODY_MAX_LENGTH})
    assert response.status_code == 200
    assert response.json()["html"] == "<p>" + "[" * settings.QUESTION_BODY_MAX_LENGTH + "</p>"


# --- Body size ----------------------------------------------------------------------------


def test_an_oversized_preview_body_gets_413_and_is_not_rendered(customer_client, renders):
    response = customer_client.post(PREVIEW_URL, {"body": "ok", "padding": "x" * 100_000})
    assert response.status_code == 413
    assert "413.html" in [template.name for template in response.templates]
    assert renders == []


def test_an_oversized_ask_form_gets_413_and_saves_nothing(customer_client):
    payload = {"title": "T", "body": "B", "category": "", "website": "", "action": "confirm", "x": "y" * 200_000}
    assert customer_client.post(ASK_URL, payload).status_code == 413
    assert Question.objects.count() == 0


def test_suggest_refuses_a_body(client):
    response = client.generic("GET", SUGGEST_URL + "?q=送料", data="x" * 10_000, content_type="text/plain")
    assert response.status_code == 413
    assert client.get(SUGGEST_URL, {"q": "送料"}).status_code == 200


def test_the_413_page_is_translated(customer_client):
    with translation.override("ja"):
        response = customer_client.post(
            PREVIEW_URL, {"body": "ok", "padding": "x" * 100_000}, HTTP_ACCEPT_LANGUAGE="ja"
        )
    assert response.status_code == 413
    assert "文章が長すぎます" in response.content.decode()


def test_the_longest_japanese_question_still_fits_the_bound(customer_client, settings):
    # Every character percent-encoded to 9 bytes: the bound must still let it through.
    body = "返" * settings.QUESTION_BODY_MAX_LENGTH
    title = "あ" * settings.QUESTION_TITLE_MAX_LENGTH
    assert preview_form(customer_client, body=body, title=title).status_code == 200
    assert customer_client.post(PREVIEW_URL, {"body": body}).status_code == 200


# --- Field lengths ------------------------------------------------------------------------


def test_a_question_body_over_the_maximum_is_a_form_error(customer_client, settings):
    payload = {"title": "T", "body": "a" * (settings.QUESTION_BODY_MAX_LENGTH + 1), "category": "", "website": ""}
    response = customer_client.post(ASK_URL, {**payload, "action": "confirm"})
    assert response.status_code == 200
    assert "Keep the details under" in response.content.decode()
    assert Question.objects.count() == 0


@pytest.mark.parametrize("field", ["answer_text", "question_text"])
def test_tip_markdown_over_the_maximum_is_refused_by_the_service(db, field):
    text = {"answer_text": "ok", "question_text": "", field: "a" * (MARKDOWN_MAX_LENGTH + 1)}
    with pytest.raises(ValidationError) as raised:
        services.tip_create(title="Too long", **text)
    assert f"Keep the text under {MARKDOWN_MAX_LENGTH} characters" in str(raised.value.message_dict[field])
    assert Tip.objects.count() == 0


def test_tip_markdown_at_the_maximum_is_accepted(db):
    tip = services.tip_create(title="Long", answer_text="a" * MARKDOWN_MAX_LENGTH)
    assert tip.pk and len(tip.answer_plain) == MARKDOWN_MAX_LENGTH


def test_the_length_message_is_translated(db):
    with translation.override("ja"):
        with pytest.raises(ValidationError) as raised:
            services.saved_reply_create(title="Long", body="a" * (MARKDOWN_MAX_LENGTH + 1))
        assert "20000文字以内" in str(raised.value.message_dict["body"])


def test_admin_tip_form_refuses_overlong_markdown(admin_client, category):
    response = admin_client.post(
        reverse("admin:qa_tip_add"),
        {
            "title": "Too long",
            "slug": "",
            "category": category.pk,
            "tags": "",
            "question_text": "",
            "answer_text": "a" * (MARKDOWN_MAX_LENGTH + 1),
        },
    )
    assert response.status_code == 200
    assert f"Keep the text under {MARKDOWN_MAX_LENGTH} characters" in response.content.decode()
    assert Tip.objects.count() == 0
