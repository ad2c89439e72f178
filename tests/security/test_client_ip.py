"""Per-IP rate limits count the real client, directly and behind our TLS proxy.

TIPCAST_TRUSTED_PROXY_COUNT = 0: the connection address is the client and
X-Forwarded-For is not believed at all. = 1: the address our proxy appended
(the rightmost entry) is the client; whatever a client wrote to the left of it
cannot move it into another bucket.
"""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from qa.models import Question
from supportsite.client_ip import client_ip

PROXY = "10.0.0.2"  # the TLS proxy's address, as gunicorn sees it
ALICE = "203.0.113.10"
BOB = "198.51.100.20"


def request_from(remote_addr, forwarded_for=None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **extra)


def test_direct_connection_is_keyed_on_the_connection_address(settings):
    settings.TIPCAST_TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from(ALICE)) == ALICE
    # Without a trusted proxy, a header anyone can send changes nothing.
    assert client_ip(request_from(ALICE, forwarded_for=BOB)) == ALICE


def test_behind_one_proxy_the_address_it_appended_is_the_client(settings):
    settings.TIPCAST_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from(PROXY, forwarded_for=ALICE)) == ALICE
    # A spoofed extra entry sits left of what the proxy appended: ignored.
    assert client_ip(request_from(PROXY, forwarded_for=f"{BOB}, {ALICE}")) == ALICE
    assert client_ip(request_from(PROXY, forwarded_for=f"1.2.3.4,{BOB} , {ALICE}")) == ALICE


def test_behind_two_proxies(settings):
    settings.TIPCAST_TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_from(PROXY, forwarded_for=f"6.6.6.6, {ALICE}, 10.0.0.9")) == ALICE
    # Only one of the two proxies appended (a misconfiguration): still never the 500 allauth raises.
    assert client_ip(request_from(PROXY, forwarded_for=ALICE)) == ALICE


def test_nonsense_in_the_header_falls_back_to_the_connection(settings):
    settings.TIPCAST_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from(PROXY, forwarded_for="unknown")) == PROXY
    assert client_ip(request_from(PROXY, forwarded_for="")) == PROXY
    assert client_ip(request_from(PROXY, forwarded_for=" , ")) == PROXY
    assert client_ip(request_from(PROXY, forwarded_for="2001:DB8::1")) == "2001:db8::1"


def through_proxy(forwarded_for):
    """A test client whose every request comes from the proxy, for one visitor."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)


@pytest.mark.django_db
def test_admin_login_limit_is_per_real_client_behind_the_proxy(settings):
    settings.TIPCAST_TRUSTED_PROXY_COUNT = 1
    settings.ADMIN_LOGIN_RATE = "3/m"
    url = reverse("admin:login")
    wrong = {"username": "staff", "password": "wrong"}
    for attempt in range(3):
        # Alice changes the spoofed part every time: it does not give her a fresh bucket.
        assert through_proxy(f"192.0.2.{attempt}, {ALICE}").post(url, wrong).status_code == 200
    assert through_proxy(f"192.0.2.99, {ALICE}").post(url, wrong).status_code == 429
    assert through_proxy(ALICE).post(url, wrong).status_code == 429
    # Bob shares the proxy's connection address but is someone else.
    assert through_proxy(BOB).post(url, wrong).status_code == 200


@pytest.mark.django_db
def test_admin_login_limit_on_a_direct_connection_ignores_the_header(settings):
    settings.TIPCAST_TRUSTED_PROXY_COUNT = 0
    settings.ADMIN_LOGIN_RATE = "2/m"
    url = reverse("admin:login")
    wrong = {"username": "staff", "password": "wrong"}
    for attempt in range(2):
        assert Client(REMOTE_ADDR=ALICE, HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}").post(url, wrong).status_code == 200
    assert Client(REMOTE_ADDR=ALICE, HTTP_X_FORWARDED_FOR="192.0.2.50").post(url, wrong).status_code == 429
    assert Client(REMOTE_ADDR=BOB).post(url, wrong).status_code == 200


def ask(client, title):
    return client.post(reverse("qa:ask"), {"title": title, "body": "届いた商品が壊れていました。", "action": "confirm"})


@pytest.mark.django_db
def test_ask_limit_is_per_real_client_behind_the_proxy(settings, customer, other_customer):
    settings.TIPCAST_TRUSTED_PROXY_COUNT = 1
    settings.ASK_RATE_PER_USER = "100/h"
    settings.ASK_RATE_PER_IP = "2/h"
    alice = through_proxy(f"6.6.6.6, {ALICE}")
    alice.force_login(customer)
    assert ask(alice, "一回目").status_code == 302
    alice.defaults["HTTP_X_FORWARDED_FOR"] = f"7.7.7.7, {ALICE}"
    assert ask(alice, "二回目").status_code == 302
    alice.defaults["HTTP_X_FORWARDED_FOR"] = f"8.8.8.8, {ALICE}"
    assert ask(alice, "三回目").status_code == 429
    # Another customer behind the same proxy has their own allowance.
    bob = through_proxy(BOB)
    bob.force_login(other_customer)
    assert ask(bob, "別の人です").status_code == 302
    assert Question.objects.count() == 3


@pytest.mark.django_db
def test_allauth_sign_in_limit_is_per_real_client_behind_the_proxy(settings, customer):
    settings.TIPCAST_TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "2/m/ip"}
    url = reverse("account_login")
    wrong = {"login": customer.email, "password": "wrong"}
    for attempt in range(2):
        assert through_proxy(f"192.0.2.{attempt}, {ALICE}").post(url, wrong).status_code == 200
    assert through_proxy(f"192.0.2.77, {ALICE}").post(url, wrong).status_code == 429
    assert through_proxy(BOB).post(url, {"login": "nobody@example.com", "password": "x"}).status_code == 200


@pytest.mark.django_db
def test_vote_limit_is_per_real_client_behind_the_proxy(settings, make_tip):
    settings.TIPCAST_TRUSTED_PROXY_COUNT = 1
    settings.VOTE_RATE_PER_IP = "1/h"
    first, second = make_tip(title="First tip"), make_tip(title="Second tip")
    assert (
        through_proxy(f"6.6.6.6, {ALICE}").post(reverse("qa:tip_vote", args=[first.pk]), {"helpful": "yes"}).status_code
        == 302
    )
    assert (
        through_proxy(f"7.7.7.7, {ALICE}")
        .post(reverse("qa:tip_vote", args=[second.pk]), {"helpful": "yes"})
        .status_code
        == 429
    )
    assert through_proxy(BOB).post(reverse("qa:tip_vote", args=[second.pk]), {"helpful": "yes"}).status_code == 302
