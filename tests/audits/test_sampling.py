"""The weekly sample: random (seeded here), sized, idempotent per week, only
replies that reached the customer, and never handed to their own author."""

import random
from datetime import date

import pytest
from django.conf import settings as django_settings

from audits.models import Audit, AuditSample
from audits.services import audit_sample_due, audit_sample_week
from publishing.models import Delivery
from qa.models import Message
from tests.audits.conftest import tokyo

MONDAY = date(2026, 11, 16)  # the week of Monday 16 to Sunday 22 November 2026


def _reply_delivery(status):
    return Delivery.objects.create(channel="x", purpose=Delivery.Purpose.REPLY, status=status)


@pytest.fixture
def week_of_messages(make_staff, make_reply):
    """Replies in and around the week; only `in_week` may be sampled."""
    aiko, ben = make_staff("aiko", "Aiko"), make_staff("ben", "Ben")
    in_week = [
        make_reply(aiko, tokyo(2026, 11, 16, 0, 5)),  # Monday just after the team's midnight
        make_reply(ben, tokyo(2026, 11, 18)),
        make_reply(aiko, tokyo(2026, 11, 20), channel="x", delivery=_reply_delivery(Delivery.Status.SENT)),
        make_reply(ben, tokyo(2026, 11, 22, 23, 55)),  # Sunday night in Tokyo (14:55 UTC)
    ]
    # Never sampled: a note, the customer's own message, a network reply that was not sent,
    # and replies of the weeks before and after (Sunday 23:59 and Monday 00:00 in Tokyo).
    make_reply(aiko, tokyo(2026, 11, 17), kind=Message.Kind.NOTE)
    make_reply(None, tokyo(2026, 11, 17), kind=Message.Kind.CUSTOMER)
    make_reply(ben, tokyo(2026, 11, 19), channel="x", delivery=_reply_delivery(Delivery.Status.FAILED))
    make_reply(aiko, tokyo(2026, 11, 15, 23, 59))
    make_reply(ben, tokyo(2026, 11, 23, 0, 0))
    return {"aiko": aiko, "ben": ben, "in_week": in_week}


def test_the_sample_takes_only_the_weeks_replies_that_reached_the_customer(week_of_messages):
    audits = audit_sample_week(monday=MONDAY, size=10, rng=random.Random(7))
    assert sorted(a.message_id for a in audits) == sorted(m.pk for m in week_of_messages["in_week"])
    audit = Audit.objects.get(message=week_of_messages["in_week"][0])
    assert (audit.week, audit.state, audit.author, audit.score) == (MONDAY, "queued", week_of_messages["aiko"], None)
    assert audit.replied_at == week_of_messages["in_week"][0].created_at


def test_the_sample_is_random_and_of_the_configured_size(week_of_messages, settings):
    settings.AUDIT_SAMPLE_SIZE = 2
    audits = audit_sample_week(monday=MONDAY, rng=random.Random(3))
    candidates = sorted(m.pk for m in week_of_messages["in_week"])
    # The same seed over the candidates in id order gives the same two replies.
    expected = random.Random(3).sample(candidates, 2)
    assert len(audits) == 2
    assert sorted(a.message_id for a in audits) == sorted(expected)


def test_sampling_a_week_again_does_not_queue_more(week_of_messages):
    first = audit_sample_week(monday=MONDAY, size=2, rng=random.Random(1))
    again = audit_sample_week(monday=MONDAY, size=2, rng=random.Random(2))
    assert len(first) == 2 and again == []
    assert Audit.objects.count() == 2
    # A larger size tops the week up with replies not sampled yet, never the same reply twice.
    more = audit_sample_week(monday=MONDAY, size=3, rng=random.Random(2))
    assert len(more) == 1 and more[0].message_id not in {a.message_id for a in first}
    assert AuditSample.objects.get(week=MONDAY).picked == 3


def test_an_auditor_is_never_handed_their_own_reply(make_staff, make_reply):
    aiko = make_staff("aiko", "Aiko", auditor=True)
    ben = make_staff("ben", "Ben", auditor=True)
    replies = [make_reply(aiko, tokyo(2026, 11, 17, h)) for h in (9, 10, 11)] + [make_reply(ben, tokyo(2026, 11, 18))]
    audits = audit_sample_week(monday=MONDAY, size=10, rng=random.Random(5))
    assert len(audits) == len(replies)
    for audit in Audit.objects.all():
        assert audit.auditor_id is not None and audit.auditor_id != audit.author_id
    # Aiko's three replies go to Ben; Ben's one to Aiko.
    assert Audit.objects.filter(auditor=ben).count() == 3 and Audit.objects.filter(auditor=aiko).count() == 1


def test_the_load_is_shared_between_auditors(make_staff, make_reply):
    writer = make_staff("writer", "Writer")
    first, second = make_staff("a1", auditor=True), make_staff("a2", auditor=True)
    for hour in range(9, 13):
        make_reply(writer, tokyo(2026, 11, 17, hour))
    audit_sample_week(monday=MONDAY, size=4, rng=random.Random(5))
    assert Audit.objects.filter(auditor=first).count() == Audit.objects.filter(auditor=second).count() == 2


def test_without_auditors_the_sample_waits_unassigned(week_of_messages):
    audit_sample_week(monday=MONDAY, size=10, rng=random.Random(5))
    assert not Audit.objects.filter(auditor__isnull=False).exists()


def test_a_week_starts_on_a_monday(db):
    with pytest.raises(ValueError):
        audit_sample_week(monday=date(2026, 11, 17))


def test_beat_samples_last_week_once(week_of_messages, settings):
    # Any day of the week of 23 November samples the week of 16 November, once.
    assert audit_sample_due(today=date(2026, 11, 25)) == 4
    assert audit_sample_due(today=date(2026, 11, 26)) == 0
    assert Audit.objects.count() == 4
    settings.AUDIT_SAMPLE_SIZE = 0
    assert audit_sample_due(today=date(2026, 12, 2)) == 0
    assert not AuditSample.objects.filter(week=date(2026, 11, 23)).exists()


def test_no_active_guideline_no_sample(week_of_messages):
    from audits.models import Guideline

    Guideline.objects.update(active=False)
    assert audit_sample_week(monday=MONDAY, size=5) == []


def test_beat_asks_every_hour():
    entry = django_settings.CELERY_BEAT_SCHEDULE["audits-sample"]
    assert entry["task"] == "audits.sample_last_week" and entry["schedule"] == 3600.0


def test_the_command_samples_the_week_of_any_day(week_of_messages):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("audits_sample", "--week", "2026-11-19", "--size", "3", stdout=out)
    assert "Queued 3 replies of the week of 2026-11-16." in out.getvalue()
    assert Audit.objects.filter(week=MONDAY).count() == 3
    with pytest.raises(CommandError):
        call_command("audits_sample", "--week", "19/11/2026")
