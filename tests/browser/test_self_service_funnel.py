"""The ask form's self-service counts in a real browser (static/js/ask.js and
metrics.self_service_events): a start, suggestions shown, a suggested tip opened
(new tab, counted by the tip page) and the question sent, each once per form."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from metrics.models import DailyCount

pytestmark = pytest.mark.browser


def counts() -> dict[str, int]:
    totals: dict[str, int] = {}
    for row in DailyCount.objects.all():
        totals[row.event] = totals.get(row.event, 0) + row.count
    return totals


def wait_for_counts(expected: dict[str, int]) -> dict[str, int]:
    """The beacon is fire-and-forget: give it a moment to land."""
    deadline = time.monotonic() + 5
    while counts() != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return counts()


def test_each_stage_of_the_ask_form_is_counted_once(site, new_page, signed_in, customer, make_tip):
    tip = make_tip(title="How do I track my parcel?")
    page, problems = new_page()
    signed_in(page.context, customer)
    page.goto(site + reverse("qa:ask"))
    form = page.locator("#ask-form")

    form.locator("input[name=title]").press_sequentially("track parcel", delay=20)
    link = page.locator("#ask-suggestions a", has_text=tip.title)
    expect(link).to_be_visible()
    expect(form.locator("#ask-marker-shown")).to_have_value("1")
    assert wait_for_counts({"ask.started": 1, "ask.suggested": 1}) == {"ask.started": 1, "ask.suggested": 1}

    with page.context.expect_page() as opened:
        link.click()
    opened.value.wait_for_load_state()
    assert "?from=suggestion" in opened.value.url
    expect(form.locator("#ask-marker-clicked")).to_have_value("1")

    # Typing on shows other suggestions, but the form was already counted.
    form.locator("input[name=title]").fill("track parcel number")
    expect(form.locator("#ask-suggested-for")).to_have_value("track parcel number")
    form.locator("textarea[name=body]").fill("It has not arrived.")
    form.locator("button[name=action][value=submit]").click()
    expect(page.locator("main h1")).to_have_text("track parcel number")
    expected = {
        "ask.started": 1,
        "ask.suggested": 1,
        "ask.clicked": 1,
        "suggestion.click": 1,
        "ask.sent": 1,
        "ask.sent_suggested": 1,
        "ask.sent_clicked": 1,
    }
    assert wait_for_counts(expected) == expected
    problems.assert_clean()
