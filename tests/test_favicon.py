"""The site's icon: /favicon.ico leads to the static file, and admin pages name it."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_favicon_ico_redirects_to_the_static_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/img/favicon.ico"
    assert reverse("qa:favicon") == "/favicon.ico"


def test_the_static_icon_it_points_to_is_served(client, settings):
    settings.DEBUG = True  # the finders serve static files (whitenoise in production)
    location = client.get("/favicon.ico")["Location"]

    icon = client.get(location)

    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO header


@pytest.mark.parametrize("url_name", ["admin:index", "admin:qa_question_changelist", "admin:login"])
def test_admin_pages_name_the_icon_so_browsers_do_not_ask_for_favicon_ico(client, staff, url_name):
    if url_name != "admin:login":
        client.force_login(staff)

    html = client.get(reverse(url_name)).content.decode()

    # The admin theme writes the tags with its own spacing: compare them word by word.
    links = [" ".join(tag.split()) for tag in re.findall(r"<link [^>]*>", html)]
    assert '<link rel="icon" href="/static/img/favicon.ico" sizes="32x32">' in links
    assert '<link rel="icon" href="/static/img/favicon.png" type="image/png" >' in links
    # The admin's own branding is kept.
    assert "Tipcast" in html


def test_public_pages_name_the_icon_too(client):
    html = client.get(reverse("qa:home")).content.decode()

    assert '<link rel="icon" href="/static/img/favicon.ico" sizes="32x32">' in html
