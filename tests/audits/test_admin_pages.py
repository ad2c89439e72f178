"""The audits pages: auditors see the queue and score any reply but their own;
other staff see the scored audits of their own replies, and nothing else."""

import random
from datetime import date

import pytest
from django.urls import reverse

from audits.models import Audit
from audits.services import audit_sample_week, audit_score
from tests.audits.conftest import tokyo

MONDAY = date(2026, 11, 16)
LIST = reverse("admin:audits_audit_changelist")


def change_url(audit):
    return reverse("admin:audits_audit_change", args=[audit.pk])


@pytest.fixture
def team(make_staff, make_reply):
    """Aiko audits; Ben and Chika write replies; each has one reply sampled in the week of 16 November."""
    aiko = make_staff("aiko", "Aiko", auditor=True)
    ben, chika = make_staff("ben", "Ben"), make_staff("chika", "Chika")
    make_reply(aiko, tokyo(2026, 11, 17), body="Reply by Aiko")
    make_reply(ben, tokyo(2026, 11, 18), body="Reply by Ben")
    make_reply(chika, tokyo(2026, 11, 19), body="Reply by Chika")
    audit_sample_week(monday=MONDAY, size=10, rng=random.Random(1))
    audits = {a.author.username: a for a in Audit.objects.select_related("author")}
    return {"aiko": aiko, "ben": ben, "chika": chika, "audits": audits}


def _score_all(client, audit, rating="2"):
    criteria = list(audit.guideline.criteria.all())
    data = {f"rating_{c.pk}": rating for c in criteria} | {f"comment_{c.pk}": "" for c in criteria}
    return client.post(change_url(audit), data | {"comment": "Good."})


def test_an_auditor_sees_the_queue_and_scores_a_reply(client, team):
    client.force_login(team["aiko"])
    # The sample handed Ben's and Chika's replies to Aiko, the only auditor.
    content = client.get(LIST + "?queue=mine").content.decode()
    assert "Reply by Ben" in content and "Reply by Chika" in content and "Reply by Aiko" not in content
    # Her own reply waits unassigned for another auditor, and is not in her "unassigned" queue either.
    assert team["audits"]["aiko"].auditor is None
    assert "Reply by Aiko" not in client.get(LIST + "?queue=unassigned").content.decode()
    ben_audit = team["audits"]["ben"]
    page = client.get(change_url(ben_audit))
    assert page.status_code == 200
    assert "Reply by Ben" in page.content.decode() and "荷物が届きません" in page.content.decode()
    assert 'name="rating_' in page.content.decode()
    response = _score_all(client, ben_audit)
    assert response.status_code == 302
    ben_audit.refresh_from_db()
    assert (ben_audit.state, ben_audit.score, ben_audit.auditor) == ("done", 100.0, team["aiko"])
    # On to the next reply to score: Chika's (Aiko's own is not hers to score).
    assert response["Location"] == change_url(team["audits"]["chika"])


def test_the_scoring_form_asks_again_when_a_criterion_is_left_out(client, team):
    client.force_login(team["aiko"])
    audit = team["audits"]["ben"]
    response = client.post(change_url(audit), {"comment": "?"})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    audit.refresh_from_db()
    assert audit.state == "queued"


def test_an_auditor_cannot_score_their_own_reply(client, team):
    client.force_login(team["aiko"])
    own = team["audits"]["aiko"]
    page = client.get(change_url(own))
    assert page.status_code == 200 and 'name="rating_' not in page.content.decode()
    assert _score_all(client, own).status_code == 403
    own.refresh_from_db()
    assert own.state == "queued"


def test_staff_see_only_the_scored_audits_of_their_own_replies(client, team):
    aiko = team["aiko"]
    audit_score(audit=team["audits"]["ben"], auditor=aiko, ratings=_ratings(team["audits"]["ben"], 1), comment="ok")
    audit_score(audit=team["audits"]["chika"], auditor=aiko, ratings=_ratings(team["audits"]["chika"], 2))
    client.force_login(team["ben"])
    page = client.get(LIST)
    content = page.content.decode()
    assert page.status_code == 200 and "Reply by Ben" in content
    assert "Reply by Chika" not in content and "Reply by Aiko" not in content
    mine = client.get(change_url(team["audits"]["ben"]))
    assert mine.status_code == 200 and "50%" in mine.content.decode() and 'name="rating_' not in mine.content.decode()
    # Someone else's audit is not there for Ben (the admin's "no such object" redirect), and he scores nothing.
    assert client.get(change_url(team["audits"]["chika"])).status_code == 302
    assert _score_all(client, team["audits"]["ben"]).status_code == 403
    assert client.get(reverse("admin:audits_guideline_changelist")).status_code == 403


def test_an_audit_still_queued_is_not_shown_to_the_replys_author(client, team):
    client.force_login(team["chika"])
    assert "Reply by Chika" not in client.get(LIST).content.decode()
    assert client.get(change_url(team["audits"]["chika"])).status_code == 302


def test_the_scoring_page_answers_head(client, team):
    client.force_login(team["aiko"])
    assert client.head(change_url(team["audits"]["ben"])).status_code == 200


def test_the_audit_list_runs_a_fixed_number_of_queries(
    client, team, make_staff, make_reply, django_assert_max_num_queries
):
    writers = [make_staff(f"w{i}", f"Writer {i}") for i in range(15)]
    for i, writer in enumerate(writers):
        make_reply(writer, tokyo(2026, 11, 20, 9 + i % 8, i))
    audit_sample_week(monday=MONDAY, size=40, rng=random.Random(2))
    client.force_login(team["aiko"])
    with django_assert_max_num_queries(15):
        assert client.get(LIST).status_code == 200


def test_the_guideline_page_edits_criteria_inline(admin_client):
    from audits.models import Guideline

    guideline = Guideline.objects.get(title="Reply guidelines")
    page = admin_client.get(reverse("admin:audits_guideline_change", args=[guideline.pk]))
    assert page.status_code == 200 and "criteria-TOTAL_FORMS" in page.content.decode()


def _ratings(audit, rating):
    return {c.pk: (rating, "") for c in audit.guideline.criteria.all()}


def test_the_scoring_page_shows_what_the_reply_answers_in_fixed_queries(
    client, team, make_reply, django_assert_max_num_queries
):
    from qa.models import Message

    ben = team["ben"]
    # A long conversation before Ben's reply: the page shows the three messages before it, never a note.
    for minute in range(20):
        make_reply(None, tokyo(2026, 11, 18, 9, minute), kind=Message.Kind.CUSTOMER, body=f"Customer line {minute}")
    make_reply(ben, tokyo(2026, 11, 18, 10), kind=Message.Kind.NOTE, body="Internal: check the warehouse")
    client.force_login(team["aiko"])
    with django_assert_max_num_queries(20):
        page = client.get(change_url(team["audits"]["ben"]))
    content = page.content.decode()
    assert "Customer line 19" in content and "Customer line 17" in content and "Customer line 16" not in content
    assert "Internal: check the warehouse" not in content
