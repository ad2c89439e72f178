import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_admin_login_is_rate_limited_per_ip(client, settings):
    settings.ADMIN_LOGIN_RATE = "3/m"
    url = reverse("admin:login")
    for _attempt in range(3):
        response = client.post(url, {"username": "staff", "password": "wrong"})
        assert response.status_code == 200
    response = client.post(url, {"username": "staff", "password": "wrong"})
    assert response.status_code == 429


@pytest.mark.django_db
def test_admin_login_page_itself_is_not_limited(client, settings):
    settings.ADMIN_LOGIN_RATE = "1/m"
    url = reverse("admin:login")
    for _attempt in range(3):
        assert client.get(url).status_code == 200
