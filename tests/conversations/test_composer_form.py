"""The composer's form and template include, and its staff pages in the admin."""

from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from conversations.compose import Signature
from conversations.forms import ReplyComposerForm
from conversations.models import StaffProfile, SupportHoliday
from qa import services

SIGNATURE = Signature(text="— Sam, Tipcast support", at_start=False)
pytestmark = pytest.mark.django_db


def composer(data=None, *, network="x", handle="customer", language="en", signature=SIGNATURE):
    return ReplyComposerForm(data, network=network, handle=handle, language=language, signature=signature)


def test_a_reply_becomes_its_posts():
    form = composer({"text": "Glad it arrived!"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["parts"] == ["@customer Glad it arrived!\n— Sam, Tipcast support"]
    assert form.cleaned_data["reply_text"] == "Glad it arrived!"
    assert "is_public" not in form.fields  # networks have no private replies


def test_saved_reply_and_tip_link_are_added(make_tip, settings):
    settings.SITE_URL = "https://support.example.com"
    saved = services.saved_reply_create(title="Delay", body="Sorry for the delay.")
    tip = make_tip()
    form = composer({"text": "Hello.", "saved_reply": saved.pk, "tip": tip.pk})
    assert form.is_valid(), form.errors
    text = form.cleaned_data["reply_text"]
    assert text.startswith("Hello.\n\nSorry for the delay.\nhttps://support.example.com/")
    assert "utm_medium=reply" in text and "utm_source=x" in text


def test_unknown_or_unpublished_tip_is_a_clear_error(make_tip):
    draft = make_tip(publish=False)
    form = composer({"text": "Hello.", "tip": draft.pk})
    assert not form.is_valid()
    assert form.errors["tip"] == ["There is no published tip with that number."]


def test_too_long_is_an_error_on_the_text_saying_the_length():
    form = composer({"text": "あ。" * 450}, language="ja")
    assert not form.is_valid()
    assert "3 posts of 280" in form.errors["text"][0]


def test_personal_data_needs_confirming_on_networks():
    form = composer({"text": "Call us on 090-1234-5678."})
    assert not form.is_valid()
    assert "phone number" in form.errors["pii_confirmed"][0] and "090-1234-5678" in form.errors["pii_confirmed"][0]
    form = composer({"text": "Call us on 090-1234-5678.", "pii_confirmed": "on"})
    assert form.is_valid(), form.errors


def test_a_private_web_reply_may_hold_personal_data():
    form = composer({"text": "Your order 090-1234-5678", "is_public": ""}, network="web", handle="")
    assert form.is_valid(), form.errors
    public = composer({"text": "Your order 090-1234-5678", "is_public": "on"}, network="web", handle="")
    assert not public.is_valid() and "pii_confirmed" in public.errors


def test_the_include_carries_the_count_data_and_loads_script_files_only():
    services.saved_reply_create(title="Delay", body="Sorry </script><b>")
    html = render_to_string("conversations/_composer.html", {"form": composer(), "action": "/reply/"})
    assert 'data-network="x"' in html and 'data-handle="customer"' in html
    assert 'data-signature="— Sam, Tipcast support"' in html and 'data-label-posts="{count} posts"' in html
    assert "conversations/x_count.js" in html and "conversations/x_count_patterns.js" in html
    assert 'type="application/json"' in html and "</script><b>" not in html  # json_script escapes
    assert html.count("<script") == 3  # two files and the saved replies' data, no inline code
    assert "<form" in html and "Send reply" in html
    fields_only = render_to_string("conversations/_composer.html", {"form": composer(), "fields_only": True})
    assert "<form" not in fields_only and "csrfmiddlewaretoken" not in fields_only
    with translation.override("ja"):
        japanese = render_to_string("conversations/_composer.html", {"form": composer(language="ja")})
    assert "Send reply" not in japanese and "返信を送信" in japanese


# --- Admin -----------------------------------------------------------------------------------


def _agent(*permissions):
    user = get_user_model().objects.create_user(username="agent", password="pw-123456!", is_staff=True)
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def test_my_reply_signature_creates_and_opens_ones_own_profile(client):
    agent = _agent("view_question")
    agent.first_name = "Aiko"
    agent.save()
    client.force_login(agent)
    response = client.get(reverse("admin:conversations_staffprofile_mine"))
    profile = StaffProfile.objects.get(user=agent)
    assert profile.display_name == "Aiko"
    assert response.url == reverse("admin:conversations_staffprofile_change", args=[profile.pk])
    page = client.get(response.url)
    assert page.status_code == 200
    saved = client.post(response.url, {"display_name": "Watanabe"})
    assert saved.status_code == 302
    profile.refresh_from_db()
    assert profile.display_name == "Watanabe" and profile.user == agent


def test_staff_cannot_edit_someone_elses_profile(client, staff):
    other = StaffProfile.objects.create(user=staff, display_name="Boss")
    client.force_login(_agent("view_question"))
    assert client.get(reverse("admin:conversations_staffprofile_change", args=[other.pk])).status_code == 403
    assert client.get(reverse("admin:conversations_staffprofile_changelist")).status_code == 403


def test_account_menu_links_to_my_reply_signature(client, staff):
    client.force_login(staff)
    page = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:conversations_staffprofile_mine") in page


def test_support_hours_list_says_whether_the_team_is_on_duty(client, staff, settings):
    settings.SUPPORT_TIME_ZONE = "Asia/Tokyo"
    client.force_login(staff)
    page = client.get(reverse("admin:conversations_supporthours_changelist")).content.decode()
    assert "On duty" in page  # no hours yet: around the clock
    # Around the clock, but today (in Tokyo) is a holiday: back tomorrow at 00:00.
    today = timezone.now().astimezone(ZoneInfo("Asia/Tokyo")).date()
    SupportHoliday.objects.create(date=today, name="Test")
    page = client.get(reverse("admin:conversations_supporthours_changelist")).content.decode()
    assert "Off duty, back" in page and "00:00 (JST)" in page
    response = client.post(
        reverse("admin:conversations_supporthours_add"), {"weekday": 0, "opens": "18:00", "closes": "09:00"}
    )
    assert "Closing time must be after opening time" in response.content.decode()
