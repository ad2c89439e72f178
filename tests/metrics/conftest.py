"""Fixtures of the metrics tests.

--- metrics-page: the demo section in place of the real ones, and a lead with the permission only ---"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

import metrics.sections


@pytest.fixture
def demo_sections(monkeypatch):
    monkeypatch.setattr(metrics.sections, "SECTIONS", ["tests.metrics.demo_section.build"])


@pytest.fixture
def lead(db):
    """Staff, not a superuser, with the metrics permission only."""
    user = get_user_model().objects.create_user(username="lead", email="lead@example.com", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_support_metrics"))
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def lead_client(lead):
    client = Client()
    client.force_login(lead)
    return client
