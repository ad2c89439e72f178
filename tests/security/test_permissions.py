"""Who may see and do what, for every URL the site answers.

The list of URLs is generated from the URL conf (admin and allauth included),
and every route must have an entry in the tables of permission_expectations.py:
a new URL without a permission expectation fails
`test_every_url_has_a_permission_expectation`. The objects the routes name are
made by the `world` fixture (tests/security/conftest.py).
"""

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client

from tests.security.permission_expectations import ACTORS, ADMIN_LOGIN, ADMIN_MODELS, LOGIN, REDIRECT, all_cases
from tests.security.urlconf import url_routes


def table_key(route, name, table) -> str | None:
    if route in table:
        return route
    if name and name in table:
        return name
    return None


# --- The tests ------------------------------------------------------------------------------------


def test_every_url_has_a_permission_expectation():
    covered = all_cases()
    missing = [
        f"add a permission expectation for {route!r} (name {name!r})"
        for route, name in url_routes()
        if table_key(route, name, covered) is None
    ]
    assert not missing, "\n".join(missing)


def test_every_registered_model_admin_has_expectations():
    missing = [
        f"add a permission expectation for admin model {model._meta.label_lower!r} (ADMIN_MODELS)"
        for model in admin.site._registry
        if model._meta.label_lower not in ADMIN_MODELS
    ]
    assert not missing, "\n".join(missing)


def test_the_expectation_tables_name_only_real_routes():
    """A table entry for a route that no longer exists is dead weight: remove it."""
    known = {key for route_and_name in url_routes() for key in route_and_name}
    assert sorted(set(all_cases()) - known) == []


def outcome_of(response) -> object:
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith(settings.LOGIN_URL) and "next=" in location:
            return LOGIN
        if location.startswith("/admin/login/") and "next=" in location:
            return ADMIN_LOGIN
        return 301 if response.status_code == 301 else REDIRECT
    return response.status_code


def client_for(world, actor) -> Client:
    client = Client()
    user = {"anonymous": None, "customer": world.customer, "other": world.other, "staff": world.staff}[actor]
    if user is not None:
        client.force_login(user)
    return client


def _case_params():
    return [
        pytest.param(route, index, id=f"{route} {case.label}".strip())
        for route, cases in all_cases().items()
        for index, case in enumerate(cases)
    ]


@pytest.mark.parametrize(("route", "index"), _case_params())
def test_permissions(world, route, index):
    case = all_cases()[route][index]
    url = case.url(world) if callable(case.url) else case.url
    if case.get is not None:
        actual = tuple(outcome_of(client_for(world, actor).get(url)) for actor in ACTORS)
        assert actual == case.get, (
            f"GET {url}: expected {dict(zip(ACTORS, case.get, strict=True))}, got {dict(zip(ACTORS, actual, strict=True))}"
        )
    if case.post is not None:
        data = case.post_data(world) if callable(case.post_data) else case.post_data
        # Staff last: their POST may change or delete what the others tried.
        actual = tuple(outcome_of(client_for(world, actor).post(url, data)) for actor in ACTORS)
        assert actual == case.post, (
            f"POST {url}: expected {dict(zip(ACTORS, case.post, strict=True))}, got {dict(zip(ACTORS, actual, strict=True))}"
        )
