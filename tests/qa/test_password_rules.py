"""New passwords are checked by Django's validators (AUTH_PASSWORD_VALIDATORS):
not like the user's own details, at least 10 characters, not a common
password, not only digits. Everywhere a password is chosen: sign-up, password
change and reset, the admin's user forms and createsuperuser; in English and
Japanese."""

import re
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

GOOD_PASSWORD = "kZ8!long-enough-Passwort"
EMAIL = "hanako.yamada@example.jp"


def sign_up(client, password, email=EMAIL):
    return client.post(reverse("account_signup"), {"email": email, "password1": password, "password2": password})


def errors_of(response, field):
    return response.context["form"].errors.get(field, [])


@pytest.mark.parametrize(
    "password, message",
    [
        ("123456", "This password is too short. It must contain at least 10 characters."),
        ("123456", "This password is entirely numeric."),
        ("1234567890", "This password is too common."),
        ("password", "This password is too common."),
        (EMAIL, "The password is too similar to the email address."),
    ],
)
def test_sign_up_refuses_a_weak_password(client, db, password, message):
    response = sign_up(client, password)
    assert response.status_code == 200
    assert message in errors_of(response, "password1")
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not get_user_model().objects.exists()


def test_sign_up_accepts_a_good_password(client, db):
    assert sign_up(client, GOOD_PASSWORD).status_code == 302
    assert get_user_model().objects.get(email=EMAIL).check_password(GOOD_PASSWORD)


@pytest.mark.parametrize(
    "password, message",
    [
        ("123456", "このパスワードは短すぎます。最低 10 文字以上必要です。"),
        ("123456", "このパスワードは数字しか使われていません。"),
        ("password", "このパスワードは一般的すぎます。"),
        (EMAIL, "このパスワードは メールアドレス と似すぎています。"),
    ],
)
def test_sign_up_explains_a_weak_password_in_japanese(client, db, settings, password, message):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    response = sign_up(client, password)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_password_change_refuses_a_weak_one(client, customer):
    client.force_login(customer)
    url = reverse("account_change_password")
    weak = {"oldpassword": "pw-123456!", "password1": "password", "password2": "password"}
    response = client.post(url, weak)
    assert response.status_code == 200
    assert "This password is too common." in errors_of(response, "password1")
    good = {"oldpassword": "pw-123456!", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    assert client.post(url, good).status_code == 302
    customer.refresh_from_db()
    assert customer.check_password(GOOD_PASSWORD)


def test_password_reset_refuses_a_weak_one(client, customer):
    client.post(reverse("account_reset_password"), {"email": customer.email})
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", mail.outbox[-1].body).group(0)
    form_url = client.get("/" + link.split("://", 1)[1].split("/", 1)[1])["Location"]
    response = client.post(form_url, {"password1": customer.email, "password2": customer.email})
    assert response.status_code == 200
    assert "The password is too similar to the email address." in errors_of(response, "password1")
    assert client.post(form_url, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}).status_code == 302


def test_admin_refuses_a_weak_password_for_new_staff(client, staff):
    client.force_login(staff)
    data = {"username": "newstaff", "usable_password": "true", "password1": "123456", "password2": "123456"}
    response = client.post(reverse("admin:auth_user_add"), data)
    assert response.status_code == 200
    assert "This password is entirely numeric." in response.content.decode()
    assert not get_user_model().objects.filter(username="newstaff").exists()
    response = client.post(
        reverse("admin:auth_user_add"), {**data, "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    assert response.status_code == 302
    assert get_user_model().objects.filter(username="newstaff").exists()


def test_createsuperuser_refuses_a_weak_password(db, capsys):
    """Interactive createsuperuser asks again after a refusal; answering "N"
    to "Bypass password validation?" and then a good password creates the user."""
    answers = iter(["password", "password", GOOD_PASSWORD, GOOD_PASSWORD])
    with (
        mock.patch("getpass.getpass", side_effect=lambda prompt="": next(answers)),
        mock.patch("builtins.input", side_effect=lambda prompt="": "N"),
        mock.patch("sys.stdin.isatty", return_value=True),
    ):
        call_command("createsuperuser", interactive=True, username="root", email="root@example.jp")
    assert "This password is too common." in capsys.readouterr().err
    assert get_user_model().objects.get(username="root").check_password(GOOD_PASSWORD)
