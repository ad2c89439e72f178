"""CSRF: every form refuses a POST without a token, and the ask and sign-up
pages keep what was typed (supportsite.csrf.csrf_failure)."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from qa.models import Question, Tip
from tests.security.permission_expectations import all_cases
from tests.support.html_forms import csrf_token

KEPT_MESSAGE = "Your session expired or the page was open too long. Your text is kept below; please submit again."


def csrf_client(user=None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def token_from(response) -> str:
    return csrf_token(response.content.decode())


def assert_rejected(response):
    assert response.status_code == 403
    assert "403_csrf.html" in [template.name for template in response.templates]
    assert "Your session expired" in response.content.decode()


# --- Every POST the permission matrix knows, without a token -------------------------------------


# POSTs a browser never sends, authenticated otherwise: the Facebook Page webhook carries no
# cookie and no token; an unsigned body is refused with 403 (tests/conversations/test_facebook_webhook.py).
CSRF_EXEMPT = {"webhooks/facebook/"}


def _post_cases():
    return [
        pytest.param(route, index, id=f"{route} {case.label}".strip())
        for route, cases in all_cases().items()
        for index, case in enumerate(cases)
        if case.post is not None and route not in CSRF_EXEMPT
    ]


@pytest.mark.parametrize(("route", "index"), _post_cases())
@pytest.mark.parametrize("actor", ["anonymous", "staff"])
def test_every_post_without_a_token_is_refused(world, route, index, actor):
    case = all_cases()[route][index]
    url = case.url(world) if callable(case.url) else case.url
    data = case.post_data(world) if callable(case.post_data) else case.post_data
    response = csrf_client(world.staff if actor == "staff" else None).post(url, data)
    assert response.status_code == 403


# --- The forms the brief names, each also accepted WITH a token (so the refusal is the token's doing) ---


# The vote and the language switcher sit on pages shared from the cache, which
# carry no token: their views take a token or a same-origin POST
# (supportsite/same_origin.py). Anything else is refused.
CROSS_SITE = [
    {},  # neither header: an old browser or a script, and no token
    {"HTTP_ORIGIN": "https://evil.example"},
    {"HTTP_ORIGIN": "null"},
    {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "http://testserver"},
    {"HTTP_SEC_FETCH_SITE": "same-site"},
]
SAME_ORIGIN = [{"HTTP_ORIGIN": "http://testserver"}, {"HTTP_SEC_FETCH_SITE": "same-origin"}]


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_vote_without_a_token_from_another_site_is_refused(make_tip, headers):
    tip = make_tip()
    response = csrf_client().post(reverse("qa:tip_vote", args=[tip.pk]), {"helpful": "yes"}, **headers)
    assert_rejected(response)
    tip.refresh_from_db()
    assert tip.helpful_yes == 0


@pytest.mark.parametrize("headers", SAME_ORIGIN)
def test_vote_from_a_shared_page_counts_without_a_token(make_tip, headers):
    tip = make_tip()
    client = csrf_client()
    html = client.get(tip.get_absolute_url()).content.decode()
    assert f'action="{reverse("qa:tip_vote", args=[tip.pk])}"' in html
    assert "csrfmiddlewaretoken" not in html  # the shared page holds no token
    response = client.post(reverse("qa:tip_vote", args=[tip.pk]), {"helpful": "yes"}, **headers)
    assert response.status_code == 302
    tip.refresh_from_db()
    assert tip.helpful_yes == 1


def test_vote_with_a_token_from_a_personal_page(make_tip, customer):
    tip = make_tip()
    client = csrf_client(customer)
    token = token_from(client.get(tip.get_absolute_url()))
    url = reverse("qa:tip_vote", args=[tip.pk])
    assert_rejected(client.post(url, {"helpful": "yes"}))
    assert client.post(url, {"helpful": "yes", "csrfmiddlewaretoken": token}).status_code == 302
    tip.refresh_from_db()
    assert tip.helpful_yes == 1


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_set_language_from_another_site_is_refused(db, headers):
    response = csrf_client().post(reverse("set_language"), {"language": "ja", "next": "/"}, **headers)
    assert_rejected(response)
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_set_language_same_origin_or_with_a_token(customer):
    url = reverse("set_language")
    response = csrf_client().post(url, {"language": "ja", "next": "/"}, HTTP_ORIGIN="http://testserver")
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja"
    client = csrf_client(customer)
    token = token_from(client.get("/"))
    response = client.post(url, {"language": "ja", "next": "/", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja"


def test_login_needs_a_token(customer):
    client = csrf_client()
    url = reverse("account_login")
    credentials = {"login": customer.email, "password": "pw-123456!"}
    assert_rejected(client.post(url, credentials))
    assert "_auth_user_id" not in client.session
    token = token_from(client.get(url))
    assert client.post(url, {**credentials, "csrfmiddlewaretoken": token}).status_code == 302
    assert int(client.session["_auth_user_id"]) == customer.pk


def test_logout_needs_a_token(customer):
    client = csrf_client(customer)
    url = reverse("account_logout")
    assert_rejected(client.post(url))
    assert int(client.session["_auth_user_id"]) == customer.pk
    token = token_from(client.get(url))
    assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert "_auth_user_id" not in client.session


def test_admin_login_needs_a_token(staff):
    client = csrf_client()
    url = reverse("admin:login")
    credentials = {"username": staff.username, "password": "pw-123456!", "next": "/admin/"}
    assert_rejected(client.post(url, credentials))
    token = token_from(client.get(url))
    assert client.post(url, {**credentials, "csrfmiddlewaretoken": token}).status_code == 302
    assert int(client.session["_auth_user_id"]) == staff.pk


def test_admin_actions_need_a_token(staff, make_tip):
    draft = make_tip(publish=False)
    client = csrf_client(staff)
    url = reverse("admin:qa_tip_changelist")
    data = {"action": "publish_selected", "_selected_action": [draft.pk]}
    assert_rejected(client.post(url, data))
    draft.refresh_from_db()
    assert draft.status == Tip.Status.DRAFT
    token = token_from(client.get(url))
    assert client.post(url, {**data, "csrfmiddlewaretoken": token}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == Tip.Status.PUBLISHED


def test_markdown_preview_needs_a_token(customer):
    # The JavaScript preview sends the token in the X-CSRFToken header.
    client = csrf_client(customer)
    url = reverse("qa:markdown_preview")
    assert client.post(url, {"body": "**x**"}).status_code == 403
    client.get(reverse("qa:ask"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    assert client.post(url, {"body": "**x**"}, HTTP_X_CSRFTOKEN=token).status_code == 200


# --- The ask page: the question typed survives a failed check ----------------------------------------


ASK_DATA = {
    "title": "配送先を変更したい",
    "body": "注文後に引っ越しました。\n\n新しい住所に送ってもらえますか？ 🙏",
    "action": "submit",
}


def test_ask_without_a_token_keeps_the_question_and_a_fresh_token_sends_it(customer, category):
    client = csrf_client(customer)
    response = client.post(reverse("qa:ask"), {**ASK_DATA, "category": category.pk})
    html = response.content.decode()
    assert response.status_code == 403
    assert "qa/ask.html" in [template.name for template in response.templates]
    assert KEPT_MESSAGE in html
    assert 'value="配送先を変更したい"' in html
    assert "新しい住所に送ってもらえますか？ 🙏" in html
    assert f'<option value="{category.pk}" selected>' in html
    assert Question.objects.count() == 0

    # The page carries a fresh token (and set its cookie): submitting again works.
    token = token_from(response)
    response = client.post(
        reverse("qa:ask"), {**ASK_DATA, "action": "confirm", "category": category.pk, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    question = Question.objects.get()
    assert question.title == "配送先を変更したい"
    assert question.asker == customer


def test_ask_with_a_stale_token_keeps_the_question(customer):
    """The common case: the customer signed in again in another tab, which
    rotates the token the open ask page still holds."""
    client = csrf_client(customer)
    stale = token_from(client.get(reverse("qa:ask")))
    client.force_login(customer)  # signing in rotates the token
    client.cookies[settings.CSRF_COOKIE_NAME] = "x" * 32
    response = client.post(reverse("qa:ask"), {**ASK_DATA, "csrfmiddlewaretoken": stale})
    assert response.status_code == 403
    assert KEPT_MESSAGE in response.content.decode()
    assert 'value="配送先を変更したい"' in response.content.decode()


def test_ask_page_in_japanese_keeps_the_question(customer):
    client = csrf_client(customer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    response = client.post(reverse("qa:ask"), ASK_DATA)
    assert response.status_code == 403
    assert '<html lang="ja">' in response.content.decode()
    assert "新しい住所に送ってもらえますか？" in response.content.decode()


# --- The sign-up page: the address survives, the passwords never come back -------------------------------


def test_signup_without_a_token_keeps_the_address_but_never_the_password(db):
    client = csrf_client()
    secret = "Sup3r-secret-パスワード"
    data = {"email": "hanako@example.jp", "password1": secret, "password2": secret}
    response = client.post(reverse("account_signup"), data)
    html = response.content.decode()
    assert response.status_code == 403
    assert "account/signup.html" in [template.name for template in response.templates]
    assert KEPT_MESSAGE in html
    assert "please type your password again" in html
    assert 'value="hanako@example.jp"' in html
    assert secret not in html
    assert not get_user_model().objects.filter(email="hanako@example.jp").exists()

    token = token_from(response)
    response = client.post(reverse("account_signup"), {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert get_user_model().objects.filter(email="hanako@example.jp").exists()


# --- Any other form: a friendly page ----------------------------------------------------------------------


def test_other_forms_get_the_friendly_page_in_the_site_layout(customer):
    response = csrf_client(customer).post(reverse("account_logout"))
    html = response.content.decode()
    assert_rejected(response)
    assert "base.html" in [template.name for template in response.templates]
    assert "Nothing was changed." in html
    assert reverse("qa:home") in html


def test_the_friendly_page_in_japanese(db):
    client = csrf_client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    response = client.post(reverse("account_login"), {"login": "a@example.com", "password": "x"})
    assert response.status_code == 403
    assert '<html lang="ja">' in response.content.decode()
