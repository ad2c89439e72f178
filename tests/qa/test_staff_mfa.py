"""Two-factor authentication for staff (allauth.mfa: an authenticator app and
recovery codes), required by TIPCAST_STAFF_REQUIRE_MFA.

The setting is off in tests by default (as in development), so the other
admin tests sign in with a password; the tests here turn it on. Codes are
computed with allauth's own TOTP functions from the secret the set-up page
shows, as an authenticator app would.
"""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.conf import settings
from django.urls import reverse

PASSWORD = "pw-123456!"  # tests/conftest.py's users


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for `secret`."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def require_mfa(settings):
    settings.TIPCAST_STAFF_REQUIRE_MFA = True


@pytest.fixture
def staff_totp_secret(staff):
    """The staff member has set up an authenticator app (and so has recovery codes)."""
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    RecoveryCodes.activate(staff)
    return secret


def sign_in(client, user, next_url="/admin/"):
    return client.post(f"{reverse('account_login')}?next={next_url}", {"login": user.email, "password": PASSWORD})


def admin_pages():
    return ["/admin/", "/admin/qa/question/", "/admin/qa/tip/import/", "/admin/password_change/", "/admin/jsi18n/"]


def test_admin_login_sends_everyone_to_the_site_sign_in(client, db, require_mfa):
    response = client.get("/admin/login/?next=/admin/qa/tip/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/qa/tip/"
    # An address elsewhere is not a place to come back to.
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/accounts/login/?next=/admin/"


def test_the_admin_password_form_no_longer_signs_staff_in(client, staff, require_mfa):
    response = client.post("/admin/login/", {"username": staff.username, "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_staff_sign_in_asks_for_the_authenticator_code(client, staff, staff_totp_secret, require_mfa):
    response = sign_in(client, staff)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # The password alone opens nothing.
    assert client.get("/admin/")["Location"].startswith("/admin/login/")

    page = client.get(reverse("mfa_authenticate"))
    assert page.status_code == 200
    assert "Two-factor authentication" in page.content.decode()
    # A phone shows its digit keypad and may offer the code itself.
    code_input = re.search(r'<input[^>]*name="code"[^>]*>', page.content.decode()).group(0)
    assert 'inputmode="numeric"' in code_input and 'autocomplete="one-time-code"' in code_input
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "Incorrect code." in wrong.content.decode()

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(staff_totp_secret)})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_recovery_code_signs_in_once(client, staff, staff_totp_secret, require_mfa):
    recovery_code = RecoveryCodes(Authenticator.objects.get(user=staff, type="recovery_codes")).get_unused_codes()[0]
    sign_in(client, staff)
    assert client.post(reverse("mfa_authenticate"), {"code": recovery_code})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200

    client.post(reverse("account_logout"))
    sign_in(client, staff)
    used_again = client.post(reverse("mfa_authenticate"), {"code": recovery_code})
    assert used_again.status_code == 200
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_staff_without_a_second_factor_set_one_up_before_any_admin_page(client, staff, require_mfa):
    response = sign_in(client, staff)
    assert response["Location"] == "/admin/"  # no code to ask for yet
    for url in admin_pages():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp"), url

    # Changing a factor asks for the password again first (allauth's rule), then comes back.
    reauthenticate = client.get(reverse("mfa_activate_totp"))["Location"]
    assert reauthenticate.startswith(reverse("account_reauthenticate"))
    assert client.post(reauthenticate, {"password": PASSWORD})["Location"] == reverse("mfa_activate_totp")
    setup = client.get(reverse("mfa_activate_totp"))
    html = setup.content.decode()
    assert setup.status_code == 200
    assert "Staff accounts must use two-factor authentication." in html
    assert 'src="data:image/svg+xml;base64,' in html  # the QR code
    secret = re.search(r'id="authenticator_secret">([A-Z2-7]+)<', html).group(1)
    assert client.post(reverse("mfa_activate_totp"), {"code": "123456"}).status_code == 200

    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    codes_page = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    assert len(re.findall(r"<li><code>\d{8}</code></li>", codes_page)) == 10
    assert f'href="{reverse("admin:index")}"' in codes_page  # "Continue to the admin"
    for url in admin_pages():
        assert client.get(url).status_code == 200, url


def test_staff_without_a_second_factor_may_still_sign_out(client, staff, require_mfa):
    sign_in(client, staff)
    assert client.post("/admin/logout/").status_code == 200
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_staff_may_not_turn_their_second_factor_off(client, staff, staff_totp_secret, require_mfa):
    sign_in(client, staff)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(staff_totp_secret)})
    client.post(f"{reverse('account_reauthenticate')}?next={reverse('mfa_deactivate_totp')}", {"password": PASSWORD})
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert "You cannot deactivate two-factor authentication." in response.content.decode()
    assert Authenticator.objects.filter(user=staff, type="totp").exists()


def test_customers_sign_in_with_a_password_alone(client, customer, require_mfa):
    response = client.post(reverse("account_login"), {"login": customer.email, "password": PASSWORD})
    assert response["Location"] == settings.LOGIN_REDIRECT_URL
    assert client.get(reverse("qa:my_questions")).status_code == 200
    # The admin is not for them: a page that says so, not a loop between two sign-in pages.
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    staff_only = client.get("/admin/login/?next=/admin/")
    assert staff_only.status_code == 403
    assert "which is not a staff account" in staff_only.content.decode()


def test_with_the_setting_off_staff_without_a_factor_use_the_admin_form(client, staff, settings):
    assert settings.TIPCAST_STAFF_REQUIRE_MFA is False  # the test and development default
    response = client.post("/admin/login/", {"username": staff.username, "password": PASSWORD, "next": "/admin/"})
    assert response["Location"] == "/admin/"
    index = client.get("/admin/")
    assert index.status_code == 200
    # Every admin page links to the page where staff set up or manage their second factor.
    assert f'href="{reverse("mfa_index")}"' in index.content.decode()


def test_with_the_setting_off_a_factor_still_cannot_be_skipped(client, staff, staff_totp_secret):
    """The admin's password form refuses an account with a second factor: it
    signs in on the site's page, which asks for the code."""
    response = client.post("/admin/login/", {"username": staff.username, "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This account uses two-factor authentication." in html
    assert 'href="/accounts/login/?next=/admin/"' in html  # the way in that asks for the code
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    assert sign_in(client, staff)["Location"] == reverse("mfa_authenticate")


def test_mfa_pages_in_japanese(client, staff, staff_totp_secret, require_mfa):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    sign_in(client, staff)
    page = client.get(reverse("mfa_authenticate")).content.decode()
    assert '<html lang="ja">' in page
    assert "二段階認証" in page and "認証アプリ" in page
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"}).content.decode()
    assert "コードが正しくありません。" in wrong


def test_first_staff_account_from_createsuperuser_to_the_admin(client, db, require_mfa):
    """A fresh production install: `createsuperuser` makes an account with no
    confirmed e-mail address and no second factor. Signing in confirms the
    address by e-mail (allauth's mandatory verification), then sets up the
    authenticator app, then opens the admin."""
    from django.contrib.auth import get_user_model
    from django.core import mail

    get_user_model().objects.create_superuser(username="root", email="root@example.jp", password=PASSWORD)
    root = get_user_model().objects.get(username="root")
    response = sign_in(client, root)
    assert response["Location"] == reverse("account_email_verification_sent")
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    assert link.startswith(settings.SITE_URL)
    client.post(link.removeprefix(settings.SITE_URL))

    sign_in(client, root)
    assert client.get("/admin/")["Location"] == reverse("mfa_activate_totp")
    client.post(f"{reverse('account_reauthenticate')}?next={reverse('mfa_activate_totp')}", {"password": PASSWORD})
    html = client.get(reverse("mfa_activate_totp")).content.decode()
    secret = re.search(r'id="authenticator_secret">([A-Z2-7]+)<', html).group(1)
    client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert client.get("/admin/").status_code == 200


def test_the_admin_never_shows_a_second_factor_secret(client, staff, staff_totp_secret):
    client.force_login(staff)
    totp = Authenticator.objects.get(user=staff, type="totp")
    page = client.get(reverse("admin:mfa_authenticator_change", args=[totp.pk]))
    assert page.status_code == 200
    assert staff_totp_secret not in page.content.decode()
    assert client.get(reverse("admin:mfa_authenticator_add")).status_code == 403
    # Deleting one is how an admin lets a colleague who lost their phone set up again.
    response = client.post(reverse("admin:mfa_authenticator_delete", args=[totp.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(pk=totp.pk).exists()


def test_guessing_codes_is_limited(client, staff, staff_totp_secret, require_mfa):
    """Six digits are guessable without a limit: after five wrong codes
    (ACCOUNT_RATE_LIMITS["login_failed"], per account) even the right one is refused."""
    sign_in(client, staff)
    for guess in ("111111", "222222", "333333", "444444", "555555"):
        assert client.post(reverse("mfa_authenticate"), {"code": guess}).status_code == 200
    refused = client.post(reverse("mfa_authenticate"), {"code": totp_code(staff_totp_secret)})
    assert refused.status_code == 200
    assert "Too many failed login attempts." in refused.content.decode()
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
