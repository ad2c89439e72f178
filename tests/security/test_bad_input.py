"""Bad input gets a validation message, never a 500, on the public surfaces:
the ask form, search, suggest, vote, sign-in, sign-up and the tip page; and
every route of the URL conf (generated from it, admin and allauth included)
with bad values in its address and query string. The admin's answer form, CSV
import and list filters are in test_bad_input_admin.

NUL characters matter most on PostgreSQL, which refuses them in text: run this
module with DATABASE_URL=postgres://… too (see the README's test command).
"""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from qa.models import Question
from tests.security.bad_input import (
    ADDRESS_VALUES,
    BIDI_CONTROLS,
    EMOJI_BODY,
    EMOJI_TITLE,
    LONG_WORD,
    NUL,
    QUERY_NAMES,
    QUERY_VALUES,
    REFUSED_IN_PATH,
    REFUSED_IN_QUERY,
    RLO,
    page,
)
from tests.security.permission_expectations import all_cases
from tests.security.urlconf import route_filled, routes_with_parameters

# --- Every route: bad values in the address and the query string ------------------------------------


def actor_clients(world) -> list[Client]:
    """An anonymous visitor and a staff member (who gets past the admin's
    sign-in to the code behind it). A 500 comes back as a response, not raised."""
    anonymous = Client(raise_request_exception=False)
    staff = Client(raise_request_exception=False)
    staff.force_login(world.staff)
    return [anonymous, staff]


def unexpected(response, *, refused: bool) -> bool:
    return response.status_code != 404 if refused else response.status_code >= 500


@pytest.mark.parametrize("route", routes_with_parameters())
def test_every_route_parameter_answers_bad_values_without_a_500(world, route):
    """NUL and control characters are a 404 before any view runs; every other
    odd value (huge numbers, invalid UTF-8, 10,000 characters...) reaches the
    converters and views, which must not fail."""
    failures = []
    for client in actor_clients(world):
        for label, value in ADDRESS_VALUES.items():
            url = route_filled(route, value)
            for method in (client.get, client.post):
                response = method(url)
                if unexpected(response, refused=label in REFUSED_IN_PATH):
                    failures.append(f"{method.__name__.upper()} {url[:80]} ({label}): {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("route", sorted(all_cases()))
def test_every_route_answers_bad_query_values_without_a_500(world, route):
    """Each route at a real address (permission_expectations' first case, its
    objects made by the `world` fixture) with every query parameter the site
    reads set to each bad value."""
    case = all_cases()[route][0]
    base = case.url(world) if callable(case.url) else case.url
    failures = []
    for client in actor_clients(world):
        for label, value in QUERY_VALUES.items():
            query = "&".join(f"{name}={value}" for name in QUERY_NAMES)
            url = f"{base}{'&' if '?' in base else '?'}{query}"
            response = client.get(url)
            if unexpected(response, refused=label in REFUSED_IN_QUERY):
                failures.append(f"GET {base}?…={value[:20]} ({label}): {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "url",
    [
        "/categories/%00/",
        "/feeds/categories/a%00b.rss",
        "/tips/1/a%00b/",
        "/search/?q=%E9%80%81%E6%96%99%00",
        "/ask/suggest/?q=%00",
        "/?next=%00",
    ],
)
def test_nul_in_an_address_or_query_is_a_friendly_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Page not found" in page(response)


def test_the_404_for_nul_speaks_the_visitors_language(client):
    response = client.get("/categories/%00/", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 404
    assert 'lang="ja"' in page(response)


def test_a_session_cookie_with_nul_is_ignored_not_a_500(client, customer):
    client.cookies["sessionid"] = "abcdefgh" + NUL + "ijklmnop"
    response = client.get(reverse("qa:my_questions"))
    # Read as no cookie at all: an anonymous visitor, sent to sign in.
    assert response.status_code == 302
    assert response["Location"].startswith(settings.LOGIN_URL)


# --- The ask form ----------------------------------------------------------------------------------


@pytest.fixture
def customer_client(client, customer):
    client.force_login(customer)
    return client


def ask(client, **fields):
    data = {"title": "送料について", "body": "沖縄までの送料を教えてください。", "action": "confirm", **fields}
    return client.post(reverse("qa:ask"), data)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"title": "t" * (settings.QUESTION_TITLE_MAX_LENGTH + 1)},
            "Keep the title under 200 characters (it has 201).",
        ),
        (
            {"body": "b" * (settings.QUESTION_BODY_MAX_LENGTH + 1)},
            f"Keep the details under {settings.QUESTION_BODY_MAX_LENGTH} characters",
        ),
        ({"title": "送料" + NUL + "について"}, "Null characters are not allowed."),
        ({"body": "沖縄まで" + NUL}, "Null characters are not allowed."),
        ({"title": LONG_WORD}, "Keep the title under 200 characters"),
        ({"title": "Refund " + RLO + "gnp.exe"}, "The title cannot contain invisible text-direction characters"),
    ],
    ids=["long title", "long body", "NUL in title", "NUL in body", "10,000-character title", "RLO in title"],
)
def test_ask_refuses_bad_input_with_a_message(customer_client, fields, message):
    response = ask(customer_client, **fields)
    assert response.status_code == 200
    assert message in page(response)
    assert Question.objects.count() == 0


@pytest.mark.parametrize("control", BIDI_CONTROLS, ids=[f"U+{ord(c):04X}" for c in BIDI_CONTROLS])
def test_ask_refuses_every_bidi_control_in_the_title(customer_client, control):
    response = ask(customer_client, title=f"返品{control}したい")
    assert "The title cannot contain invisible text-direction characters" in page(response)
    assert Question.objects.count() == 0


def test_ask_keeps_right_to_left_scripts_and_marks(customer_client):
    """Arabic and Hebrew text (and the harmless LRM/RLM marks) are real questions."""
    title = "طلبي لم يصل \u200f order 42"
    assert ask(customer_client, title=title).status_code == 302
    assert Question.objects.get().title == title


def test_ask_accepts_a_10000_character_word_in_the_body_and_my_questions_shows_it(customer_client):
    response = ask(customer_client, body=LONG_WORD)
    assert response.status_code == 302
    question = Question.objects.get()
    assert question.body == LONG_WORD
    html = page(customer_client.get(question.get_absolute_url()))
    assert LONG_WORD in html
    # The page's stylesheet breaks words that would not fit (body { overflow-wrap: anywhere }).
    assert "overflow-wrap: anywhere" in (settings.BASE_DIR / "static/css/site.css").read_text()


def test_ask_accepts_emoji_and_they_round_trip(customer_client):
    assert ask(customer_client, title=EMOJI_TITLE, body=EMOJI_BODY).status_code == 302
    question = Question.objects.get()
    assert (question.title, question.body) == (EMOJI_TITLE, EMOJI_BODY)
    question.refresh_from_db()
    assert question.title == EMOJI_TITLE
    assert EMOJI_TITLE in page(customer_client.get(reverse("qa:my_questions")))
    assert EMOJI_BODY.split("。")[0] in page(customer_client.get(question.get_absolute_url()))


def test_a_body_with_bidi_controls_is_kept_and_shown_isolated(customer_client):
    body = "Refund for " + RLO + "gnp.exe please"
    assert ask(customer_client, body=body).status_code == 302
    html = page(customer_client.get(Question.objects.get().get_absolute_url()))
    assert 'dir="auto"' in html


def test_ask_preview_with_nul_and_long_word_does_not_fail(customer_client):
    response = ask(customer_client, action="preview", body="見出し" + NUL + LONG_WORD[:5000])
    assert response.status_code == 200
    assert "Null characters are not allowed." in page(response)


def test_oversized_request_body_is_a_400_not_a_500(customer_client):
    # The ask view's own bound (supportsite/request_size.py, far below Django's
    # DATA_UPLOAD_MAX_MEMORY_SIZE) answers 413 before the form is read. With CSRF
    # checks on, the CSRF middleware reads the form first and Django's limit answers 400.
    response = ask(customer_client, body="b" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))
    assert response.status_code == 413
    assert Question.objects.count() == 0


# --- Search and suggest -------------------------------------------------------------------------------


# NUL in a query string is a 404 before the view runs (test_nul_in_an_address_or_query_is_a_friendly_404).
SEARCH_INPUTS = {
    "10,000-character word": LONG_WORD,
    "RLO": RLO + "送料",
    "emoji": "📦 送料",
    "oversized": "送料 " * 3000,
}


@pytest.mark.parametrize("query", SEARCH_INPUTS.values(), ids=SEARCH_INPUTS.keys())
def test_search_with_bad_input_answers_200(client, make_tip, query):
    make_tip(title="送料はいくらですか 📦", answer_text="全国一律です。")
    response = client.get(reverse("qa:search"), {"q": query})
    assert response.status_code == 200


def test_search_finds_emoji_titles(client, make_tip):
    make_tip(title="📦 荷物の追跡", answer_text="追跡番号をご確認ください。")
    response = client.get(reverse("qa:search"), {"q": "荷物"})
    assert [tip.title for tip in response.context["page_obj"]] == ["📦 荷物の追跡"]
    assert "📦" in page(response)


@pytest.mark.parametrize("query", SEARCH_INPUTS.values(), ids=SEARCH_INPUTS.keys())
def test_suggest_with_bad_input_answers_json(client, make_tip, query):
    make_tip(title="送料はいくらですか", answer_text="全国一律です。")
    response = client.get(reverse("qa:suggest"), {"q": query})
    assert response.status_code == 200
    assert "results" in response.json()


# --- Vote ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("choice", [NUL, "yes" + NUL, "x" * 10000, RLO + "yes", "👍"])
def test_vote_with_bad_input_asks_again(client, make_tip, choice):
    tip = make_tip()
    response = client.post(reverse("qa:tip_vote", args=[tip.pk]), {"helpful": choice}, follow=True)
    assert response.status_code == 200
    assert "Please choose Yes or No." in page(response)
    tip.refresh_from_db()
    assert (tip.helpful_yes, tip.helpful_no) == (0, 0)


# --- Sign-in and sign-up ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "login",
    [NUL, "customer@example.com" + NUL, "a" * 10000 + "@example.com", RLO + "customer@example.com", "📧@example.com"],
)
def test_sign_in_with_bad_input_shows_a_form_error(client, customer, login):
    response = client.post(reverse("account_login"), {"login": login, "password": "pw-123456!" + NUL})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("hanako" + NUL + "@example.jp", "Tr0ub4dor&3-長い"),
        ("hanako@example.jp", "Tr0ub4dor&3" + NUL),
        ("h" * 10000 + "@example.jp", "Tr0ub4dor&3-長い"),
        (RLO + "hanako@example.jp", "Tr0ub4dor&3-長い"),
        ("📧@example.jp", "Tr0ub4dor&3-長い"),
    ],
    ids=["NUL in e-mail", "NUL in password", "long e-mail", "RLO in e-mail", "emoji e-mail"],
)
def test_sign_up_with_bad_input_shows_a_form_error(client, db, email, password):
    response = client.post(reverse("account_signup"), {"email": email, "password1": password, "password2": password})
    assert response.status_code == 200
    assert response.context["form"].errors
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.exists()


def test_sign_up_accepts_a_10000_character_password(client, db):
    """No upper limit on passwords (Django has none either): long ones hash fine, nothing breaks."""
    password = "p" * 5000 + "パスワード" * 1000
    response = client.post(
        reverse("account_signup"), {"email": "hanako@example.jp", "password1": password, "password2": password}
    )
    assert response.status_code == 302
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get(email="hanako@example.jp").check_password(password)


def test_sign_up_accepts_an_emoji_password(client, db):
    password = "🔑鍵と🐈猫-Tr0ub4dor"
    response = client.post(
        reverse("account_signup"), {"email": "hanako@example.jp", "password1": password, "password2": password}
    )
    assert response.status_code == 302
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get(email="hanako@example.jp").check_password(password)


# --- Tip pages with long words and emoji ---------------------------------------------------------------


def test_tip_page_renders_a_10000_character_word_and_emoji(client, make_tip):
    tip = make_tip(title="📦 " + "長" * 150, answer_text=LONG_WORD + "\n\n" + EMOJI_BODY)
    html = page(client.get(tip.get_absolute_url()))
    assert LONG_WORD in html
    assert "📦 " + "長" * 150 in html
    assert 'dir="auto"' in html
