"""Accounts through django-allauth: sign-up with e-mail verification, sign-in, rate limits, site look."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import override_settings
from django.urls import reverse

PASSWORD = "kZ8!long-enough-Passwort"


def sign_up(client, email):
    return client.post(reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD})


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_sign_up_verify_by_email_link_then_sign_in(client, db):
    email = "hanako@example.jp"
    response = sign_up(client, email)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert EmailAddress.objects.get(email=email).verified is False
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [email]

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    confirm_page = client.get("/" + path)
    assert confirm_page.status_code == 200
    assert "Confirm Email Address" in confirm_page.content.decode()
    assert client.post("/" + path).status_code == 302
    assert EmailAddress.objects.get(email=email).verified is True

    client.logout()
    response = sign_in(client, email)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == get_user_model().objects.get(email=email).pk


def test_unverified_account_cannot_sign_in(client, db):
    user = get_user_model().objects.create_user(username="taro", email="taro@example.jp", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    response = sign_in(client, user.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    # ...and the ask page still sends them to sign in.
    assert client.get(reverse("qa:ask")).status_code == 302


def test_verified_customer_signs_in(client, customer):
    response = sign_in(client, customer.email, "pw-123456!")
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == customer.pk


def test_repeated_failed_sign_ins_get_429(client, customer):
    for _ in range(5):
        response = sign_in(client, customer.email, "wrong password")
        assert response.status_code == 200
        assert response.context["form"].errors
    response = sign_in(client, customer.email, "wrong password")
    assert response.status_code == 429
    assert "429.html" in [t.name for t in response.templates]
    # The right password does not help while the limit lasts.
    assert sign_in(client, customer.email, "pw-123456!").status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("url_name", ["account_login", "account_signup", "account_reset_password"])
def test_account_pages_use_the_site_layout(client, db, url_name):
    response = client.get(reverse(url_name))
    html = response.content.decode()
    assert response.status_code == 200
    assert "base.html" in [t.name for t in response.templates]
    assert "css/customer.css" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html


def test_social_buttons_only_for_configured_networks(client, db):
    assert "Continue with" not in client.get(reverse("account_login")).content.decode()
    providers = {"google": {"APPS": [{"client_id": "id", "secret": "secret", "key": ""}]}}
    with override_settings(SOCIALACCOUNT_PROVIDERS=providers):
        html = client.get(reverse("account_login")).content.decode()
    assert "Continue with Google" in html
    assert "Continue with Facebook" not in html and "Continue with X" not in html
    assert 'action="/accounts/google/login/?process=login"' in html


def test_sign_out_page_signs_out_on_post(client, customer):
    client.force_login(customer)
    assert "Are you sure you want to sign out?" in client.get(reverse("account_logout")).content.decode()
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session
