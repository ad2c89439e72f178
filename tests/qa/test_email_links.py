"""Links in every e-mail come from SITE_URL, never from the Host header a
client sends; the Sites row follows SITE_URL and SITE_NAME, so nothing says
example.com (allauth's subject prefix, the admin's "View on site")."""

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from qa.models import Question

FORGED_HOST = "127.0.0.1:6666"
PASSWORD = "kZ8!long-enough-Passwort"
LINK = re.compile(r"https?://[^\s]+")


@pytest.fixture
def forged_client():
    """A client whose every request says Host: 127.0.0.1:6666 (an allowed host name, another port)."""
    return Client(HTTP_HOST=FORGED_HOST)


def links_in(message) -> list[str]:
    return LINK.findall(message.body)


def assert_links_from_site_url(message):
    links = links_in(message)
    assert links, message.body
    for link in links:
        assert link.startswith(settings.SITE_URL + "/"), link
    assert "6666" not in message.body
    # (The fixtures' addresses are @example.com: look for the Site's old name only.)
    assert "example.com" not in message.subject
    assert "example.com!" not in message.body and "on example.com" not in message.body


def test_the_site_row_is_site_url_and_site_name_after_migrate(db):
    site = Site.objects.get_current()
    assert site.domain == urlsplit(settings.SITE_URL).netloc
    assert site.name == settings.SITE_NAME
    assert not Site.objects.filter(domain="example.com").exists()


def test_migrate_brings_the_site_row_in_step_with_changed_settings(db, settings):
    settings.SITE_URL = "https://support.example.org"
    settings.SITE_NAME = "サンプル サポート"
    call_command("migrate", verbosity=0)
    site = Site.objects.get_current()
    assert (site.domain, site.name) == ("support.example.org", "サンプル サポート")
    assert Site.objects.count() == 1


def test_signup_confirmation_link_ignores_the_host_header(forged_client, db):
    response = forged_client.post(
        reverse("account_signup"), {"email": "hanako@example.jp", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    [message] = mail.outbox
    assert_links_from_site_url(message)
    assert message.subject.startswith(f"[{settings.SITE_NAME}] ")
    # The link is a working one on this site.
    confirm_path = urlsplit(links_in(message)[0]).path
    assert confirm_path.startswith("/accounts/confirm-email/")
    assert Client().post(confirm_path).status_code == 302


def test_password_reset_link_ignores_the_host_header(forged_client, customer):
    forged_client.post(reverse("account_reset_password"), {"email": customer.email})
    [message] = mail.outbox
    assert_links_from_site_url(message)
    assert message.subject.startswith(f"[{settings.SITE_NAME}] ")
    reset_path = urlsplit(links_in(message)[0]).path
    assert reset_path.startswith("/accounts/password/reset/key/")
    assert Client().get(reset_path).status_code == 302  # to the form, key accepted


def test_reset_for_an_unknown_address_links_to_sign_up_on_site_url(forged_client, db):
    forged_client.post(reverse("account_reset_password"), {"email": "nobody@example.jp"})
    [message] = mail.outbox
    assert_links_from_site_url(message)
    assert settings.SITE_URL + reverse("account_signup") in links_in(message)


def test_signup_with_a_taken_address_mails_site_url_links(forged_client, customer):
    forged_client.post(
        reverse("account_signup"), {"email": customer.email, "password1": PASSWORD, "password2": PASSWORD}
    )
    [message] = mail.outbox
    assert_links_from_site_url(message)
    assert settings.SITE_URL + reverse("account_reset_password") in links_in(message)


def test_subjects_use_site_name_in_japanese_too(forged_client, customer, settings):
    forged_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    forged_client.post(reverse("account_reset_password"), {"email": customer.email})
    [message] = mail.outbox
    assert message.subject.startswith(f"[{settings.SITE_NAME}] ")
    assert_links_from_site_url(message)


def test_admin_view_on_site_goes_to_site_url(forged_client, staff, make_question):
    question = make_question()
    forged_client.force_login(staff)
    content_type = ContentType.objects.get_for_model(Question)
    response = forged_client.get(f"/admin/r/{content_type.pk}/{question.pk}/")
    assert response.status_code == 302
    assert response["Location"] == settings.SITE_URL + question.get_absolute_url()
