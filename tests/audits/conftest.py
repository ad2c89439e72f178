"""Fixtures for the audits: staff who write replies, auditors, replies at given times."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from conversations.models import StaffProfile
from qa.models import Message

TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo(year, month, day, hour=12, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def _support_zone(settings):
    settings.SUPPORT_TIME_ZONE = "Asia/Tokyo"
    settings.AUDIT_SAMPLE_SIZE = 10


@pytest.fixture
def auditors_group(db):
    group = Group.objects.create(name="Auditors")
    group.permissions.add(Permission.objects.get(content_type__app_label="audits", codename="audit_replies"))
    return group


@pytest.fixture
def make_staff(db, auditors_group):
    """A staff member (not a superuser) with a display name; `auditor=True` adds them to the auditors."""

    def make(username, display_name="", *, auditor=False):
        user = get_user_model().objects.create_user(
            username=username, email=f"{username}@example.com", password="pw-123456!", is_staff=True
        )
        if display_name:
            StaffProfile.objects.create(user=user, display_name=display_name)
        if auditor:
            user.groups.add(auditors_group)
        return user

    return make


@pytest.fixture
def conversation(make_question):
    return make_question(title="荷物が届きません", body="注文した荷物がまだ届きません。")


@pytest.fixture
def make_reply(conversation):
    def make(author, at, *, kind=Message.Kind.REPLY, body="ご不便をおかけしております。確認します。", **extra):
        return Message.objects.create(
            question=conversation,
            kind=kind,
            author=author,
            body=body,
            body_html=f"<p>{body}</p>",
            created_at=at,
            **extra,
        )

    return make
